import Foundation
import HTTPTesting
import Logging
import Sockets
import Testing
@testable import HTTPServer

/// `maxConnectionsPerClient` over real sockets: one client's newest connection beyond it is closed at once, while
/// other clients and exempt proxies are served.
@Suite struct PerClientLimitTests {
    let router = testRouter()

    func served(_ client: RawClient) async throws -> Bool {
        try await client.send("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n")
        return try await client.readResponse().status == 200
    }

    @Test func aClientOverItsLimitLosesItsNewestConnectionOthersAreServed() async throws {
        try await TestServer.with(router, configure: {
            $0.host = "*"
            $0.maxConnectionsPerClient = 2
        }) { server in
            let first = try await RawClient.connect(host: "127.0.0.1", port: server.port)
            let second = try await RawClient.connect(host: "127.0.0.1", port: server.port)
            #expect(try await served(first))
            #expect(try await served(second))
            let third = try await RawClient.connect(host: "127.0.0.1", port: server.port)
            #expect(await third.isClosedByServer(), "a third connection of the same client")
            let other = try await RawClient.connect(host: "::1", port: server.port)
            #expect(try await served(other), "another client is not held back")
            #expect(try await served(first), "the older connections go on")
            // Once one of its connections ends, the client may open another.
            first.close()
            for _ in 0..<3000 where server.connectionCount > 2 { try await Task.sleep(for: .milliseconds(10)) }
            let fourth = try await RawClient.connect(host: "127.0.0.1", port: server.port)
            #expect(try await served(fourth))
            withExtendedLifetime((second, other)) {}
        }
    }

    @Test func exemptProxiesAndAZeroLimitAreNotLimited() async throws {
        for (limit, exempt) in [(1, ["127.0.0.0/8"]), (0, [])] {
            try await TestServer.with(router, configure: {
                $0.maxConnectionsPerClient = limit
                $0.perClientLimitExempt = exempt.compactMap(IPRange.init)
            }) { server in
                var clients: [RawClient] = []
                for _ in 0..<4 {
                    let client = try await RawClient.connect(port: server.port)
                    #expect(try await served(client), "limit \(limit), exempt \(exempt)")
                    clients.append(client)
                }
            }
        }
    }

    @Test func aProxyExemptedWhileRunningIsNoLongerLimited() async throws {
        try await TestServer.with(router, configure: { $0.maxConnectionsPerClient = 1 }) { server in
            let first = try await RawClient.connect(port: server.port)
            #expect(try await served(first))
            server.perClientLimitExempt = ["127.0.0.1"].compactMap(IPRange.init)
            let second = try await RawClient.connect(port: server.port)
            #expect(try await served(second))
            withExtendedLifetime(first) {}
        }
    }

    @Test func clientsAreIPv4AddressesAndIPv6Slash64s() throws {
        let server = HTTPServer(configuration: HTTPServerConfiguration(), responder: router, logger: .init(label: "t"))
        func key(_ host: String) throws -> ClientKey? {
            server.clientKey(try #require(try SocketAddress.resolve(host: host, port: 1).first))
        }
        #expect(try key("2001:db8:0:1::1") == key("2001:db8:0:1:ffff:eeee:dddd:2"))
        #expect(try key("2001:db8:0:1::1") != key("2001:db8:0:2::1"))
        #expect(try key("10.0.0.1") != key("10.0.0.2"))
        #expect(try key("10.0.0.1") == key("::ffff:10.0.0.1"))
        #expect(try key("0.0.0.1") != key("::1"), "IPv4 keys never meet IPv6 ones")
        server.perClientLimitExempt = ["2001:db8::/32"].compactMap(IPRange.init)
        #expect(try key("2001:db8:0:1::1") == nil)
        #expect(try key("10.0.0.1") != nil)
        let off = HTTPServer(
            configuration: { var c = HTTPServerConfiguration(); c.maxConnectionsPerClient = 0; return c }(),
            responder: router, logger: .init(label: "t"))
        #expect(off.clientKey(try #require(try SocketAddress.resolve(host: "10.0.0.1", port: 1).first)) == nil)
    }
}
