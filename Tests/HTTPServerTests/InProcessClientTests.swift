import HTTPServer
import HTTPTesting
import Testing

/// The in-process client answers as a server on a socket does: the same parser, limits and framing.
@Suite struct InProcessClientTests {
    func router() -> Router {
        var router = Router(defaultBodyLimit: 10)
        router.get("/page") { request in .text("page from \(request.remoteAddress)") }
        router.post("/echo") { request in HTTPResponse(status: .ok, body: request.body.bytes) }
        return router
    }

    @Test(arguments: [
        "GET /page HTTP/1.1\r\nHost: a\r\n\r\n",
        "HEAD /page HTTP/1.1\r\nHost: a\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
        "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world",
        "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nb\r\nhello world\r\n0\r\n\r\n",
        "GET /page HTTP/1.1\r\n\r\n",
        "GET /nowhere HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ])
    func answersAsAServerOnASocketDoes(request: String) async throws {
        let inProcess = try await InProcessClient(router()).send(request)
        let overSocket = try await TestServer.with(router()) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send(request)
            return try await client.readResponse(forHead: request.hasPrefix("HEAD"))
        }
        #expect(inProcess.status == overSocket.status)
        #expect(inProcess.text == overSocket.text)
        for name in ["Content-Type", "Content-Length", "Connection"] {
            #expect(inProcess.header(name) == overSocket.header(name), "\(name)")
        }
    }

    @Test func anIncompleteRequestIsAnError() async {
        await #expect(throws: RawClient.Failure.self) {
            try await InProcessClient(router()).send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhe")
        }
    }

    /// A second request tacked on (as in a smuggling test) is an error, not silently dropped.
    @Test func bytesAfterTheRequestAreAnError() async {
        await #expect(throws: RawClient.Failure.self) {
            try await InProcessClient(router()).send("GET /page HTTP/1.1\r\nHost: a\r\n\r\nGET /page HTTP/1.1\r\n")
        }
    }

    @Test func theObserverIsToldAsByTheConnection() async throws {
        final class Seen: HTTPObserver, @unchecked Sendable {
            // `@unchecked Sendable`: the client calls the observer on the test's own task, one request at a time.
            var routes: [String] = []
            func requestCompleted(method: HTTPMethod?, route: String, status: HTTPStatus, duration: Duration) {
                routes.append("\(method?.rawValue ?? "-") \(route) \(status.code)")
            }
        }
        let seen = Seen()
        let client = InProcessClient(router(), observer: seen, remoteAddress: "203.0.113.7")
        #expect(try await client.send("GET /page HTTP/1.1\r\nHost: a\r\n\r\n").text == "page from 203.0.113.7")
        _ = try await client.send("GET /page HTTP/1.1\r\n\r\n")
        #expect(seen.routes == ["GET /page 200", "- - 400"])
    }
}
