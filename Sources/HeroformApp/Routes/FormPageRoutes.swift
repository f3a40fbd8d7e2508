import FormCore
import HTTPServer
import Outbox

/// The pages a visitor sees: the form (`/`, `/forms/{id}`), its theme, the thank-you page and the demo.
struct FormPageRoutes {
    let context: RouteContext

    init(_ context: RouteContext) { self.context = context }

    func add(to router: inout Router) throws {
        let (forms, pages, config) = (context.config.forms, context.pages, context.config)
        let (embedders, framing) = (context.origins, context.framing)
        router.get("/") { request in
            Self.formPage(forms["default"], request: request, pages: pages, embedders: embedders, framing: framing)
        }
        router.get("/forms/{id}") { request in
            Self.formPage(
                forms[request.parameters["id"] ?? ""], request: request, pages: pages, embedders: embedders,
                framing: framing)
        }
        let themes = config.themes
        router.get("/forms/{id}/theme.css") { request in
            guard let css = themes[request.parameters["id"] ?? ""]?.css else { return .error(.notFound) }
            return HTTPResponse(
                status: .ok,
                headers: [
                    "Content-Type": "text/css; charset=utf-8",
                    "Cache-Control": "no-cache",
                ],
                body: Array(css.utf8))
        }
        if config.demo {
            let demo = try Template.load(config.server.publicDir.joiningPath("templates/demo.html"))
            router.get("/demo") { _ in Pages.html(demo.render([:])) }
        }
        router.get("/thanks") { request in
            let query = request.queryItems
            let form = query["form"].flatMap { forms[$0] }
            let language = Negotiation.pageLanguage(request, default: form?.language ?? .de)
            let reference = query["ref"].flatMap { Reference.isWellFormed($0) ? $0 : nil }
            let back = form.map { $0.id == "default" ? "/" : "/forms/\($0.id)" } ?? "/"
            return framing.framed(
                pages.thanksPage(reference: reference, language: language, backLink: back), form: form?.id)
        }
    }

    /// `?parent=ORIGIN` (set by embed.js) names the page embedding the form; only origins allowed for the form are
    /// believed.
    private static func formPage(
        _ form: FormDefinition?, request: HTTPRequest, pages: Pages,
        embedders: OriginPolicy, framing: FormFraming
    ) -> HTTPResponse {
        guard let form else {
            let language = Negotiation.pageLanguage(request, default: .de)
            let texts = Texts.forLanguage(language)
            return pages.messagePage(
                title: texts.notFoundTitle, text: texts.notFoundText, language: language,
                status: .notFound)
        }
        let query = request.queryItems
        let asked = query["parent"].map(OriginPolicy.normalize)
        let allowed = asked.flatMap { embedders.allows($0, form: form.id) ? $0 : nil }
        let ownHost = asked.flatMap { OriginPolicy.isSameHost($0, host: request.headers["Host"]) ? $0 : nil }
        // `?service=dach` (a link, or `data-service` on the embed script) chooses an answer; only offered values.
        // Campaign parameters and the embedding page's address become hidden fields (a page with them is not cached).
        let attribution = form.attribution ? Attribution(query).fields : [:]
        let page = pages.formPage(
            form, language: Negotiation.pageLanguage(request, default: form.language),
            state: .init(values: attribution, lists: QuestionMarkup.prefill(query, form: form)),
            presentation: .init(
                parentOrigin: allowed ?? ownHost,
                cacheable: allowed != nil || ownHost == nil))
        return framing.framed(page, form: form.id)
    }
}
