import Foundation
import HTTPClient
import Synchronization
import Testing

/// Requests through an HTTP proxy's CONNECT tunnel, and which requests take it.
@Suite struct ProxyTests {
    /// A CONNECT proxy on 127.0.0.1 that records each request's head and either tunnels or answers `refusal`.
    final class Proxy: Sendable {
        final class Heads: Sendable {
            let list = Mutex<[String]>([])
        }

        let server: TestServer
        let recorded = Heads()

        init(refusal: String? = nil) throws {
            let recorded = self.recorded
            server = try TestServer { connection in
                guard let head = connection.readHeadText() else { return }
                recorded.list.withLock { $0.append(head) }
                if let refusal { return connection.write("HTTP/1.1 \(refusal)\r\nContent-Length: 0\r\n\r\n") }
                guard let port = head.split(separator: " ").dropFirst().first?.split(separator: ":").last.flatMap({ UInt16($0) }) else { return }
                connection.write("HTTP/1.1 200 Connection established\r\n\r\n")
                connection.relay(toPort: port)
            }
        }

        func settings(_ url: String? = nil) -> ProxySettings {
            let proxy = HTTPProxy(url: url ?? "http://127.0.0.1:\(server.port)")
            return ProxySettings(http: proxy, https: proxy, noProxy: [])
        }
    }

    static func client(_ proxies: ProxySettings) -> HTTPClient {
        var configuration = HTTPClient.Configuration.patient
        configuration.trustedCertificatesFile = TLSTests.trustedCAFile
        configuration.proxies = proxies
        return HTTPClient(configuration: configuration)
    }

    @Test func httpsGoesThroughTheTunnelToTheServer() async throws {
        let proxy = try Proxy()
        defer { proxy.server.stop() }
        // The proxy, not the client, resolves the name: "other.example" exists nowhere, and the test proxy connects
        // to the local server instead, which holds a certificate for that name.
        let target = try TLSTests.server(TestCertificates.otherCertificate)
        defer { target.stop() }
        let client = Self.client(proxy.settings("http://max:geheim@127.0.0.1:\(proxy.server.port)"))
        for _ in 0..<2 {
            let response = try await client.send(HTTPClientRequest(url: target.url(host: "other.example")), timeout: .seconds(10))
            #expect(response.body == Array("secret".utf8))
        }
        // One tunnel for both requests, with the proxy's credentials.
        let authority = "other.example:\(target.port)"
        #expect(proxy.recorded.list.withLock { $0 } == [
            "CONNECT \(authority) HTTP/1.1\r\nHost: \(authority)\r\nProxy-Authorization: Basic bWF4OmdlaGVpbQ==\r\n\r\n",
        ])
    }

    @Test func theTunnelDoesNotWeakenTheCertificateCheck() async throws {
        let proxy = try Proxy()
        defer { proxy.server.stop() }
        let target = try TLSTests.server(TestCertificates.localhostCertificate)
        defer { target.stop() }
        let error = await failure {
            try await Self.client(proxy.settings()).send(HTTPClientRequest(url: target.url(host: "other.example")), timeout: .seconds(10))
        }
        guard case .tls(let reason) = error else {
            Issue.record("expected a TLS failure, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("hostname mismatch"), "\(reason)")
    }

    @Test func aProxyThatRefusesTheTunnelIsReported() async throws {
        let proxy = try Proxy(refusal: "407 Proxy Authentication Required")
        defer { proxy.server.stop() }
        await #expect(throws: HTTPClientError.cannotConnect("the proxy refused the tunnel: HTTP 407")) {
            try await Self.client(proxy.settings()).send(HTTPClientRequest(url: URL(string: "https://other.example/")!), timeout: .seconds(10))
        }
    }

    @Test func loopbackTargetsNeverGoThroughTheProxy() async throws {
        let proxy = try Proxy()
        defer { proxy.server.stop() }
        let target = try TestServer { connection in
            while connection.readRequest() != nil { connection.answer() }
        }
        defer { target.stop() }
        #expect(try await Self.client(proxy.settings()).send(HTTPClientRequest(url: target.url()), timeout: .seconds(10)).status == 200)
        #expect(proxy.server.connections == 0)
    }
}
