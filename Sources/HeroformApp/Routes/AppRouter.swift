import HTTPServer

/// heroform's routes, top to bottom. Middleware that concerns every answer (compression, security headers) is
/// global; guards belong to the group of routes they protect.
enum AppRouter {
    static func make(_ context: RouteContext) throws -> Router {
        let config = context.config
        var router = Router()
        router.use(CompressionMiddleware())
        router.use(
            SecurityHeaders(
                frameAncestors: config.security.allowedOrigins.map(OriginPolicy.normalize),
                formTargets: SecurityHeaders.successOrigins(config)))

        router.get("/healthz") { _ in ObservabilityRoutes.healthz }
        router.group(
            ObservabilityAccess(
                clients: context.clients, token: config.observability.token,
                allowRemote: config.observability.allowRemote)
        ) { group in
            ObservabilityRoutes(context).add(to: &group)
        }

        try FormPageRoutes(context).add(to: &router)

        // What site JavaScript may call from the company's pages: CORS for allowed origins, 403 for others.
        router.group(context.origins) { group in
            let leads = context.leads
            group.post("/leads", bodyLimit: LeadEndpoint.bodyLimit(config.forms)) { try await leads.respond(to: $0) }
            TokenRoutes(context).add(to: &group)
        }

        let files = context.files
        router.fallback { files.respond(to: $0) }
        return router
    }
}
