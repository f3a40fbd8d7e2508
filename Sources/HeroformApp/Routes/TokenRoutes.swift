import HTTPServer
import JSON

/// What the form's script and site JavaScript fetch before sending: `GET /token?form=ID` (the signed time token)
/// and, with proof of work on, `GET /challenge` (a puzzle to solve).
struct TokenRoutes {
    let context: RouteContext

    init(_ context: RouteContext) { self.context = context }

    func add(to group: inout RouteGroup) {
        let (forms, tokens, now, origins) = (context.config.forms, context.tokens, context.now, context.origins)
        group.get("/token") { request in
            let id = request.queryItems["form"] ?? "default"
            guard forms[id] != nil else {
                return LeadAnswer.json(["status": "error", "message": "unknown form"], status: .notFound)
            }
            // Without `?form=` the middleware could not tell the form: a token only for a site that form allows.
            guard origins.admits(request, form: id) else { return OriginPolicy.forbidden }
            return LeadAnswer.json(["token": .string(tokens.issue(formID: id, at: now()))])
        }
        if let proofOfWork = context.surviving.proofOfWork {
            group.get("/challenge") { _ in LeadAnswer.json(proofOfWork.challenge(now: now()).json) }
        }
    }
}
