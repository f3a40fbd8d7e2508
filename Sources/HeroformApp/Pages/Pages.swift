import FormCore
import Foundation
import HTTPServer

/// The HTML pages heroform renders, from the templates in `Public/templates/`.
struct Pages: Sendable {
    let form: FormPage
    /// Hands out a fresh signed time token for a form page.
    let issueToken: @Sendable (String) -> String
    let themes: [String: Theme]
    let thanks: Template
    let message: Template

    static let templateFolder = "templates"

    init(publicDir: String, proofOfWork: Bool = false, themes: [String: Theme] = [:],
         issueToken: @escaping @Sendable (String) -> String) throws {
        self.issueToken = issueToken
        self.themes = themes
        let folder = (publicDir as NSString).appendingPathComponent(Self.templateFolder)
        form = FormPage(template: try Template.load(folder + "/form.html"), proofOfWork: proofOfWork)
        thanks = try Template.load(folder + "/thanks.html")
        message = try Template.load(folder + "/message.html")
    }

    func formPage(_ definition: FormDefinition, language: Language, state: FormPage.State = .init(),
                  presentation: FormPage.Presentation = .init(), status: HTTPStatus = .ok) -> HTTPResponse {
        var presentation = presentation
        if presentation.theme == nil { presentation.theme = themes[definition.id] }
        return Self.html(form.render(definition, language: language, token: issueToken(definition.id), state: state,
                                     presentation: presentation), status: status)
    }

    func thanksPage(reference: String?, language: Language, backLink: String) -> HTTPResponse {
        let texts = Texts.forLanguage(language)
        let text = reference.map { texts.thankYouText(reference: $0) } ?? texts.thankYouWithoutReference
        var body = HTML.escape(text)
        if let reference {
            let escaped = HTML.escape(reference)
            body = body.replacingOccurrences(of: escaped, with: "<strong class=\"hf-reference\">\(escaped)</strong>")
        }
        return Self.html(thanks.render([
            "lang": language.rawValue,
            "title": HTML.escape(texts.thankYouTitle),
            "message": body,
            "back_link": HTML.escape(backLink),
            "back_text": HTML.escape(texts.backToForm),
        ]))
    }

    func messagePage(title: String, text: String, language: Language, status: HTTPStatus) -> HTTPResponse {
        let texts = Texts.forLanguage(language)
        return Self.html(message.render([
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
