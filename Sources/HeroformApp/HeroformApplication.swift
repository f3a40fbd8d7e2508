import FormCore
import FoundationEssentials
import Glibc
import HeroClient
import HTTPServer
import Logging
import Outbox
import Sockets
import Synchronization

/// heroform as a whole: the outbox and its delivery worker, which live as long as the process, and the routes built
/// from the config, which `reload` replaces (SIGHUP). It is the server's responder.
public final class HeroformApplication: HTTPResponder, Sendable {
    public enum Mode: String, Sendable {
        case live
        case dryRun = "dry-run"
    }

    public let mode: Mode
    package let store: OutboxStore
    package let worker: DeliveryWorker
    public let metrics = Metrics()
    private let secret: [UInt8]
    private let logger: Logger
    private let now: @Sendable () -> Date
    private let current: Mutex<Current>
    private let lock = Mutex<DataDirLock?>(nil)

    private struct Current: Sendable {
        var config: AppConfig
        var router: Router
        /// State that outlives a reload while its settings stay the same: who sent how much, which puzzles were
        /// solved.
        var limiter: RateLimiter
        var proofOfWork: ProofOfWork?
    }

    public var config: AppConfig { current.withLock { $0.config } }
    public var router: Router { current.withLock { $0.router } }

    /// Opens the outbox and builds the routes; `start()` then starts background delivery.
    /// - Parameters:
    ///   - apiKey: HERO's API key; nil runs in dry-run mode (leads are stored and marked delivered, nothing is sent).
    ///   - sender: overrides what talks to HERO (tests); by default chosen from `apiKey`.
    package init(config: AppConfig, apiKey: String?, logger: Logger, sender: (any LeadSender)? = nil,
                 retryPolicy: RetryPolicy? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
                 now: @escaping @Sendable () -> Date = Date.init) throws {
        self.mode = apiKey == nil ? .dryRun : .live
        self.logger = logger
        self.now = now
        secret = try SecretStore.secret(environment: environment, dataDir: config.storage.dataDir)
        store = try OutboxStore(dataDir: config.storage.dataDir)
        var policy = retryPolicy ?? RetryPolicy()
        policy.maxAge = TimeInterval(config.storage.maxAgeDays) * 86400
        let alerts = config.alerts.webhookURL.flatMap(URL.init(string:))
            .map { WebhookAlerts(url: $0, environment: environment, logger: logger) }
        let metrics = self.metrics
        worker = DeliveryWorker(store: store, sender: sender ?? Self.makeSender(config: config, apiKey: apiKey),
                                policy: policy, logger: logger, retention: TimeInterval(config.storage.retentionDays) * 86400,
                                alerts: alerts, now: now, onOutcome: { metrics.heroCall($0) })
        let limiter = Self.makeLimiter(config)
        let proofOfWork = Self.makeProofOfWork(config, secret: secret)
        let router = try Self.makeRouter(config: config, secret: secret, store: store, worker: worker, metrics: metrics,
                                         limiter: limiter, proofOfWork: proofOfWork, mode: mode, logger: logger, now: now)
        current = Mutex(Current(config: config, router: router, limiter: limiter, proofOfWork: proofOfWork))
    }

    private static func makeLimiter(_ config: AppConfig) -> RateLimiter {
        RateLimiter(limit: config.security.rateLimitSubmissions, window: TimeInterval(config.security.rateLimitPerSeconds))
    }

    private static func makeProofOfWork(_ config: AppConfig, secret: [UInt8]) -> ProofOfWork? {
        config.security.proofOfWork ? ProofOfWork(secret: secret, maxNumber: config.security.proofOfWorkMaxNumber) : nil
    }

    // MARK: - HTTPResponder

    public func bodyLimit(for head: HTTPRequestHead) -> Int { router.bodyLimit(for: head) }

    public func respond(to request: HTTPRequest) async -> HTTPResponse { await router.respond(to: request) }

    public func answer(to request: HTTPRequest) -> HTTPAnswer { router.answer(to: request) }

    // MARK: - Life cycle

    /// Takes the data dir for this process and starts background delivery (delivering what was pending before a
    /// restart). Throws `DataDirLock.Busy` when another server already uses the data dir.
    public func start() throws {
        let taken = try DataDirLock(dataDir: config.storage.dataDir)
        lock.withLock { $0 = taken }
        worker.start()
    }

    /// Stops background delivery, letting a call to HERO in flight finish and be recorded.
    public func stop() async {
        await worker.stop()
        lock.withLock { $0 = nil }
    }

    /// Takes a new config: forms, pages and templates, security and observability settings change at once.
    /// Returns what needs a restart to change (the listening address, storage, HERO's endpoint and alerts).
    /// On an error nothing changes.
    public func reload(_ new: AppConfig) throws -> [String] {
        let old = current.withLock { $0 }
        // What the running process was built with stays until a restart; the rest is taken.
        var config = new
        var needsRestart: [String] = []
        if old.config.server.host != new.server.host || old.config.server.port != new.server.port { needsRestart.append("server.host/port") }
        if old.config.server.keepAliveTimeoutSeconds != new.server.keepAliveTimeoutSeconds
            || old.config.server.maxConnections != new.server.maxConnections
            || old.config.server.shutdownGraceSeconds != new.server.shutdownGraceSeconds {
            needsRestart.append("server timeouts and limits")
        }
        if old.config.storage != new.storage { needsRestart.append("storage") }
        if old.config.hero.endpoint != new.hero.endpoint || old.config.hero.apiKeyFile != new.hero.apiKeyFile {
            needsRestart.append("hero.endpoint/api_key_file")
        }
        if old.config.alerts != new.alerts { needsRestart.append("alerts") }
        config.server.host = old.config.server.host
        config.server.port = old.config.server.port
        config.server.keepAliveTimeoutSeconds = old.config.server.keepAliveTimeoutSeconds
        config.server.maxConnections = old.config.server.maxConnections
        config.server.shutdownGraceSeconds = old.config.server.shutdownGraceSeconds
        config.storage = old.config.storage
        config.hero.endpoint = old.config.hero.endpoint
        config.hero.apiKeyFile = old.config.hero.apiKeyFile
        config.alerts = old.config.alerts

        let sameLimits = old.config.security.rateLimitSubmissions == config.security.rateLimitSubmissions
            && old.config.security.rateLimitPerSeconds == config.security.rateLimitPerSeconds
        let limiter = sameLimits ? old.limiter : Self.makeLimiter(config)
        let samePuzzle = old.config.security.proofOfWork == config.security.proofOfWork
            && old.config.security.proofOfWorkMaxNumber == config.security.proofOfWorkMaxNumber
        let proofOfWork = samePuzzle ? old.proofOfWork : Self.makeProofOfWork(config, secret: secret)
        let router = try Self.makeRouter(config: config, secret: secret, store: store, worker: worker, metrics: metrics,
                                         limiter: limiter, proofOfWork: proofOfWork, mode: mode, logger: logger, now: now)
        current.withLock { $0 = Current(config: config, router: router, limiter: limiter, proofOfWork: proofOfWork) }
        return needsRestart
    }

    /// A server for this application; call `start()` on it.
    public func makeServer(logger: Logger) -> HTTPServer {
        HTTPServer(configuration: config.httpConfiguration, responder: self, logger: logger, observer: metrics)
    }

    /// The start-up summary: mode, data dir and forms with their measure and source.
    public var summary: [String] {
        let config = self.config
        return ["mode: \(mode.rawValue)" + (mode == .dryRun ? " (no HERO_API_KEY: leads are stored but not sent to HERO)" : ", HERO at \(config.hero.endpoint)"),
                "data dir: \(config.storage.dataDir) (outbox \(store.path))"]
            + config.forms.keys.sorted().compactMap { id in
                config.forms[id].map { "form \(id): measure \($0.measure), source \"\($0.partnerSource)\", \($0.language.rawValue)" }
            }
    }

    /// What `check-config` verifies beyond the config file itself, without creating anything: the public folder
    /// and the page templates are there, and the API key (if a file is named) can be read.
    public static func check(_ config: AppConfig, environment: [String: String]) throws {
        _ = try StaticFiles(root: config.server.publicDir)
        _ = try Pages(publicDir: config.server.publicDir) { _ in "" }
        _ = try config.apiKey(environment: environment)
    }

    // MARK: - Routes

    private static func makeRouter(config: AppConfig, secret: [UInt8], store: OutboxStore, worker: DeliveryWorker,
                                   metrics: Metrics, limiter: RateLimiter, proofOfWork: ProofOfWork?, mode: Mode, logger: Logger,
                                   now: @escaping @Sendable () -> Date) throws -> Router {
        let tokens = FormToken(secret: secret, minimumAge: TimeInterval(config.security.minFillSeconds),
                               maximumAge: TimeInterval(config.security.tokenMaxAgeHours) * 3600)
        let files = try StaticFiles(root: config.server.publicDir, excluding: [Pages.templateFolder])
        let pages = try Pages(publicDir: config.server.publicDir, proofOfWork: proofOfWork != nil, themes: config.themes) {
            tokens.issue(formID: $0, at: now())
        }
        let embedders = Set(config.security.allowedOrigins.map(OriginPolicy.normalize))
        let clients = ClientAddress(trustedProxies: config.server.trustedProxies.compactMap(IPRange.init))
        let guards = SubmissionGuard(tokens: tokens, limiter: limiter, clients: clients, proofOfWork: proofOfWork)
        let delivery = OutboxDelivery(store: store, worker: worker, deadline: .seconds(config.hero.timeoutSeconds),
                                      maxAge: TimeInterval(config.storage.maxAgeDays) * 86400, logger: logger, now: now)
        let forms = config.forms
        let leads = LeadEndpoint(forms: forms, pages: pages, delivery: delivery, guards: guards, metrics: metrics, logger: logger, now: now)

        var router = Router()
        router.use(ObservabilityAccess(paths: ["/metrics", "/readyz"], clients: clients, token: config.observability.token,
                                       allowRemote: config.observability.allowRemote))
        router.use(CompressionMiddleware())
        router.use(SecurityHeaders(frameAncestors: config.security.allowedOrigins.map(OriginPolicy.normalize),
                                   formTargets: successOrigins(config)))
        router.use(OriginPolicy(allowedOrigins: config.security.allowedOrigins, guardedPaths: ["/leads", "/token", "/challenge"]))
        // Routes that never wait are immediate: they answer without a Swift task (see Router).
        router.get("/healthz", immediate: { _ in
            HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"],
                         body: Array("ok\n".utf8))
        })
        router.get("/readyz") { _ in await Readiness.check(store: store, worker: worker, mode: mode) }
        router.get("/metrics") { _ in
            let counts = (try? await store.perform { try $0.counts() }) ?? OutboxStore.Counts()
            let text = metrics.render(outbox: ["pending": counts.pending, "failed": counts.failed, "delivered": counts.delivered],
                                      mode: mode.rawValue, version: HeroformApplication.version)
            return HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8", "Cache-Control": "no-store"],
                                body: Array(text.utf8))
        }
        router.get("/", immediate: { request in formPage(forms["default"], request: request, pages: pages, embedders: embedders) })
        router.get("/forms/{id}", immediate: { request in
            formPage(forms[request.parameters["id"] ?? ""], request: request, pages: pages, embedders: embedders)
        })
        let themes = config.themes
        router.get("/forms/{id}/theme.css") { request in
            guard let css = themes[request.parameters["id"] ?? ""]?.css else { return .error(.notFound) }
            return HTTPResponse(status: .ok, headers: ["Content-Type": "text/css; charset=utf-8", "Cache-Control": "no-cache"],
                                body: Array(css.utf8))
        }
        if config.demo {
            let demo = try Template.load(config.server.publicDir.joiningPath("templates/demo.html"))
            router.get("/demo") { _ in Pages.html(demo.render([:])) }
        }
        // Refusals are answered at once; only a lead to store and deliver waits.
        router.post("/leads", staged: { request in leads.answer(to: request) })
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
        router.get("/thanks") { request in
            let query = request.queryItems
            let form = query["form"].flatMap { forms[$0] }
            let language = language(request, default: form?.language ?? .de)
            let reference = query["ref"].flatMap { Reference.isWellFormed($0) ? $0 : nil }
            let back = form.map { $0.id == "default" ? "/" : "/forms/\($0.id)" } ?? "/"
            return pages.thanksPage(reference: reference, language: language, backLink: back)
        }
        router.fallback(immediate: { request in files.respond(to: request) })
        return router
    }

    public static let version = "0.1.0"

    /// Origins of configured absolute `success_url`s: the form may redirect there after sending.
    static func successOrigins(_ config: AppConfig) -> [String] {
        Set(config.forms.values.compactMap { form -> String? in
            guard let link = form.successURL, let url = URL(string: link), let scheme = url.scheme, let host = url.host else { return nil }
            return "\(scheme.lowercased())://\(host.lowercased())" + (url.port.map { ":\($0)" } ?? "")
        }).sorted()
    }

    static func makeSender(config: AppConfig, apiKey: String?) -> any LeadSender {
        guard let apiKey, let endpoint = URL(string: config.hero.endpoint) else { return DryRunSender() }
        return HeroProjectSender(client: HeroClient(endpoint: endpoint, apiKey: apiKey,
                                                    timeout: .seconds(config.hero.callTimeoutSeconds)))
    }

    /// `?parent=ORIGIN` (set by embed.js) names the page embedding the form; only allowed origins are believed.
    private static func formPage(_ form: FormDefinition?, request: HTTPRequest, pages: Pages, embedders: Set<String>) -> HTTPResponse {
        guard let form else {
            let language = language(request, default: .de)
            let texts = Texts.forLanguage(language)
            return pages.messagePage(title: texts.notFoundTitle, text: texts.notFoundText, language: language, status: .notFound)
        }
        let asked = request.queryItems["parent"].map(OriginPolicy.normalize)
        let allowed = asked.flatMap { embedders.contains($0) ? $0 : nil }
        let ownHost = asked.flatMap { OriginPolicy.isSameHost($0, host: request.headers["Host"]) ? $0 : nil }
        return pages.formPage(form, language: language(request, default: form.language),
                              presentation: .init(parentOrigin: allowed ?? ownHost, cacheable: allowed != nil || ownHost == nil))
    }

    /// `?lang=en` or `?lang=de` overrides the form's language.
    static func language(_ request: HTTPRequest, default fallback: Language) -> Language {
        request.queryItems["lang"].flatMap(Language.init(rawValue:)) ?? fallback
    }
}
