import Testing
@testable import Sockets

@Suite struct SocketAddressTests {
    @Test func resolvesNumericHosts() throws {
        let v4 = try #require(try SocketAddress.resolve(host: "127.0.0.1", port: 8080).first)
        #expect(v4.family == .ipv4)
        #expect(v4.host == "127.0.0.1")
        #expect(v4.port == 8080)
        #expect(v4.description == "127.0.0.1:8080")

        let v6 = try #require(try SocketAddress.resolve(host: "::1", port: 443).first)
        #expect(v6.family == .ipv6)
        #expect(v6.host == "::1")
        #expect(v6.description == "[::1]:443")
    }

    @Test func wildcardMeansBothFamilies() throws {
        let families = Set(try SocketAddress.resolve(host: "*", port: 0).map(\.family))
        #expect(families == [.ipv4, .ipv6])
    }

    @Test func unknownHostIsAnErrorNamingIt() {
        #expect(throws: ResolveError.self) { try SocketAddress.resolve(host: "no such host.invalid", port: 1) }
        do {
            _ = try SocketAddress.resolve(host: "bad host!", port: 1)
        } catch {
            #expect("\(error)".contains("bad host!"))
        }
    }

    @Test func withPortKeepsTheHost() throws {
        let address = try #require(try SocketAddress.resolve(host: "::1", port: 1).first)
        #expect(address.withPort(9999).description == "[::1]:9999")
    }
}
