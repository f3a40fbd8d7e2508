package import HTTPServer
package import Logging

/// Starts a server on a free loopback port for one test and stops it afterwards.
package enum TestServer {
    package static func with<T>(
        _ responder: any HTTPResponder,
        logger: Logger? = nil,
        observer: (any HTTPObserver)? = nil,
        configure: (inout HTTPServerConfiguration) -> Void = { _ in },
        _ body: (HTTPServer) async throws -> T
    ) async throws -> T {
        var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: 0)
        // A parallel suite on two cores can keep a client from sending for seconds: tests that are not about the
        // server's timeouts must not meet them (those that are set their own in `configure`).
        configuration.headTimeout = .seconds(60)
        configuration.bodyTimeout = .seconds(60)
        configuration.bodyTotalTimeout = .seconds(120)
        configuration.keepAliveTimeout = .seconds(60)
        configuration.lingerTimeout = .seconds(60)
        configure(&configuration)
        var quiet = Logger(label: "test")
        quiet.logLevel = .critical
        let server = HTTPServer(
            configuration: configuration, responder: responder, logger: logger ?? quiet, observer: observer)
        try server.start()
        do {
            let result = try await body(server)
            await server.shutdown(gracePeriod: .seconds(2))
            return result
        } catch {
            await server.shutdown(gracePeriod: .seconds(2))
            throw error
        }
    }
}
