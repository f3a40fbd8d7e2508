import FormCore
import HTTPServer
import WebText

/// Which web pages may talk to heroform from a browser: its own, the company sites in `security.allowed_origins`
/// (for every form) and a form's own `forms.ID.allowed_origins` (for that form). Others get 403 on the routes it
/// guards (the lead and token endpoints); allowed ones get CORS headers that name them (never `*`). Requests without
/// an `Origin` (curl, servers, same-origin GETs) pass.
///
/// The middleware knows the form only from `?form=` (the token route); for a lead it lets through any origin some
/// form allows, and the lead endpoint, once it has read the form from the body, asks `allows` for that form.
struct OriginPolicy: HTTPMiddleware {
    let allowedOrigins: Set<String>
    /// Each form's own origins (without the global ones), for forms that have some.
    private let formOrigins: [String: Set<String>]
    /// The global origins and every form's: what may send to some form.
    private let anyForm: Set<String>

    init(allowedOrigins: [String], forms: [String: FormDefinition] = [:]) {
        self.allowedOrigins = Set(allowedOrigins.map(Self.normalize))
        formOrigins = forms.compactMapValues { form in
            form.allowedOrigins.isEmpty ? nil : Set(form.allowedOrigins.map(Self.normalize))
        }
        anyForm = formOrigins.values.reduce(self.allowedOrigins) { $0.union($1) }
    }

    /// Whether a page of `origin` (normalized) may send to the form `formID` (nil: to some form).
    func allows(_ origin: String, form formID: String?) -> Bool {
        guard let formID else { return anyForm.contains(origin) }
        return allowedOrigins.contains(origin) || formOrigins[formID]?.contains(origin) == true
    }

    /// Whether `request` may go on to the form `formID`: no Origin, this server's own pages, or an allowed origin.
    func admits(_ request: HTTPRequest, form formID: String) -> Bool {
        guard let origin = request.headers["Origin"].map(Self.normalize) else { return true }
        return allows(origin, form: formID) || Self.isSameHost(origin, host: request.headers["Host"])
    }

    static var forbidden: HTTPResponse {
        var response = HTTPResponse.error(.forbidden, "this origin may not send to this form")
        response.headers.set("Vary", "Origin")
        return response
    }

    func respond(to request: HTTPRequest, next: Next) async -> HTTPResponse {
        guard let origin = request.headers["Origin"] else { return await next(request) }
        let normalized = Self.normalize(origin)
        let isAllowed = allows(normalized, form: request.queryItems["form"])
        guard isAllowed || Self.isSameHost(normalized, host: request.headers["Host"]) else { return Self.forbidden }
        if request.method == .options && isAllowed {
            // CORS preflight for site JavaScript.
            var response = HTTPResponse(status: .noContent)
            response.headers.set("Access-Control-Allow-Origin", normalized)
            response.headers.set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
            response.headers.set("Access-Control-Allow-Headers", "Content-Type, Accept, Idempotency-Key")
            response.headers.set("Access-Control-Max-Age", "600")
            response.headers.set("Vary", "Origin")
            return response
        }
        var response = await next(request)
        if isAllowed {
            response.headers.set("Access-Control-Allow-Origin", normalized)
        }
        response.headers.add("Vary", "Origin")
        return response
    }

    /// Origins compare as lowercase `scheme://host[:port]` without a trailing slash, and without the scheme's default
    /// port, which a browser's `Origin` never names.
    static func normalize(_ origin: String) -> String {
        var text = origin.trimmingWhitespace().lowercased()
        while text.hasSuffix("/") { text.removeLast() }
        for (scheme, port) in [("https://", ":443"), ("http://", ":80")] where text.hasPrefix(scheme) {
            if text.hasSuffix(port) { text.removeLast(port.count) }
        }
        return text
    }

    /// The browser's Origin for a page of this server: its host and port equal the request's Host (the scheme
    /// may differ behind a TLS-terminating proxy).
    static func isSameHost(_ origin: String, host: String?) -> Bool {
        guard let host = host?.lowercased(), !host.isEmpty else { return false }
        for scheme in ["http://", "https://"] where origin.hasPrefix(scheme) {
            let authority = String(origin.dropFirst(scheme.count))
            if authority == host { return true }
            // Default ports are left out of Origin but may be in Host, and the other way round.
            let defaultPort = scheme == "https://" ? ":443" : ":80"
            if authority + defaultPort == host || authority == host + defaultPort { return true }
        }
        return false
    }
}
