import Foundation
import HTTPServer
import HTTPTesting
import Synchronization
import Testing

/// The connection over real sockets: keep-alive, pipelining, framing, limits and timeouts.
@Suite struct HTTPConnectionTests {
    let router = testRouter()

    @Test func keepAliveServesSeveralRequestsOnOneConnection() async throws {
        try await TestServer.with(router) { server in
            let client = try await RawClient.connect(port: server.port)
            for id in ["1", "2", "3"] {
                try await client.send("GET /items/\(id) HTTP/1.1\r\nHost: localhost\r\n\r\n")
                let response = try await client.readResponse()
                #expect(response.status == 200)
                #expect(response.text == "item \(id)")
                #expect(response.header("Connection") == nil)
                #expect(response.header("Date") != nil)
            }
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        try await TestServer.with(router) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\nGET /items/2 HTTP/1.1\r\nHost: a\r\n\r\n"
                            + "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nthreeGET /hello HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            #expect(try await client.readResponse().text == "slow")
            #expect(try await client.readResponse().text == "item 2")
            #expect(try await client.readResponse().text == "three")
            let last = try await client.readResponse()
            #expect(last.text == "hello")
            #expect(last.header("Connection") == "close")
            #expect(await client.isClosedByServer())
        }
    }

    @Test func connectionCloseClosesAfterTheAnswer() async throws {
        try await TestServer.with(router) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET /hello HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(response.header("Connection") == "close")
            #expect(await client.isClosedByServer())
        }
    }

    @Test func http10ClosesUnlessAskedToKeepAlive() async throws {
        try await TestServer.with(router) { server in
            let plain = try await RawClient.connect(port: server.port)
            try await plain.send("GET /hello HTTP/1.0\r\n\r\n")
            let first = try await plain.readResponse()
            #expect(first.status == 200)
            #expect(first.header("Connection") == "close")
            #expect(await plain.isClosedByServer())

            let keep = try await RawClient.connect(port: server.port)
            try await keep.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(try await keep.readResponse().header("Connection") == "keep-alive")
            try await keep.send("GET /items/9 HTTP/1.0\r\n\r\n")
            #expect(try await keep.readResponse().text == "item 9")
        }
    }

    @Test func headAnswersWithHeadersOnly() async throws {
        try await TestServer.with(router) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("HEAD /hello HTTP/1.1\r\nHost: a\r\n\r\n")
            let head = try await client.readResponse(forHead: true)
            #expect(head.status == 200)
            #expect(head.header("Content-Length") == "5")
            // Had a body been sent, it would be read as the start of this next response.
            try await client.send("GET /items/7 HTTP/1.1\r\nHost: a\r\n\r\n")
            let next = try await client.readResponse()
            #expect(next.statusLine == "HTTP/1.1 200 OK")
            #expect(next.text == "item 7")
        }
    }

    @Test func readsChunkedBodiesWithTrailers() async throws {
        try await TestServer.with(router) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\nX-Sum: 9\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.text == "Wikipedia")
            #expect(response.header("X-Trailers") == "X-Sum=9")
        }
    }

    @Test func expect100ContinueGetsAnInterimAnswer() async throws {
        try await TestServer.with(router) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
            let interim = try await client.readResponse()
            #expect(interim.status == 100)
            try await client.send("body")
            let final = try await client.readResponse()
            #expect(final.status == 200)
            #expect(final.text == "body")
        }
    }

    @Test func oversizedBodyIsRefusedBeforeItIsRead() async throws {
        try await TestServer.with(router) { server in
            let client = try await RawClient.connect(port: server.port)
            // With Expect, no 100 Continue may come: the 413 is the only answer.
            try await client.send("POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 413)
            #expect(response.header("Connection") == "close")
        }
    }

    @Test func oversizedBodyAnswerIsNotLostToAReset() async throws {
        try await TestServer.with(router) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n\r\n")
            // The client goes on sending the body it announced, as real clients do.
            let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 16 * 1024)
            for _ in 0..<16 { try await client.send(chunk) }
            let response = try await client.readResponse()
            #expect(response.status == 413)
            #expect(response.header("Connection") == "close")
            #expect(await client.receiveFailsWithReset() == false)
            // The default limit applies to routes without their own: 64 KiB.
            let other = try await RawClient.connect(port: server.port)
            try await other.send("POST /hello HTTP/1.1\r\nHost: a\r\nContent-Length: 65537\r\n\r\n")
            #expect(try await other.readResponse().status == 413)
        }
    }

    @Test func oversizedChunkedBodyIsRefused() async throws {
        try await TestServer.with(router) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n" + String(repeating: "a", count: 1024) + "\r\n1\r\nb\r\n0\r\n\r\n")
            #expect(try await client.readResponse().status == 413)
        }
    }

    @Test(arguments: [
        BadRequest("request line over 8 KiB", "GET /\(String(repeating: "a", count: 9000)) HTTP/1.1\r\nHost: a\r\n\r\n", 414),
        BadRequest("header block over 16 KiB", "GET / HTTP/1.1\r\nHost: a\r\nX: \(String(repeating: "b", count: 17000))\r\n\r\n", 431),
        BadRequest("101 header fields", "GET / HTTP/1.1\r\nHost: a\r\n" + (0..<101).map { "X-\($0): v\r\n" }.joined() + "\r\n", 431),
        BadRequest("space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400),
        BadRequest("no Host", "GET / HTTP/1.1\r\n\r\n", 400),
        BadRequest("Content-Length and chunked", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        BadRequest("bad chunk size", "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", 400),
        BadRequest("unknown method", "BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n", 501),
        BadRequest("unknown transfer coding", "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: br\r\n\r\n", 501),
        BadRequest("HTTP/3.0", "GET / HTTP/3.0\r\nHost: a\r\n\r\n", 505),
        BadRequest("bare LF in the head", "GET /hello HTTP/1.1\r\nHost: a\n\r\n", 400),
    ])
    func malformedRequestsGetTheirStatusAndClose(_ bad: BadRequest) async throws {
        try await TestServer.with(router) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send(bad.request)
            let response = try await client.readResponse()
            #expect(response.status == bad.status)
            #expect(response.header("Connection") == "close")
            #expect(await client.isClosedByServer())
            // Everyone else is still served.
            let other = try await RawClient.connect(port: server.port)
            try await other.send("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try await other.readResponse().status == 200)
        }
    }

    @Test func headThatNeverCompletesGets408() async throws {
        try await TestServer.with(router, configure: { $0.headTimeout = .milliseconds(300) }) { server in
            let slow = try await RawClient.connect(port: server.port)
            try await slow.send("GET /hello HTTP/1.1\r\nHost: a\r\n")
            let silent = try await RawClient.connect(port: server.port)
            let started = Date()
            #expect(try await slow.readResponse().status == 408)
            #expect(await slow.isClosedByServer())
            #expect(try await silent.readResponse().status == 408)
            #expect(Date().timeIntervalSince(started) < 20) // far below the other timeouts (a minute), whatever the load
        }
    }

    @Test func bodyThatStallsGets408() async throws {
        try await TestServer.with(router, configure: { $0.bodyTimeout = .milliseconds(300) }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nab")
            let response = try await client.readResponse()
            #expect(response.status == 408)
            #expect(response.header("Connection") == "close")
        }
    }

    @Test func bodyThatTricklesTooLongGets408() async throws {
        try await TestServer.with(router, configure: {
            $0.bodyTimeout = .milliseconds(400)
            $0.bodyTotalTimeout = .milliseconds(800)
        }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n")
            let started = ContinuousClock.now
            // One byte every 200 ms never trips the pause limit, but the whole body has a deadline.
            let trickle = Task {
                for _ in 0..<20 {
                    try? await Task.sleep(for: .milliseconds(200))
                    try? await client.send("x")
                }
            }
            let response = try await client.readResponse()
            trickle.cancel()
            #expect(response.status == 408)
            #expect(ContinuousClock.now - started < .seconds(20)) // far below the other timeouts, whatever the load
        }
    }

    @Test func idleKeepAliveConnectionIsClosedQuietly() async throws {
        try await TestServer.with(router, configure: { $0.keepAliveTimeout = .milliseconds(300) }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try await client.readResponse().status == 200)
            let started = Date()
            #expect(await client.isClosedByServer())
            #expect(Date().timeIntervalSince(started) < 20) // far below the other timeouts (a minute), whatever the load
        }
    }

    /// A client that sends a whole request and then FIN gets its whole answer, then the server closes. The FIN and
    /// the answer race to the connection's queue: `/hello` is answered inside the read that brings the request,
    /// before the read that finds the FIN; `/soon` answers after a hop, either side of it; `/slow` usually after it.
    /// So `Connection: close` is not asserted: it is sent only when the FIN was read before the answer was made.
    /// The close is, and only the FIN can cause it: the test server's keep-alive timeout (a minute) is longer than
    /// the client waits for it.
    @Test(arguments: ["/hello", "/soon", "/slow"])
    func halfClosedClientStillGetsItsAnswer(path: String) async throws {
        try await TestServer.with(router) { server in
            for round in 0..<(path == "/slow" ? 1 : 20) {
                let client = try await RawClient.connect(port: server.port)
                try await client.send("GET \(path) HTTP/1.1\r\nHost: a\r\n\r\n")
                client.shutdownWrite()
                let response = try await client.readResponse()
                #expect(response.status == 200, "round \(round)")
                #expect(response.text == String(path.dropFirst()), "round \(round)")
                let closed = await client.isClosedByServer()
                #expect(closed, "round \(round): not closed after the answer")
                if !closed { return } // each round would wait out the client's timeout
            }
        }
    }

    @Test func accessLogHasOneLinePerRequestWithoutQuery() async throws {
        let capture = LogCapture()
        try await TestServer.with(router, logger: capture.logger) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET /items/42?email=max%40example.org HTTP/1.1\r\nHost: a\r\n\r\n")
            _ = try await client.readResponse()
            try await client.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\nsecret-me")
            _ = try await client.readResponse()
            try await client.send("BREW / HTTP/1.1\r\nHost: a\r\n\r\n")
            _ = try await client.readResponse()
        }
        let lines = capture.lines.withLock { $0 }
        #expect(lines.count == 3, "\(lines)")
        // Fields as metadata (sorted by the capture), so JSON logs can be filtered by them.
        #expect(lines.first?.hasPrefix("info request duration_ms=") == true, "\(lines)")
        #expect(lines.first?.hasSuffix(" method=GET path=/items/42 status=200") == true, "\(lines)")
        #expect(lines.dropFirst().first?.hasSuffix(" method=POST path=/echo status=200") == true, "\(lines)")
        #expect(lines.last?.hasSuffix(" method=- path=- status=501") == true, "\(lines)")
        #expect(!lines.joined().contains("example.org"))
        #expect(!lines.joined().contains("secret"))
    }
}

struct BadRequest: Sendable, CustomTestStringConvertible {
    let name: String
    let request: String
    let status: Int
    init(_ name: String, _ request: String, _ status: Int) {
        self.name = name
        self.request = request
        self.status = status
    }
    var testDescription: String { name }
}
