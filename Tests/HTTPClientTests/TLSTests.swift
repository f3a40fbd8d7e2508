import Foundation
import HTTPClient
import Synchronization
import Testing

/// https against a local TLS server with the test certificates: the client talks only to a server whose certificate
/// chains to a trusted root, is valid now, and names the host that was asked for.
@Suite struct TLSTests {
    /// The test CA, written to a file as a client's trusted certificates.
    static let trustedCAFile: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("heroform-test-ca-\(getpid()).pem").path
        try? TestCertificates.caCertificate.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }()

    static func client(trusting file: String? = trustedCAFile) -> HTTPClient {
        var configuration = HTTPClient.Configuration.patient
        configuration.trustedCertificatesFile = file
        return HTTPClient(configuration: configuration)
    }

    /// Host names the server was asked for (SNI), one per connection.
    final class ServerNames: Sendable {
        let list = Mutex<[String?]>([])
    }

    static func server(_ certificate: String = TestCertificates.localhostCertificate,
                       names: ServerNames? = nil) throws -> TestServer {
        try TestServer(certificate: certificate, key: TestCertificates.leafKey) { connection in
            names?.list.withLock { $0.append(connection.serverName) }
            while connection.readRequest() != nil { connection.answer("secret") }
        }
    }

    @Test func aTrustedCertificateForTheHostIsAccepted() async throws {
        let names = ServerNames()
        let server = try Self.server(names: names)
        defer { server.stop() }
        let client = Self.client()
        for _ in 0..<2 {
            let response = try await client.send(HTTPClientRequest(url: server.url(host: "localhost")), timeout: .seconds(10))
            #expect(response.body == Array("secret".utf8))
        }
        // One handshake for both requests, and the host name went out as SNI.
        #expect(server.connections == 1)
        #expect(names.list.withLock { $0 } == ["localhost"])
    }

    @Test func anIPAddressIsCheckedAgainstTheCertificatesAddresses() async throws {
        let names = ServerNames()
        let server = try Self.server(names: names)
        defer { server.stop() }
        let response = try await Self.client().send(HTTPClientRequest(url: server.url(host: "127.0.0.1")), timeout: .seconds(10))
        #expect(response.status == 200)
        // No SNI for an address (RFC 6066 §3).
        #expect(names.list.withLock { $0 } == [nil])
    }

    @Test func aCertificateForAnotherHostIsRefused() async throws {
        let server = try Self.server(TestCertificates.otherCertificate)
        defer { server.stop() }
        await expectTLSFailure(containing: "hostname mismatch") {
            try await Self.client().send(HTTPClientRequest(url: server.url(host: "localhost")), timeout: .seconds(10))
        }
        await expectTLSFailure(containing: "IP address mismatch") {
            try await Self.client().send(HTTPClientRequest(url: server.url(host: "127.0.0.1")), timeout: .seconds(10))
        }
    }

    @Test func anUntrustedCertificateIsRefused() async throws {
        // The system's store does not know the test CA.
        let server = try Self.server()
        defer { server.stop() }
        await expectTLSFailure(containing: "unable to get local issuer certificate") {
            try await Self.client(trusting: nil).send(HTTPClientRequest(url: server.url(host: "localhost")), timeout: .seconds(10))
        }
    }

    @Test func anExpiredCertificateIsRefused() async throws {
        let server = try Self.server(TestCertificates.expiredCertificate)
        defer { server.stop() }
        await expectTLSFailure(containing: "certificate has expired") {
            try await Self.client().send(HTTPClientRequest(url: server.url(host: "localhost")), timeout: .seconds(10))
        }
    }

    @Test func aPlainHTTPServerOnAnHTTPSURLFailsTheHandshake() async throws {
        // The server takes the client's hello for a bad request and answers in plain text: not a TLS record.
        let server = try TestServer { connection in
            connection.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        }
        defer { server.stop() }
        let url = URL(string: "https://127.0.0.1:\(server.port)/")!
        await expectTLSFailure(containing: "wrong version number") {
            try await Self.client().send(HTTPClientRequest(url: url), timeout: .seconds(10))
        }
    }

    @Test func aReusedTLSConnectionThatFailsWhileWritingIsRetriedOnAFreshOne() async throws {
        try await retriesAfterAFailedWrite(tls: true)
    }

    @Test func anAnswerThatRunsUntilTheCloseNeedsCloseNotify() async throws {
        // Without TLS's close_notify, the end of such an answer cannot be told from an attacker's cut.
        let server = try TestServer(certificate: TestCertificates.localhostCertificate, key: TestCertificates.leafKey) { connection in
            guard let request = connection.readRequest() else { return }
            connection.write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nthe whole answer")
            if request.hasPrefix("GET /notify") { connection.closeNotify() }
        }
        defer { server.stop() }
        let client = Self.client()
        let whole = try await client.send(HTTPClientRequest(url: server.url("/notify", host: "localhost")), timeout: .seconds(10))
        #expect(whole.body == Array("the whole answer".utf8))
        await #expect(throws: HTTPClientError.connectionClosed) {
            try await client.send(HTTPClientRequest(url: server.url("/cut", host: "localhost")), timeout: .seconds(10))
        }
    }

    @Test func aMissingTrustFileIsReported() async throws {
        let server = try Self.server()
        defer { server.stop() }
        await expectTLSFailure(containing: "cannot load trusted certificates from /nonexistent/ca.pem") {
            try await Self.client(trusting: "/nonexistent/ca.pem").send(HTTPClientRequest(url: server.url(host: "localhost")),
                                                                        timeout: .seconds(10))
        }
        // Found out before connecting.
        #expect(server.connections == 0)
    }

    private func expectTLSFailure(containing text: String, sourceLocation: SourceLocation = #_sourceLocation,
                                  _ body: () async throws -> HTTPClientResponse) async {
        let error = await failure(body)
        guard case .tls(let reason) = error else {
            Issue.record("expected a TLS failure, got \(String(describing: error))", sourceLocation: sourceLocation)
            return
        }
        #expect(reason.contains(text), "\(reason)", sourceLocation: sourceLocation)
    }
}
