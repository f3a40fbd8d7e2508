import HTTPServer

/// Headers every HTML answer carries: a Content-Security-Policy without inline script or style and without any
/// third party, `frame-ancestors` limited to this server and the company's sites, and the usual hardening.
struct SecurityHeaders: HTTPFilter {
    let contentSecurityPolicy: String

    /// - Parameters:
    ///   - frameAncestors: origins allowed to embed the form in an iframe, besides this server.
    ///   - formTargets: origins the form may redirect to after sending (configured `success_url`s).
    init(frameAncestors: [String], formTargets: [String]) {
        let ancestors = (["'self'"] + frameAncestors).joined(separator: " ")
        let actions = (["'self'"] + formTargets).joined(separator: " ")
        contentSecurityPolicy = [
            "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
            "connect-src 'self'", "worker-src 'self'", "form-action \(actions)", "frame-ancestors \(ancestors)",
            "base-uri 'none'",
        ].joined(separator: "; ")
    }

    func after(_ request: HTTPRequest, _ answer: HTTPResponse) -> HTTPResponse {
        var response = answer
        response.headers.set("X-Content-Type-Options", "nosniff")
        if response.headers["Content-Type"]?.hasPrefix("text/html") == true {
            response.headers.set("Content-Security-Policy", contentSecurityPolicy)
            response.headers.set("Referrer-Policy", "strict-origin-when-cross-origin")
            response.headers.set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()")
            response.headers.set("Cross-Origin-Opener-Policy", "same-origin")
        }
        return response
    }
}
