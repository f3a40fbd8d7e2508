import Foundation
import HTTPClient
import Synchronization
import Testing

/// Request bodies streamed from files: sent byte for byte, measured before sending, and never sent whole when the
/// file cannot be read or changes on the way.
@Suite struct FileBodyTests {
    /// A file of `count` pseudo-random bytes in a folder of its own; removed by `cleanUp`. A block of a prime
    /// length, repeated: no power-of-two chunk lines up with it, so a piece sent twice or out of order shows, and
    /// making megabytes is a copy, not a loop that would hold one of the few cooperative threads for seconds.
    private static func makeFile(_ count: Int, seed: UInt64 = 1) throws -> (path: String, bytes: [UInt8]) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("heroform-body-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var state = seed
        let block = (0..<65_521).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count + block.count)
        while bytes.count < count { bytes.append(contentsOf: block) }
        bytes.removeLast(bytes.count - count)
        let path = directory.appendingPathComponent("upload.bin").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        // An old modification time: a write during the test always changes it, however coarse the clock.
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_000_000_000)],
                                              ofItemAtPath: path)
        return (path, bytes)
    }

    /// Compared with memcmp: `==` would make the test library compute a diff of megabytes on failure, and an
    /// element loop in a debug build holds a cooperative thread for seconds.
    private func sameBytes(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.count == b.count
            && a.withUnsafeBytes { a in
                b.withUnsafeBytes { b in
                    guard let x = a.baseAddress, let y = b.baseAddress else { return a.count == 0 }
                    return memcmp(x, y, a.count) == 0
                }
            }
    }

    private static func cleanUp(_ path: String) {
        try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
    }

    @Test func aFileBodyArrivesByteForByteBetweenBytes() async throws {
        let (path, bytes) = try Self.makeFile(3 * 1024 * 1024 + 17)
        defer { Self.cleanUp(path) }
        let received = Mutex<(head: String, body: [UInt8])?>(nil)
        let server = try TestServer { connection in
            guard let request = connection.readRequestBytes() else { return }
            received.withLock { $0 = request }
            connection.answer("stored")
        }
        defer { server.stop() }
        let body = HTTPClientRequest.Body([
            .bytes(Array("before|".utf8)), .file(path: path), .bytes(Array("|after".utf8)),
        ])
        let request = HTTPClientRequest(method: "POST", url: server.url("/upload"), body: body)
        let response = try await HTTPClient().send(request, timeout: .seconds(30))
        #expect(response.body == Array("stored".utf8))
        let (head, sent) = try #require(received.withLock { $0 })
        #expect(head.contains("Content-Length: \(bytes.count + 13)\r\n"), "\(head)")
        #expect(sent.count == bytes.count + 13)
        // elementsEqual, not ==: a failed == on megabytes makes the test library compute a diff for minutes.
        #expect(sameBytes(sent, Array("before|".utf8) + bytes + Array("|after".utf8)))
    }

    @Test func aFileThatCannotBeOpenedSendsNothing() async throws {
        let server = try TestServer { connection in
            _ = connection.readRequestBytes()
            connection.answer()
        }
        defer { server.stop() }
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("heroform-missing-\(UUID())").path
        let request = HTTPClientRequest(method: "POST", url: server.url(), body: .init([.file(path: missing)]))
        let error = await failure { try await HTTPClient().send(request, timeout: .seconds(10)) }
        #expect(error == .bodyUnreadable("cannot open a file: No such file or directory"))
        #expect(error.map { "\($0)".contains(missing) } == false)
        // A folder is no file either.
        let folder = HTTPClientRequest(method: "POST", url: server.url(), body: .init([.file(path: "/")]))
        #expect(await failure { try await HTTPClient().send(folder, timeout: .seconds(10)) }
            == .bodyUnreadable("a file of the body is not a regular file"))
        // Not even a connection was made.
        try await Task.sleep(for: .milliseconds(100))
        #expect(server.connections == 0)
    }

    /// The server changes the file after the request's head came, then counts what else arrives.
    private func changedWhileSent(
        _ change: @escaping @Sendable (String) -> Void
    ) async throws -> (error: HTTPClientError?, declared: Int, received: Int) {
        // More than loopback's socket buffers hold: the client is still reading the file when it changes.
        let (path, bytes) = try Self.makeFile(24 * 1024 * 1024)
        defer { Self.cleanUp(path) }
        let received = Mutex(-1)
        let server = try TestServer { connection in
            guard connection.readHeadText() != nil else { return }
            change(path)
            let count = connection.drain()
            received.withLock { $0 = count }
        }
        defer { server.stop() }
        let request = HTTPClientRequest(method: "POST", url: server.url(), body: .init([.file(path: path)]))
        let error = await failure { try await HTTPClient().send(request, timeout: .seconds(60)) }
        for _ in 0..<500 where received.withLock({ $0 }) < 0 { try await Task.sleep(for: .milliseconds(20)) }
        return (error, bytes.count, received.withLock { $0 })
    }

    @Test func aFileThatShrinksWhileSentNeverArrivesWhole() async throws {
        let (error, declared, received) = try await changedWhileSent { path in _ = truncate(path, 1000) }
        #expect(error == .bodyUnreadable("a file got shorter while it was sent"))
        #expect(received >= 0 && received < declared, "\(received) of \(declared)")
    }

    @Test func aFileThatGrowsWhileSentNeverArrivesWhole() async throws {
        let (error, declared, received) = try await changedWhileSent { path in
            guard let handle = FileHandle(forWritingAtPath: path) else { return }
            handle.seekToEndOfFile()
            handle.write(Data("more".utf8))
            try? handle.close()
        }
        #expect(error == .bodyUnreadable("a file changed while it was sent"))
        #expect(received >= 0 && received < declared, "\(received) of \(declared)")
    }

    @Test func aFileRewrittenInPlaceWhileSentNeverArrivesWhole() async throws {
        let (error, declared, received) = try await changedWhileSent { path in
            guard let handle = FileHandle(forWritingAtPath: path) else { return }
            handle.write(Data("rewritten".utf8))
            try? handle.close()
        }
        #expect(error == .bodyUnreadable("a file changed while it was sent"))
        #expect(received >= 0 && received < declared, "\(received) of \(declared)")
    }

    @Test func aFileBodyGoesAgainFromItsStartOnAFreshConnection() async throws {
        // The reused connection is reset while the file is being written: the request goes again on a fresh
        // connection, and there it arrives whole, read from the file's start.
        let (path, bytes) = try Self.makeFile(24 * 1024 * 1024, seed: 7)
        defer { Self.cleanUp(path) }
        let connections = Mutex(0)
        let secondBody = Mutex<[UInt8]?>(nil)
        let server = try TestServer { connection in
            let number = connections.withLock { $0 += 1; return $0 }
            guard number == 1 else {
                guard let request = connection.readRequestBytes() else { return }
                secondBody.withLock { $0 = request.body }
                return connection.answer("second")
            }
            guard connection.readRequest() != nil else { return }
            connection.answer("first")
            guard connection.readHead() else { return }
            connection.reset()
        }
        defer { server.stop() }
        let client = HTTPClient(configuration: .patient)
        #expect(try await client.send(HTTPClientRequest(method: "POST", url: server.url()), timeout: .seconds(20)).body
            == Array("first".utf8))
        let request = HTTPClientRequest(method: "POST", url: server.url(), body: .init([.file(path: path)]))
        #expect(try await client.send(request, timeout: .seconds(30)).body == Array("second".utf8))
        #expect(sameBytes(secondBody.withLock { $0 } ?? [], bytes))
        #expect(server.connections == 2)
    }

    @Test func aRequestWithAFileDescribesItselfWithoutThePath() throws {
        let body = HTTPClientRequest.Body([.bytes([1, 2, 3]), .file(path: "/var/lib/heroform/attachments/R-1/x.jpg")])
        let url = try #require(URL(string: "https://hero.example/upload"))
        let request = HTTPClientRequest(method: "POST", url: url, body: body)
        #expect("\(request)" == "POST https://hero.example (0 headers, 3 bytes and 1 file)")
    }
}
