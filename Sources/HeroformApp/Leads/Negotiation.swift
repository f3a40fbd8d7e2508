import FormCore
import HTTPServer
import WebText

/// Whether a request wants JSON answers: site JavaScript posting JSON or asking for it, rather than a browser
/// submitting the HTML form.
enum Negotiation {
    static func prefersJSON(_ request: HTTPRequest) -> Bool {
        if let type = request.headers["Content-Type"], MediaType.isJSON(type) { return true }
        guard let accept = request.headers["Accept"] else { return false }
        return quality(of: "application/json", in: accept) > quality(of: "text/html", in: accept)
    }

    /// The q-value the Accept header gives a media type (exact match, then `type/*`, then `*/*`).
    static func quality(of media: String, in accept: String) -> Double {
        var exact: Double?
        var partial: Double?
        var any: Double?
        let type = media.split(separator: "/").first.map(String.init) ?? media
        for element in accept.lowercased().split(separator: ",") {
            let parts = element.split(separator: ";").map { $0.trimmingWhitespace() }
            guard let range = parts.first else { continue }
            let q = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            if range == media {
                exact = max(exact ?? 0, q)
            } else if range == "\(type)/*" {
                partial = max(partial ?? 0, q)
            } else if range == "*/*" {
                any = max(any ?? 0, q)
            }
        }
        return exact ?? partial ?? any ?? 0
    }
}

extension Negotiation {
    /// `?lang=en` or `?lang=de` overrides the form's language on its pages.
    static func pageLanguage(_ request: HTTPRequest, default fallback: Language) -> Language {
        request.queryItems["lang"].flatMap(Language.init(rawValue:)) ?? fallback
    }

    /// The visitor's language for answers given before any form is known (a rate limit, an unreadable body, an
    /// unknown form): the first of `Accept-Language` that heroform speaks, by q-value; German otherwise.
    static func language(_ request: HTTPRequest) -> Language {
        guard let accept = request.headers["Accept-Language"] else { return .de }
        var best: (language: Language, q: Double)?
        for element in accept.lowercased().split(separator: ",") {
            let parts = element.split(separator: ";").map { $0.trimmingWhitespace() }
            guard let range = parts.first else { continue }
            let primary = range.split(separator: "-").first.map(String.init) ?? range
            let q = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            guard let language = Language(rawValue: primary), q > 0, q > (best?.q ?? 0) else { continue }
            best = (language, q)
        }
        return best?.language ?? .de
    }
}
