import FormCore
import Foundation
import HeroClient
import HTTPServer
import Logging

/// The routes heroform serves, wired from its config.
public struct HeroformApplication: Sendable {
    public let config: AppConfig
    public let router: Router
    public let mode: Mode

    public enum Mode: String, Sendable {
        case live
        case dryRun = "dry-run"
    }

    /// - Parameters:
    ///   - apiKey: HERO's API key; nil runs in dry-run mode (nothing is sent).
    ///   - delivery: overrides how leads reach HERO (tests); by default chosen from `apiKey`.
    public init(config: AppConfig, apiKey: String?, logger: Logger, delivery: (any LeadDelivery)? = nil,
                now: @escaping @Sendable () -> Date = Date.init) throws {
        self.config = config
        self.mode = apiKey == nil ? .dryRun : .live
        let files = try StaticFiles(root: config.server.publicDir, excluding: [Pages.templateFolder])
        let pages = try Pages(publicDir: config.server.publicDir)
        let chosen = delivery ?? Self.makeDelivery(config: config, apiKey: apiKey, logger: logger)
        let forms = config.forms
        let leads = LeadEndpoint(forms: forms, pages: pages, delivery: chosen, logger: logger, now: now)

        var router = Router()
        router.get("/healthz") { _ in
            HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"],
                         body: Array("ok\n".utf8))
        }
        router.get("/") { request in
            Self.formPage(forms["default"], request: request, pages: pages)
        }
        router.get("/forms/{id}") { request in
            Self.formPage(forms[request.parameters["id"] ?? ""], request: request, pages: pages)
        }
        router.post("/leads") { request in await leads.respond(to: request) }
        router.get("/thanks") { request in
            let query = request.queryItems
            let form = query["form"].flatMap { forms[$0] }
            let language = Self.language(request, default: form?.language ?? .de)
            let reference = query["ref"].flatMap { Reference.isWellFormed($0) ? $0 : nil }
            let back = form.map { $0.id == "default" ? "/" : "/forms/\($0.id)" } ?? "/"
            return pages.thanksPage(reference: reference, language: language, backLink: back)
        }
        router.fallback { request in files.respond(to: request) }
        self.router = router
    }

    static func makeDelivery(config: AppConfig, apiKey: String?, logger: Logger) -> any LeadDelivery {
        guard let apiKey, let endpoint = URL(string: config.hero.endpoint) else { return DryRunDelivery(logger: logger) }
        let client = HeroClient(endpoint: endpoint, apiKey: apiKey, timeout: .seconds(config.hero.timeoutSeconds))
        return DirectDelivery(client: client, logger: logger)
    }

    private static func formPage(_ form: FormDefinition?, request: HTTPRequest, pages: Pages) -> HTTPResponse {
        guard let form else {
            let language = language(request, default: .de)
            let texts = Texts.forLanguage(language)
            return pages.messagePage(title: texts.notFoundTitle, text: texts.notFoundText, language: language, status: .notFound)
        }
        return pages.formPage(form, language: language(request, default: form.language))
    }

    /// `?lang=en` or `?lang=de` overrides the form's language.
    static func language(_ request: HTTPRequest, default fallback: Language) -> Language {
        request.queryItems["lang"].flatMap(Language.init(rawValue:)) ?? fallback
    }

    /// A server for this application; call `start()` on it.
    public func makeServer(logger: Logger) -> HTTPServer {
        HTTPServer(configuration: config.httpConfiguration, responder: router, logger: logger)
    }

    /// The start-up summary: mode and forms with their measure and source.
    public var summary: [String] {
        ["mode: \(mode.rawValue)" + (mode == .dryRun ? " (no HERO_API_KEY: leads are accepted but not sent to HERO)" : ", HERO at \(config.hero.endpoint)")]
            + config.forms.keys.sorted().compactMap { id in
                config.forms[id].map { "form \(id): measure \($0.measure), source \"\($0.partnerSource)\", \($0.language.rawValue)" }
            }
    }
}
