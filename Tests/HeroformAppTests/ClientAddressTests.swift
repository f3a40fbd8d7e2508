import HTTPServer
import HTTPTesting
import Sockets
import Synchronization
import Testing
@testable import HeroformApp

@Suite struct ClientAddressTests {
    func request(peer: String, forwarded: [String]) -> HTTPRequest {
        var headers: HTTPHeaders = ["Host": "a"]
        for value in forwarded { headers.add("X-Forwarded-For", value) }
        return HTTPRequest(head: HTTPRequestHead(method: .post, target: "/leads", headers: headers), remoteAddress: peer)
    }

    @Test func untrustedPeersAreTakenAsTheyAre() {
        let clients = ClientAddress(trustedProxies: [])
        #expect(clients.of(request(peer: "198.51.100.7", forwarded: ["203.0.113.1"])) == "198.51.100.7")
    }

    @Test func trustedProxiesAreSkippedFromTheRight() {
        let clients = ClientAddress(trustedProxies: ["10.0.0.0/8", "::1"].compactMap(IPRange.init))
        #expect(clients.of(request(peer: "10.1.2.3", forwarded: ["203.0.113.1"])) == "203.0.113.1")
        #expect(clients.of(request(peer: "10.1.2.3", forwarded: ["6.6.6.6, 203.0.113.1, 10.9.9.9"])) == "203.0.113.1")
        #expect(clients.of(request(peer: "::1", forwarded: ["6.6.6.6", "203.0.113.1"])) == "203.0.113.1")
        #expect(clients.of(request(peer: "10.1.2.3", forwarded: ["garbage"])) == "unknown")
        #expect(clients.of(request(peer: "10.1.2.3", forwarded: [])) == "unknown")
    }

    @Test func aTrustedProxyNamingNoClientGivesAnUnknownClientAndOneWarning() {
        let capture = LogCapture()
        let clients = ClientAddress(trustedProxies: ["127.0.0.1"].compactMap(IPRange.init), logger: capture.logger)
        #expect(clients.of(request(peer: "127.0.0.1", forwarded: [])) == ClientAddress.unknown)
        #expect(clients.of(request(peer: "127.0.0.1", forwarded: ["203.0.113.1, not-an-address"])) == ClientAddress.unknown)
        #expect(clients.of(request(peer: "127.0.0.1", forwarded: ["203.0.113.1"])) == "203.0.113.1")
        // A chain of trusted proxies only: the request came from the proxies' own network, as it says.
        #expect(clients.of(request(peer: "127.0.0.1", forwarded: ["127.0.0.1"])) == "127.0.0.1")
        #expect(clients.of(request(peer: "198.51.100.7", forwarded: [])) == "198.51.100.7", "no proxy: no warning")
        let lines = capture.lines.withLock { $0 }
        #expect(lines.count == 1, "\(lines)")
        #expect(lines.first?.hasPrefix("warning trusted proxy 127.0.0.1 sent a request without a usable X-Forwarded-For") == true)
        #expect(IPRange.parseAddress(ClientAddress.unknown) == nil, "never an address, so never local")
        #expect(SubmissionGuard.rateLimitKey(ClientAddress.unknown) == "unknown")
    }

    @Test func anUnknownClientIsNotLocalAndHasItsOwnRateLimit() async throws {
        let capture = LogCapture()
        try await withApp(logger: capture.logger, configure: {
            $0.server.trustedProxies = ["127.0.0.1"]
            $0.security.rateLimitSubmissions = 1
        }) { server, _, _ in
            let metrics = try await exchange(server, "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(metrics.status == 403, "the proxy's address is not the client's")
            let readiness = try await exchange(server, "GET /readyz HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(readiness.status == 403)
            let lead = #"{"email":"u@b.de","last_name":"U","zipcode":"30449","consent":true}"#
            #expect(try await post(server, lead, contentType: "application/json").status == 200)
            #expect(try await post(server, lead, contentType: "application/json").status == 429, "all unknown clients share one key")
            let named = try await post(server, lead, contentType: "application/json", extraHeaders: "X-Forwarded-For: 203.0.113.9\r\n")
            #expect(named.status == 200, "a client the proxy names is not held back by the unknown ones")
        }
        let warnings = capture.lines.withLock { $0 }.filter { $0.contains("without a usable X-Forwarded-For") }
        #expect(warnings.count == 1, "\(warnings)")
    }
}
