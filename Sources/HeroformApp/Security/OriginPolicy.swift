import HTTPServer
import WebText

/// Which web pages may talk to heroform from a browser: its own, and the company sites in
/// `security.allowed_origins`. Others get 403 on the routes it guards (the lead and token endpoints); allowed ones
/// get CORS headers that name them (never `*`). Requests without an `Origin` (curl, servers, same-origin GETs) pass.
struct OriginPolicy: HTTPMiddleware {
    let allowedOrigins: Set<String>

    init(allowedOrigins: [String]) {
        self.allowedOrigins = Set(allowedOrigins.map(Self.normalize))
    }

    func respond(to request: HTTPRequest, next: Next) async -> HTTPResponse {
        guard let origin = request.headers["Origin"] else { return await next(request) }
        let normalized = Self.normalize(origin)
        let isAllowed = allowedOrigins.contains(normalized)
        guard isAllowed || Self.isSameHost(normalized, host: request.headers["Host"]) else {
            var response = HTTPResponse.error(.forbidden, "this origin may not send to this form")
            response.headers.set("Vary", "Origin")
            return response
        }
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

    /// Origins compare as lowercase `scheme://host[:port]` without a trailing slash.
    static func normalize(_ origin: String) -> String {
        var text = origin.trimmingWhitespace().lowercased()
        while text.hasSuffix("/") { text.removeLast() }
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
