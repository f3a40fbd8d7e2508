import Foundation
import HTTPServer
import HTTPTesting
import Logging
import Synchronization
import Testing

/// Bodies past the spool threshold over real sockets and through the in-process client: they reach the handler
/// spooled with every byte intact, leave nothing behind, and keep limits, timeouts, keep-alive and 100-continue.
@Suite struct SpooledUploadTests {
    /// Small, so the tests move kilobytes rather than megabytes; one test keeps the default.
    static let threshold = 1000

    func withServer<T>(
        _ directory: SpoolDirectory, spoolDirectory: String? = nil, logger: Logger? = nil,
        configure: @escaping (inout HTTPServerConfiguration) -> Void = { _ in },
        _ body: (HTTPServer) async throws -> T
    ) async throws -> T {
        try await TestServer.with(spoolRouter(watching: directory), logger: logger, configure: {
            $0.bodySpoolDirectory = spoolDirectory ?? directory.path
            $0.bodySpoolThreshold = Self.threshold
            configure(&$0)
        }, body)
    }

    func inProcess(_ directory: SpoolDirectory, spoolDirectory: String? = nil) -> InProcessClient {
        InProcessClient(
            spoolRouter(watching: directory), bodySpoolDirectory: spoolDirectory ?? directory.path,
            bodySpoolThreshold: Self.threshold)
    }

    /// The echo came back whole, spooled as expected, and the directory showed no name while the handler ran.
    func expectEcho(_ response: RawResponse, of body: [UInt8], spooled: Bool, _ note: String = "") {
        #expect(response.status == 200, "\(note)")
        // elementsEqual, not ==: a failed == on megabytes makes the test library compute a diff for minutes.
        #expect(response.body.elementsEqual(body), "\(note): \(response.body.count) bytes back of \(body.count)")
        #expect(response.header("X-Spooled") == (spooled ? "yes" : "no"), "\(note)")
        #expect(response.header("X-Count") == "\(body.count)", "\(note)")
        #expect(response.header("X-Collected") == "same", "\(note)")
        #expect(response.header("X-Bytes") == "\(spooled ? 0 : body.count)", "\(note)")
        #expect(response.header("X-Open-Files") == (spooled ? "1" : "0"), "\(note)")
        #expect(response.header("X-Entries") == "0", "\(note)")
    }

    @Test(arguments: Framing.allCases)
    func aBodyUpToTheThresholdStaysInMemory(framing: Framing) async throws {
        let directory = try SpoolDirectory()
        defer { directory.remove() }
        var random = SeededRandom(seed: 10)
        let body = random.bytes(Self.threshold)
        let request = upload("/upload", body, framing: framing, random: &random)
        try await withServer(directory) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send(request)
            expectEcho(try await client.readResponse(), of: body, spooled: false)
        }
        expectEcho(try await inProcess(directory).send(request), of: body, spooled: false, "in process")
    }

    /// Many random splits of the wire bytes (and of the chunks), for both framings.
    @Test(arguments: Framing.allCases)
    func aBodyPastTheThresholdArrivesSpooledWithIdenticalBytes(framing: Framing) async throws {
        let directory = try SpoolDirectory()
        defer { directory.remove() }
        try await withServer(directory) { server in
            let client = try await RawClient.connect(port: server.port)
            for seed in UInt64(0)..<12 {
                var random = SeededRandom(seed: seed)
                let body = random.bytes(Self.threshold + 1 + Int.random(in: 0...150_000, using: &random))
                let chunk = Int.random(in: 1...70_000, using: &random)
                let request = upload(
                    "/upload", body, framing: framing, random: &random, headers: "X-Read-Chunk: \(chunk)\r\n")
                for piece in random.split(request, largest: 1 + Int.random(in: 0...30_000, using: &random)) {
                    try await client.send(piece)
                }
                expectEcho(try await client.readResponse(), of: body, spooled: true, "seed \(seed)")
                #expect(await directory.noneOpenSoon(), "seed \(seed)")
                #expect(directory.entries.isEmpty)
            }
        }
    }

    @Test(arguments: Framing.allCases)
    func theInProcessClientSpoolsAsTheServerDoes(framing: Framing) async throws {
        let directory = try SpoolDirectory()
        defer { directory.remove() }
        let client = inProcess(directory)
        for seed in UInt64(20)..<24 {
            var random = SeededRandom(seed: seed)
            let body = random.bytes(Self.threshold + 1 + Int.random(in: 0...50_000, using: &random))
            let request = upload("/upload", body, framing: framing, random: &random)
            expectEcho(try await client.send(request), of: body, spooled: true, "seed \(seed)")
            #expect(directory.openFiles.isEmpty)
            #expect(directory.entries.isEmpty)
        }
    }

    /// The real threshold (1 MiB) and a body of a few megabytes; without a directory the same body stays in memory.
    @Test func theDefaultThresholdSpoolsAMegabyteBody() async throws {
        let directory = try SpoolDirectory()
        defer { directory.remove() }
        var random = SeededRandom(seed: 30)
        let body = random.bytes(3 * 1024 * 1024)
        let request = upload("/upload", body, framing: .contentLength, random: &random)
        #expect(HTTPServerConfiguration().bodySpoolThreshold == 1024 * 1024)
        #expect(HTTPServerConfiguration().bodySpoolDirectory == nil)
        for spool in [true, false] {
            try await TestServer.with(spoolRouter(watching: directory), configure: {
                $0.bodySpoolDirectory = spool ? directory.path : nil
            }) { server in
                let client = try await RawClient.connect(port: server.port)
                try await client.send(request)
                expectEcho(try await client.readResponse(), of: body, spooled: spool, "spool \(spool)")
            }
            #expect(await directory.noneOpenSoon())
        }
    }

    /// A chunked body passing the route's limit mid-stream: 413, the partial file dropped.
    @Test func aBodyPastTheLimitMidStreamGets413AndLeavesNoFile() async throws {
        let directory = try SpoolDirectory()
        defer { directory.remove() }
        var random = SeededRandom(seed: 40)
        let request = upload("/limited", random.bytes(50_000), framing: .chunked, random: &random)
        try await withServer(directory) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send(request)
            let response = try await client.readResponse()
            #expect(response.status == 413)
            #expect(response.header("Connection") == "close")
            #expect(await directory.noneOpenSoon())
            #expect(directory.entries.isEmpty)
        }
        let answer = try await inProcess(directory).send(request)
        #expect(answer.status == 413)
        #expect(directory.openFiles.isEmpty && directory.entries.isEmpty)
    }

    @Test func aBodyThatStallsGets408AndLeavesNoFile() async throws {
        let directory = try SpoolDirectory()
        defer { directory.remove() }
        try await withServer(directory, configure: { $0.bodyTimeout = .milliseconds(300) }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n")
            try await client.send([UInt8](repeating: 1, count: 3000))
            let response = try await client.readResponse()
            #expect(response.status == 408)
            #expect(await directory.noneOpenSoon())
            #expect(directory.entries.isEmpty)
        }
    }

    @Test func aClientThatGoesAwayMidBodyLeavesNoFile() async throws {
        let directory = try SpoolDirectory()
        defer { directory.remove() }
        try await withServer(directory) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
            try await client.send("bb8\r\n" + String(repeating: "x", count: 3000) + "\r\n")
            for _ in 0..<100 where directory.openFiles.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
            #expect(directory.openFiles.count == 1)
            client.close()
            #expect(await directory.noneOpenSoon())
        }
    }

    @Test func aPipelinedRequestAfterASpooledOneIsAnswered() async throws {
        let directory = try SpoolDirectory()
        defer { directory.remove() }
        var random = SeededRandom(seed: 50)
        let first = random.bytes(5000)
        let second = random.bytes(3000)
        let wire = upload("/upload", first, framing: .contentLength, random: &random)
            + Array("POST /small HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello".utf8)
            + upload("/upload", second, framing: .chunked, random: &random)
            + Array("POST /small HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: 3\r\n\r\nbye".utf8)
        try await withServer(directory) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send(wire)
            expectEcho(try await client.readResponse(), of: first, spooled: true, "first")
            #expect(try await client.readResponse().text == "hello")
            expectEcho(try await client.readResponse(), of: second, spooled: true, "third")
            let last = try await client.readResponse()
            #expect(last.text == "bye")
            #expect(last.header("Connection") == "close")
            #expect(await client.isClosedByServer())
            #expect(await directory.noneOpenSoon())
        }
    }

    @Test(arguments: Framing.allCases)
    func expect100ContinueStillWorks(framing: Framing) async throws {
        let directory = try SpoolDirectory()
        defer { directory.remove() }
        var random = SeededRandom(seed: 60)
        let body = random.bytes(8000)
        let request = upload("/upload", body, framing: framing, random: &random, headers: "Expect: 100-continue\r\n")
        let (head, rest) = splitHead(request)
        try await withServer(directory) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send(head)
            #expect(try await client.readResponse().status == 100)
            try await client.send(rest)
            expectEcho(try await client.readResponse(), of: body, spooled: true)
        }
    }
}

/// Spooled bodies share one budget: an upload past it is refused with 503 (before `100 Continue` when it says its
/// length), logged as a warning, while uploads within it and bodies in memory go on; its room comes back when the
/// body that held it is done.
@Suite struct SpoolBudgetOverSocketTests {
    @Test func anUploadPastTheBudgetIsRefusedUntilAnotherOneEnds() async throws {
        let directory = try SpoolDirectory()
        defer { directory.remove() }
        var random = SeededRandom(seed: 80)
        let held = random.bytes(8000)
        let other = random.bytes(5000)
        let capture = LogCapture()
        try await TestServer.with(spoolRouter(watching: directory), logger: capture.logger, configure: {
            $0.bodySpoolDirectory = directory.path
            $0.bodySpoolThreshold = SpooledUploadTests.threshold
            $0.bodySpoolLimit = 10_000
        }) { server in
            let first = try await RawClient.connect(port: server.port)
            let (head, rest) = splitHead(
                upload("/upload", held, framing: .contentLength, random: &random, headers: "Expect: 100-continue\r\n"))
            try await first.send(head)
            #expect(try await first.readResponse().status == 100, "8,000 of 10,000 bytes taken")

            for framing in Framing.allCases {
                let refused = try await RawClient.connect(port: server.port)
                try await refused.send(upload("/upload", other, framing: framing, random: &random))
                let response = try await refused.readResponse()
                #expect(response.status == 503, "\(framing)")
                #expect(response.header("Retry-After") == "60")
                #expect(await refused.isClosedByServer())
            }
            let small = try await RawClient.connect(port: server.port)
            try await small.send("POST /small HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nok")
            #expect(try await small.readResponse().text == "ok", "a body in memory is not held back")

            try await first.send(rest)
            #expect(try await first.readResponse().body.elementsEqual(held))
            #expect(await directory.noneOpenSoon())
            #expect(server.spoolBudget?.inUse == 0)
            let again = try await RawClient.connect(port: server.port)
            try await again.send(upload("/upload", other, framing: .chunked, random: &random))
            #expect(try await again.readResponse().body.elementsEqual(other), "room again once the first is done")
        }
        let lines = capture.lines.withLock { $0 }
        #expect(lines.filter { $0.hasPrefix("warning request body could not be spooled") }.count == 2, "\(lines)")
        #expect(!lines.contains { $0.hasPrefix("error ") }, "\(lines)")
    }
}

/// A spool directory that cannot take a file: 503, logged once, the connection closed, nothing left behind.
@Suite struct SpoolFailureTests {
    enum Place: String, CaseIterable, Sendable {
        /// A directory that does not exist.
        case missing
        /// A plain file where the directory should be (a read-only directory would not do: tests may run as root).
        case fileInItsPlace
    }

    func spoolPath(_ place: Place, in directory: SpoolDirectory) -> String {
        switch place {
        case .missing:
            return directory.path + "/missing"
        case .fileInItsPlace:
            let path = directory.path + "/plain"
            _ = FileManager.default.createFile(atPath: path, contents: Data())
            return path
        }
    }

    static let cases = Place.allCases.flatMap { place in Framing.allCases.map { (place, $0) } }

    @Test(arguments: cases)
    func aSpoolFileThatCannotBeMadeGets503(place: Place, framing: Framing) async throws {
        let directory = try SpoolDirectory()
        defer { directory.remove() }
        let spoolPath = spoolPath(place, in: directory)
        var random = SeededRandom(seed: 70)
        // A marker that must never reach the log.
        let body = Array("secret-body-".utf8) + random.bytes(5000)
        let capture = LogCapture()
        try await TestServer.with(spoolRouter(watching: directory), logger: capture.logger, configure: {
            $0.bodySpoolDirectory = spoolPath
            $0.bodySpoolThreshold = SpooledUploadTests.threshold
        }) { server in
            let client = try await RawClient.connect(port: server.port)
            // A declared length fails before any body byte is asked for: no 100 Continue, the 503 is the answer.
            let headers = framing == .contentLength ? "Expect: 100-continue\r\n" : ""
            let request = upload("/upload", body, framing: framing, random: &random, headers: headers)
            try await client.send(framing == .contentLength ? splitHead(request).head : request)
            let response = try await client.readResponse()
            #expect(response.status == 503)
            #expect(response.text == "503 Service Unavailable: the request body could not be stored, try again later\n")
            #expect(response.header("Connection") == "close")
            #expect(await client.isClosedByServer())
            // A small body on another connection is still served.
            let other = try await RawClient.connect(port: server.port)
            try await other.send("POST /small HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nok")
            #expect(try await other.readResponse().text == "ok")
        }
        let lines = capture.lines.withLock { $0 }
        let errors = lines.filter { $0.hasPrefix("error ") }
        #expect(errors.count == 1, "\(lines)")
        let code = place == .missing ? ENOENT : ENOTDIR
        #expect(errors.first?.hasPrefix("error request body could not be spooled directory=\(spoolPath) ") == true)
        #expect(errors.first?.hasSuffix("error=\(BodySpoolError("open", code: code))") == true, "\(errors)")
        #expect(!lines.joined().contains("secret-body"))
        #expect(!lines.joined().contains("127.0.0.1"))
        #expect(directory.entries == (place == .missing ? [] : ["plain"]))

        let inProcess = InProcessClient(
            spoolRouter(watching: directory), bodySpoolDirectory: spoolPath,
            bodySpoolThreshold: SpooledUploadTests.threshold)
        let answer = try await inProcess.send(upload("/upload", body, framing: framing, random: &random))
        #expect(answer.status == 503)
        #expect(answer.header("Connection") == "close")
    }
}
