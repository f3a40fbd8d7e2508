import HTTPServer
import Logging

/// The routes heroform serves, wired from its config.
public struct HeroformApplication: Sendable {
    public let config: AppConfig
    public let router: Router

    public init(config: AppConfig) throws {
        self.config = config
        let files = try StaticFiles(root: config.server.publicDir)
        var router = Router()
        router.get("/healthz") { _ in
            HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"],
                         body: Array("ok\n".utf8))
        }
        router.fallback { request in files.respond(to: request) }
        self.router = router
    }

    /// A server for this application; call `start()` on it.
    public func makeServer(logger: Logger) -> HTTPServer {
        HTTPServer(configuration: config.httpConfiguration, responder: router, logger: logger)
    }
}
