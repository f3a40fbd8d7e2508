import Foundation
import HTTPClient
import Synchronization
import Testing

/// The client over real sockets, against servers scripted to answer, stall, close or reset.
@Suite struct HTTPClientTests {
    @Test func postsTheRequestAndReadsTheAnswer() async throws {
        let seen = Mutex<[String]>([])
        let server = try TestServer { connection in
            guard let request = connection.readRequest() else { return }
            seen.withLock { $0.append(request) }
            connection.answer(#"{"status":"success"}"#, headers: "Content-Type: application/json\r\n")
        }
        defer { server.stop() }
        let request = HTTPClientRequest(method: "POST", url: server.url("/api/v1/x?y=1"),
                                        headers: [("Authorization", "Bearer k")], body: Array("{}".utf8))
        let response = try await HTTPClient().send(request, timeout: .seconds(10))
        #expect(response.status == 200)
        #expect(response.header("content-type") == "application/json")
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"status":"success"}"#)
        #expect(seen.withLock { $0 } == [
            "POST /api/v1/x?y=1 HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\nAuthorization: Bearer k\r\nContent-Length: 2\r\n\r\n{}",
        ])
    }

    @Test func keepAliveConnectionsAreReused() async throws {
        let server = try TestServer { connection in
            while connection.readRequest() != nil { connection.answer() }
        }
        defer { server.stop() }
        let client = HTTPClient(configuration: .patient)
        // Different paths, same origin: one connection.
        for path in ["/a", "/b?c=d", "/"] {
            #expect(try await client.send(HTTPClientRequest(url: server.url(path)), timeout: .seconds(10)).status == 200)
        }
        #expect(server.connections == 1)
        #expect(client.idleConnections == 1)
    }

    @Test func connectionCloseIsHonoured() async throws {
        let server = try TestServer { connection in
            while connection.readRequest() != nil { connection.answer(headers: "Connection: close\r\n") }
        }
        defer { server.stop() }
        let client = HTTPClient()
        for _ in 0..<2 {
            #expect(try await client.send(HTTPClientRequest(url: server.url()), timeout: .seconds(10)).status == 200)
        }
        #expect(server.connections == 2)
    }

    @Test func anIdleConnectionTheServerClosedIsNotUsed() async throws {
        // The server closes after each answer without saying so: the client must see the close before it sends,
        // so each request reaches the server exactly once.
        let requests = Mutex(0)
        let server = try TestServer { connection in
            guard connection.readRequest() != nil else { return }
            requests.withLock { $0 += 1 }
            connection.answer()
        }
        defer { server.stop() }
        let client = HTTPClient()
        for _ in 0..<3 {
            #expect(try await client.send(HTTPClientRequest(url: server.url()), timeout: .seconds(10)).status == 200)
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(requests.withLock { $0 } == 3)
        #expect(server.connections == 3)
    }

    @Test func connectionsIdleLongerThanTheIdleTimeoutAreNotReused() async throws {
        let server = try TestServer { connection in
            while connection.readRequest() != nil { connection.answer() }
        }
        defer { server.stop() }
        var configuration = HTTPClient.Configuration()
        configuration.idleTimeout = .milliseconds(100)
        let client = HTTPClient(configuration: configuration)
        _ = try await client.send(HTTPClientRequest(url: server.url()), timeout: .seconds(10))
        try await Task.sleep(for: .milliseconds(300))
        _ = try await client.send(HTTPClientRequest(url: server.url()), timeout: .seconds(10))
        #expect(server.connections == 2)
    }

    @Test func aRequestThatMayHaveArrivedWholeIsNeverSentAgain() async throws {
        // The server reads the second request whole, then drops the connection without answering. It may have
        // acted on it (HERO would have made a project): the client must report the failure, not send it again.
        let requests = Mutex(0)
        let server = try TestServer { connection in
            while connection.readRequest() != nil {
                let count = requests.withLock { $0 += 1; return $0 }
                guard count == 1 else { return connection.reset() }
                connection.answer("first")
            }
        }
        defer { server.stop() }
        let client = HTTPClient(configuration: .patient)
        #expect(try await client.send(HTTPClientRequest(method: "POST", url: server.url()), timeout: .seconds(10)).body == Array("first".utf8))
        await #expect(throws: HTTPClientError.connectionClosed) {
            try await client.send(HTTPClientRequest(method: "POST", url: server.url()), timeout: .seconds(10))
        }
        #expect(requests.withLock { $0 } == 2)
        #expect(server.connections == 1)
    }

    @Test func aReusedConnectionThatFailsWhileWritingIsRetriedOnAFreshOne() async throws {
        try await retriesAfterAFailedWrite(tls: false)
    }

    @Test func aFreshConnectionClosedWithoutAnswerIsNotRetried() async throws {
        let requests = Mutex(0)
        let server = try TestServer { connection in
            guard connection.readRequest() != nil else { return }
            requests.withLock { $0 += 1 }
        }
        defer { server.stop() }
        await #expect(throws: HTTPClientError.connectionClosed) {
            try await HTTPClient().send(HTTPClientRequest(method: "POST", url: server.url()), timeout: .seconds(10))
        }
        #expect(requests.withLock { $0 } == 1)
        #expect(server.connections == 1)
    }

    @Test func anAnswerCutShortIsConnectionClosed() async throws {
        let server = try TestServer { connection in
            guard connection.readRequest() != nil else { return }
            connection.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nonly")
        }
        defer { server.stop() }
        await #expect(throws: HTTPClientError.connectionClosed) {
            try await HTTPClient().send(HTTPClientRequest(url: server.url()), timeout: .seconds(10))
        }
    }

    @Test func aServerThatNeverAnswersTimesOut() async throws {
        let server = try TestServer { connection in
            _ = connection.readRequest()
            Thread.sleep(forTimeInterval: 30)
        }
        defer { server.stop() }
        let started = ContinuousClock.now
        await #expect(throws: HTTPClientError.timedOut) {
            try await HTTPClient().send(HTTPClientRequest(url: server.url()), timeout: .milliseconds(300))
        }
        let waited = ContinuousClock.now - started
        // Not before the deadline, and not only when the server gave up after 30 s.
        #expect(waited >= .milliseconds(280) && waited < .seconds(20), "\(waited)")
    }

    @Test func aRequestBeyondTheWaitingLimitFailsAtOnceUnsent() async throws {
        // Counted, not signalled: a semaphore's wait would block one of the few cooperative threads.
        let arrived = Mutex(0)
        let server = try TestServer { connection in
            _ = connection.readRequest()
            arrived.withLock { $0 += 1 }
            Thread.sleep(forTimeInterval: 5)
        }
        defer { server.stop() }
        var configuration = HTTPClient.Configuration()
        configuration.maxConcurrentRequests = 1
        configuration.maxWaitingRequests = 0
        let client = HTTPClient(configuration: configuration)
        let first = Task { () async -> HTTPClientError? in
            do throws(HTTPClientError) {
                _ = try await client.send(HTTPClientRequest(url: server.url()), timeout: .seconds(3))
                return nil
            } catch {
                return error
            }
        }
        for _ in 0..<600 where arrived.withLock({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(50)) }
        await #expect(throws: HTTPClientError.overloaded) {
            try await client.send(HTTPClientRequest(url: server.url("/second")), timeout: .seconds(3))
        }
        #expect(await first.value == .timedOut)
        #expect(arrived.withLock { $0 } == 1, "the refused request never reached the server")
        #expect(server.connections == 1)
    }

    @Test func closeDelimitedAndChunkedAnswersAreReadWhole() async throws {
        let server = try TestServer { connection in
            guard let request = connection.readRequest() else { return }
            if request.hasPrefix("GET /chunked") {
                connection.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5;x=y\r\npedia\r\n0\r\n\r\n")
            } else {
                connection.write("HTTP/1.0 200 OK\r\n\r\nuntil the end")
            }
        }
        defer { server.stop() }
        let client = HTTPClient()
        #expect(try await client.send(HTTPClientRequest(url: server.url("/chunked")), timeout: .seconds(10)).body == Array("Wikipedia".utf8))
        #expect(try await client.send(HTTPClientRequest(url: server.url("/close")), timeout: .seconds(10)).body == Array("until the end".utf8))
    }

    @Test func anAnswerOverTheBodyLimitIsRefused() async throws {
        let server = try TestServer { connection in
            guard connection.readRequest() != nil else { return }
            connection.answer(String(repeating: "x", count: 2000))
        }
        defer { server.stop() }
        var configuration = HTTPClient.Configuration()
        configuration.maxResponseBodyBytes = 1000
        await #expect(throws: HTTPClientError.responseTooLarge) {
            try await HTTPClient(configuration: configuration).send(HTTPClientRequest(url: server.url()), timeout: .seconds(10))
        }
    }

    @Test func aMalformedAnswerIsReportedNotTrusted() async throws {
        let server = try TestServer { connection in
            guard connection.readRequest() != nil else { return }
            connection.write("SMTP ready\r\n\r\n")
        }
        defer { server.stop() }
        await #expect(throws: HTTPClientError.malformedResponse("bad status line")) {
            try await HTTPClient().send(HTTPClientRequest(url: server.url()), timeout: .seconds(10))
        }
    }

    @Test func idleConnectionsAreClosedAfterTheIdleTimeoutWithoutAnotherRequest() async throws {
        let closedByClient = Mutex(false)
        let server = try TestServer { connection in
            while connection.readRequest() != nil { connection.answer() }
            closedByClient.withLock { $0 = true }
        }
        defer { server.stop() }
        var configuration = HTTPClient.Configuration()
        configuration.idleTimeout = .milliseconds(200)
        let client = HTTPClient(configuration: configuration)
        _ = try await client.send(HTTPClientRequest(url: server.url()), timeout: .seconds(10))
        for _ in 0..<250 where !closedByClient.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(20)) }
        #expect(closedByClient.withLock { $0 })
        #expect(client.idleConnections == 0)
    }

    @Test func makingAClientIgnoresSIGPIPE() {
        // OpenSSL writes to its socket without MSG_NOSIGNAL: a reset mid-request would raise SIGPIPE, whose default
        // ends the process. (The test runner ignores it already, so set the default back for a moment.)
        var previous = sigaction()
        var reset = sigaction()
        reset.__sigaction_handler.sa_handler = SIG_DFL
        sigaction(SIGPIPE, &reset, &previous)
        defer { sigaction(SIGPIPE, &previous, nil) }
        _ = HTTPClient()
        var now = sigaction()
        sigaction(SIGPIPE, nil, &now)
        #expect(unsafeBitCast(now.__sigaction_handler.sa_handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self))
    }

    @Test func aRequestDescribesItselfWithoutHeadersBodyOrPath() {
        let request = HTTPClientRequest(method: "POST", url: URL(string: "https://hooks.example.org/services/SECRET")!,
                                        headers: [("Authorization", "Bearer key-123")], body: Array("max@example.org".utf8))
        for text in ["\(request)", String(reflecting: request), "\(Mirror(reflecting: request).children.map { $0.value })"] {
            #expect(text.contains("POST https://hooks.example.org"), "\(text)")
            for secret in ["key-123", "max@example.org", "SECRET"] { #expect(!text.contains(secret), "\(text)") }
        }
    }

    @Test func requestsBeyondTheLimitWaitForATurn() async throws {
        let current = Peak()
        let server = try TestServer { connection in
            while connection.readRequest() != nil {
                current.enter()
                Thread.sleep(forTimeInterval: 0.2)
                current.leave()
                connection.answer()
            }
        }
        defer { server.stop() }
        var configuration = HTTPClient.Configuration()
        configuration.maxConcurrentRequests = 2
        let client = HTTPClient(configuration: configuration)
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<6 {
                group.addTask { try await client.send(HTTPClientRequest(url: server.url()), timeout: .seconds(20)).status }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 200, count: 6))
        #expect(current.peak == 2)
    }

    @Test func nothingListeningIsCannotConnect() async throws {
        // Port 9 (discard) on loopback: nothing listens there.
        let error = await failure { try await HTTPClient().send(HTTPClientRequest(url: URL(string: "http://127.0.0.1:9/")!), timeout: .seconds(5)) }
        guard case .cannotConnect(let reason) = error else {
            Issue.record("expected cannotConnect, got \(String(describing: error))")
            return
        }
        #expect(reason == "Connection refused")
    }

    @Test func anUnknownHostIsCannotResolve() async throws {
        // `.invalid` never resolves (RFC 6761).
        let error = await failure { try await HTTPClient().send(HTTPClientRequest(url: URL(string: "http://heroform.invalid/")!), timeout: .seconds(10)) }
        guard case .cannotResolve(let host, _) = error else {
            Issue.record("expected cannotResolve, got \(String(describing: error))")
            return
        }
        #expect(host == "heroform.invalid")
    }

    @Test func aBadRequestIsRefusedBeforeConnecting() async throws {
        await #expect(throws: HTTPClientError.invalidRequest("only http and https URLs are supported")) {
            try await HTTPClient().send(HTTPClientRequest(url: URL(string: "ftp://127.0.0.1/")!), timeout: .seconds(1))
        }
        await #expect(throws: HTTPClientError.invalidRequest("header X holds a control character")) {
            try await HTTPClient().send(HTTPClientRequest(url: URL(string: "http://127.0.0.1:9/")!, headers: [("X", "a\r\nInjected: 1")]),
                                        timeout: .seconds(1))
        }
    }
}

/// A reused connection that the server resets while the client is still writing a large request: the request's end
/// never left, so it goes again on a fresh connection, where the server reads it whole.
func retriesAfterAFailedWrite(tls: Bool) async throws {
    let connections = Mutex(0)
    let handler: @Sendable (TestConnection) -> Void = { connection in
        let number = connections.withLock { $0 += 1; return $0 }
        guard number == 1 else {
            guard let request = connection.readRequest() else { return }
            return connection.answer("second \(request.utf8.count > 32_000_000)")
        }
        guard connection.readRequest() != nil else { return }
        connection.answer("first")
        guard connection.readHead() else { return }
        connection.reset()
    }
    let server = try tls
        ? TestServer(certificate: TestCertificates.localhostCertificate, key: TestCertificates.leafKey, handler: handler)
        : TestServer(handler: handler)
    defer { server.stop() }
    var configuration = HTTPClient.Configuration.patient
    configuration.trustedCertificatesFile = TLSTests.trustedCAFile
    let client = HTTPClient(configuration: configuration)
    let url = server.url(host: tls ? "localhost" : "127.0.0.1")
    #expect(try await client.send(HTTPClientRequest(method: "POST", url: url), timeout: .seconds(20)).body == Array("first".utf8))
    // More than the kernel's buffers take, so writing is still going on when the reset comes.
    let large = HTTPClientRequest(method: "POST", url: url, body: [UInt8](repeating: 0x61, count: 32 * 1024 * 1024))
    #expect(try await client.send(large, timeout: .seconds(20)).body == Array("second true".utf8))
    #expect(server.connections == 2)
}

/// The client's error from `body`; nil when it succeeded (or, never expected, threw something else).
func failure(_ body: () async throws -> HTTPClientResponse) async -> HTTPClientError? {
    do {
        _ = try await body()
        return nil
    } catch {
        return error as? HTTPClientError
    }
}

extension HTTPClient.Configuration {
    /// Keeps idle connections long enough that a loaded test machine cannot make a test miss a reuse.
    static var patient: Self {
        var configuration = Self()
        configuration.idleTimeout = .seconds(60)
        return configuration
    }
}
