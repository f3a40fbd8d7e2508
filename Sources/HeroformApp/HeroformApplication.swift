import FormCore
import Foundation
import HeroClient
import HTTPServer
import Logging
import Outbox
import Sockets

/// The routes heroform serves, wired from its config.
public struct HeroformApplication: Sendable {
    public let config: AppConfig
    public let router: Router
    public let mode: Mode
    public let store: OutboxStore
    public let worker: DeliveryWorker
    let tokens: FormToken

    public enum Mode: String, Sendable {
        case live
        case dryRun = "dry-run"
    }

    /// Opens the outbox and builds the routes; `start()` then starts background delivery.
    /// - Parameters:
    ///   - apiKey: HERO's API key; nil runs in dry-run mode (leads are stored and marked delivered, nothing is sent).
    ///   - sender: overrides what talks to HERO (tests); by default chosen from `apiKey`.
    public init(config: AppConfig, apiKey: String?, logger: Logger, sender: (any ProjectSender)? = nil,
                retryPolicy: RetryPolicy? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
                now: @escaping @Sendable () -> Date = Date.init) throws {
        self.config = config
        self.mode = apiKey == nil ? .dryRun : .live
        let secret = try SecretStore.secret(environment: environment, dataDir: config.storage.dataDir)
        let tokens = FormToken(secret: secret, minimumAge: TimeInterval(config.security.minFillSeconds),
                               maximumAge: TimeInterval(config.security.tokenMaxAgeHours) * 3600)
        self.tokens = tokens
        let proofOfWork = config.security.proofOfWork
            ? ProofOfWork(secret: secret, maxNumber: config.security.proofOfWorkMaxNumber) : nil
        let files = try StaticFiles(root: config.server.publicDir, excluding: [Pages.templateFolder])
        let pages = try Pages(publicDir: config.server.publicDir, proofOfWork: proofOfWork != nil) { tokens.issue(formID: $0, at: now()) }
        let guards = SubmissionGuard(
            tokens: tokens,
            limiter: RateLimiter(limit: config.security.rateLimitSubmissions, window: TimeInterval(config.security.rateLimitPerSeconds)),
            clients: ClientAddress(trustedProxies: config.server.trustedProxies.compactMap(IPRange.init)),
            proofOfWork: proofOfWork)
        let store = try OutboxStore(dataDir: config.storage.dataDir)
        var policy = retryPolicy ?? RetryPolicy()
        policy.maxAge = TimeInterval(config.storage.maxAgeDays) * 86400
        let alerts = config.alerts.webhookURL.flatMap(URL.init(string:)).map { WebhookAlerts(url: $0, logger: logger) }
        let worker = DeliveryWorker(store: store, sender: sender ?? Self.makeSender(config: config, apiKey: apiKey),
                                    policy: policy, logger: logger,
                                    retention: TimeInterval(config.storage.retentionDays) * 86400, alerts: alerts, now: now)
        self.store = store
        self.worker = worker
        let delivery = OutboxDelivery(store: store, worker: worker, deadline: .seconds(config.hero.timeoutSeconds),
                                      maxAge: policy.maxAge, logger: logger, now: now)
        let forms = config.forms
        let mode = self.mode
        let leads = LeadEndpoint(forms: forms, pages: pages, delivery: delivery, guards: guards, logger: logger, now: now)

        var router = Router()
        router.use(SecurityHeaders(frameAncestors: config.security.allowedOrigins.map(OriginPolicy.normalize),
                                   formTargets: Self.successOrigins(config)))
        router.use(OriginPolicy(allowedOrigins: config.security.allowedOrigins, guardedPaths: ["/leads", "/token", "/challenge"]))
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
        if let proofOfWork {
            router.get("/challenge") { _ in
                let data = (try? JSONEncoder().encode(proofOfWork.challenge(now: now()))) ?? Data()
                var response = HTTPResponse.json(data)
                response.headers.set("Cache-Control", "no-store")
                return response
            }
        }
        router.get("/token") { request in
            let id = request.queryItems["form"] ?? "default"
            guard forms[id] != nil else {
                return LeadEndpoint.json(["status": "error", "message": "unknown form"], status: .notFound)
            }
            return LeadEndpoint.json(["token": tokens.issue(formID: id, at: now())])
        }
        router.get("/readyz") { _ in await Readiness.check(store: store, worker: worker, mode: mode) }
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

    /// Origins of configured absolute `success_url`s: the form may redirect there after sending.
    static func successOrigins(_ config: AppConfig) -> [String] {
        Set(config.forms.values.compactMap { form -> String? in
            guard let link = form.successURL, let url = URL(string: link), let scheme = url.scheme, let host = url.host else { return nil }
            return "\(scheme.lowercased())://\(host.lowercased())" + (url.port.map { ":\($0)" } ?? "")
        }).sorted()
    }

    static func makeSender(config: AppConfig, apiKey: String?) -> any ProjectSender {
        guard let apiKey, let endpoint = URL(string: config.hero.endpoint) else { return DryRunSender() }
        return HeroClient(endpoint: endpoint, apiKey: apiKey, timeout: .seconds(config.hero.callTimeoutSeconds))
    }

    /// Starts background delivery (and delivers what was pending before a restart).
    public func start() {
        worker.start()
    }

    /// Stops background delivery, letting a call to HERO in flight finish and be recorded.
    public func stop() async {
        await worker.stop()
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
        ["mode: \(mode.rawValue)" + (mode == .dryRun ? " (no HERO_API_KEY: leads are stored but not sent to HERO)" : ", HERO at \(config.hero.endpoint)"),
         "data dir: \(config.storage.dataDir) (outbox \(store.path))"]
            + config.forms.keys.sorted().compactMap { id in
                config.forms[id].map { "form \(id): measure \($0.measure), source \"\($0.partnerSource)\", \($0.language.rawValue)" }
            }
    }
}
