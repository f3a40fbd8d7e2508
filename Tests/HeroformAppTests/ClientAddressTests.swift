import HTTPServer
import Sockets
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
        #expect(clients.of(request(peer: "10.1.2.3", forwarded: ["garbage"])) == "10.1.2.3")
        #expect(clients.of(request(peer: "10.1.2.3", forwarded: [])) == "10.1.2.3")
    }
}
