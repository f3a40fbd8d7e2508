import FormCore
import FoundationEssentials
import HTTPServer

/// Headers every HTML answer carries: a Content-Security-Policy without inline script or style and without any
/// third party, `frame-ancestors` limited to this server and the company's sites, and the usual hardening.
struct SecurityHeaders: HTTPMiddleware {
    let contentSecurityPolicy: String
    /// Made once: these are set on every answer, and a field's name is folded when it is made.
    private let everyAnswer = HTTPHeaders.Field(name: "X-Content-Type-Options", value: "nosniff")
    private let pages: [HTTPHeaders.Field]

    /// - Parameters:
    ///   - frameAncestors: origins allowed to embed the form in an iframe, besides this server.
    ///   - formTargets: origins the form may redirect to after sending (configured `success_url`s).
    init(frameAncestors: [String], formTargets: [String]) {
        contentSecurityPolicy = Self.policy(frameAncestors: frameAncestors, formTargets: formTargets)
        pages = [
            HTTPHeaders.Field(name: "Content-Security-Policy", value: contentSecurityPolicy),
            HTTPHeaders.Field(name: "Referrer-Policy", value: "strict-origin-when-cross-origin"),
            HTTPHeaders.Field(
                name: "Permissions-Policy",
                value: "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"),
            HTTPHeaders.Field(name: "Cross-Origin-Opener-Policy", value: "same-origin"),
        ]
    }

    static func policy(frameAncestors: [String], formTargets: [String]) -> String {
        let ancestors = (["'self'"] + frameAncestors).joined(separator: " ")
        let actions = (["'self'"] + formTargets).joined(separator: " ")
        // `blob:` images: the form's script shows thumbnails of the visitor's chosen photos from object URLs
        // (made by the page's own script from local files; nothing is fetched).
        return [
            "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:",
            "connect-src 'self'", "worker-src 'self'", "form-action \(actions)", "frame-ancestors \(ancestors)",
            "base-uri 'none'",
        ].joined(separator: "; ")
    }

    func respond(to request: HTTPRequest, next: Next) async -> HTTPResponse {
        var response = await next(request)
        response.headers.set(everyAnswer)
        if response.headers["Content-Type"]?.hasPrefix("text/html") == true {
            // A form's page with origins of its own carries its own policy (`FormFraming`); it stays.
            let own = response.headers["Content-Security-Policy"]
            for field in pages { response.headers.set(field) }
            if let own { response.headers.set("Content-Security-Policy", own) }
        }
        return response
    }

    /// Origins of configured absolute `success_url`s: the form may redirect there after sending.
    static func successOrigins(_ config: AppConfig) -> [String] {
        Set(
            config.forms.values.compactMap { form -> String? in
                guard let link = form.successURL, let url = URL(string: link), let scheme = url.scheme,
                    let host = url.host
                else { return nil }
                return "\(scheme.lowercased())://\(host.lowercased())" + (url.port.map { ":\($0)" } ?? "")
            }
        ).sorted()
    }
}

/// The policy of the pages of forms with origins of their own (`forms.ID.allowed_origins`): their `frame-ancestors`
/// are `security.allowed_origins` and the form's, so each business's site may frame its own forms only. Pages of
/// other forms keep the global policy `SecurityHeaders` sets.
struct FormFraming: Sendable {
    private let policies: [String: String]

    init(_ config: AppConfig) {
        let global = config.security.allowedOrigins.map(OriginPolicy.normalize)
        let targets = SecurityHeaders.successOrigins(config)
        var policies: [String: String] = [:]
        for (id, form) in config.forms where !form.allowedOrigins.isEmpty {
            let own = form.allowedOrigins.map(OriginPolicy.normalize).filter { !global.contains($0) }
            policies[id] = SecurityHeaders.policy(frameAncestors: global + own, formTargets: targets)
        }
        self.policies = policies
    }

    /// `response`, a page of the form `formID`, with that form's policy when it has one.
    func framed(_ response: HTTPResponse, form formID: String?) -> HTTPResponse {
        guard let formID, let policy = policies[formID] else { return response }
        var response = response
        response.headers.set("Content-Security-Policy", policy)
        return response
    }
}
