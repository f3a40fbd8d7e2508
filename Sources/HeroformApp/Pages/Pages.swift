import FormCore
import FoundationEssentials
import Glibc
import HTTPServer
import Outbox
import Synchronization

/// The HTML pages heroform renders, from the templates in `Public/templates/`.
struct Pages: Sendable {
    private let cache = RenderedPages()
    let form: FormPage
    /// Hands out a fresh signed time token for a form page.
    let issueToken: @Sendable (String) -> String
    let themes: [String: Theme]
    let thanks: Template
    let message: Template

    static let templateFolder = "templates"

    init(
        publicDir: String, proofOfWork: Bool = false, themes: [String: Theme] = [:],
        issueToken: @escaping @Sendable (String) -> String
    ) throws {
        self.issueToken = issueToken
        self.themes = themes
        let folder = publicDir.joiningPath(Self.templateFolder)
        form = FormPage(template: try Template.load(folder + "/form.html"), proofOfWork: proofOfWork)
        thanks = try Template.load(folder + "/thanks.html")
        message = try Template.load(folder + "/message.html")
    }

    func formPage(
        _ definition: FormDefinition, language: Language, state: FormPage.State = .init(),
        presentation: FormPage.Presentation = .init(), status: HTTPStatus = .ok
    ) -> HTTPResponse {
        var presentation = presentation
        if presentation.theme == nil { presentation.theme = themes[definition.id] }
        let token = issueToken(definition.id)
        // The empty form differs between requests only in its token: render it once, then fill the token in.
        guard state.values.isEmpty, state.lists.isEmpty, state.errors.isEmpty, state.questionErrors.isEmpty,
            state.notice == nil, presentation.cacheable
        else {
            return Self.html(
                form.render(definition, language: language, token: token, state: state, presentation: presentation),
                status: status)
        }
        let key = CacheKey(form: definition.id, language: language, parent: presentation.parentOrigin)
        let parts =
            cache.entries.withLock { $0[key] }
            ?? {
                let rendered = Array(
                    form.render(definition, language: language, token: Self.tokenMarker, presentation: presentation)
                        .utf8)
                let parts = Self.split(rendered)
                cache.entries.withLock { cache in
                    // Bounded: keys come from configured forms, two languages and allowed origins — but stay careful.
                    if cache.count < 256 { cache[key] = parts }
                }
                return parts
            }()
        var body = parts.before
        body.reserveCapacity(parts.before.count + token.utf8.count + parts.after.count)
        body.append(contentsOf: token.utf8)
        body.append(contentsOf: parts.after)
        return HTTPResponse(status: status, headers: Self.formHeaders, body: body)
    }

    /// Made once; every page carries a fresh token, so none may be cached.
    private static let formHeaders: HTTPHeaders = [
        "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store",
    ]

    /// Rendered empty forms, split around their token; shared by copies of `Pages`.
    final class RenderedPages: Sendable {
        let entries = Mutex<[CacheKey: (before: [UInt8], after: [UInt8])]>([:])
    }

    struct CacheKey: Hashable, Sendable {
        let form: String
        let language: Language
        let parent: String?
    }

    private static let tokenMarker = "\u{1}heroform-token\u{1}"

    /// The page around the token marker (which appears exactly once: in the hidden `_token` field).
    private static func split(_ page: [UInt8]) -> (before: [UInt8], after: [UInt8]) {
        let marker = Array(tokenMarker.utf8)
        guard page.count >= marker.count else { return (page, []) }
        for start in 0...(page.count - marker.count)
        where page[start] == marker[0] && page[start..<start + marker.count].elementsEqual(marker) {
            return (Array(page[..<start]), Array(page[(start + marker.count)...]))
        }
        return (page, [])
    }

    func thanksPage(reference: String?, language: Language, backLink: String) -> HTTPResponse {
        let texts = Texts.forLanguage(language)
        let text = reference.map { texts.thankYouText(reference: $0) } ?? texts.thankYouWithoutReference
        var body = HTML.escape(text)
        if let reference {
            let escaped = HTML.escape(reference)
            body = body.replacing(escaped, with: "<strong class=\"hf-reference\">\(escaped)</strong>")
        }
        return Self.html(
            thanks.render([
                "lang": language.rawValue,
                "title": HTML.escape(texts.thankYouTitle),
                "message": body,
                "back_link": HTML.escape(backLink),
                "back_text": HTML.escape(texts.backToForm),
            ]))
    }

    func messagePage(title: String, text: String, language: Language, status: HTTPStatus) -> HTTPResponse {
        let texts = Texts.forLanguage(language)
        return Self.html(
            message.render([
                "lang": language.rawValue,
                "title": HTML.escape(title),
                "message": HTML.escape(text),
                "back_link": "/",
                "back_text": HTML.escape(texts.backToForm),
            ]), status: status)
    }

    static func html(_ text: String, status: HTTPStatus = .ok) -> HTTPResponse {
        var response = HTTPResponse.html(text, status: status)
        // Pages carry the visitor's input or reference: never cache them anywhere.
        response.headers.set("Cache-Control", "no-store")
        return response
    }
}
