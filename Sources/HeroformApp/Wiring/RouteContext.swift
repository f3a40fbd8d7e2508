import FormCore
import FoundationEssentials
import HTTPServer
import Logging
import Outbox
import Sockets

/// Everything the routes are built from: the parts that live as long as the process (the outbox, the delivery
/// worker, the metrics) and those made from the current config, which a reload makes again.
struct RouteContext: Sendable {
    let config: AppConfig
    let mode: HeroformApplication.Mode
    /// The HERO accounts with keys, for /readyz (see `Readiness.check`).
    let accounts: [String]
    let store: OutboxStore
    let worker: DeliveryWorker
    let metrics: Metrics
    let logger: Logger
    let now: @Sendable () -> Date

    let tokens: FormToken
    let pages: Pages
    let files: StaticFiles
    let clients: ClientAddress
    /// Which sites may send to which form, and frame its pages.
    let origins: OriginPolicy
    let framing: FormFraming
    /// State that outlives a reload while its settings stay the same (see `SurvivingState`).
    let surviving: SurvivingState

    /// The parts made from `config`; `surviving` is the running process's state, or nil at start-up.
    init(config: AppConfig, process: HeroformApplication.ProcessParts, surviving previous: SurvivingState?) throws {
        self.config = config
        mode = process.mode
        accounts = process.accountNames
        store = process.store
        worker = process.worker
        metrics = process.metrics
        logger = process.logger
        let now = process.now
        self.now = now
        surviving = SurvivingState(
            config: config, secret: process.secret, spentSolutions: process.spentSolutions, keeping: previous)
        let tokens = FormToken(
            secret: process.secret, minimumAge: config.security.minFillTime,
            maximumAge: config.security.tokenMaxAge,
            spent: config.security.singleUseTokens ? process.spentTokens : nil)
        self.tokens = tokens
        files = try StaticFiles(root: config.server.publicDir, excluding: [Pages.templateFolder])
        pages = try Pages(
            publicDir: config.server.publicDir, proofOfWork: surviving.proofOfWork != nil,
            themes: config.themes
        ) { tokens.issue(formID: $0, at: now()) }
        clients = ClientAddress(trustedProxies: config.server.trustedProxyRanges, logger: process.logger)
        origins = OriginPolicy(allowedOrigins: config.security.allowedOrigins, forms: config.forms)
        framing = FormFraming(config)
    }

    var leads: LeadEndpoint {
        let guards = SubmissionGuard(
            tokens: tokens, limiter: surviving.limiter, clients: clients,
            proofOfWork: surviving.proofOfWork)
        let delivery = OutboxDelivery(
            store: store, worker: worker, deadline: config.hero.timeout,
            maxAge: config.storage.maxAge, logger: logger, now: now)
        return LeadEndpoint(
            forms: config.forms, attachmentFiles: store.attachmentFiles, pages: pages, delivery: delivery,
            guards: guards, metrics: metrics, origins: origins, framing: framing,
            logger: logger, now: now)
    }
}

/// State that outlives a reload while its settings stay the same: who sent how much, the puzzle. (Which puzzles were
/// solved outlives any reload: the process keeps it.)
struct SurvivingState: Sendable {
    let limiter: RateLimiter
    /// nil when proof of work is off.
    let proofOfWork: ProofOfWork?
    private let limits: (submissions: Int, window: TimeInterval)
    private let puzzle: [Int]

    init(config: AppConfig, secret: [UInt8], spentSolutions: SpentSet, keeping previous: SurvivingState?) {
        let security = config.security
        let limits = (submissions: security.rateLimitSubmissions, window: security.rateLimitWindow)
        let puzzle = [security.proofOfWork ? 1 : 0, security.proofOfWorkMaxNumber]
        self.limits = limits
        self.puzzle = puzzle
        if let previous, previous.limits == limits {
            limiter = previous.limiter
        } else {
            limiter = RateLimiter(limit: limits.submissions, window: limits.window)
        }
        if let previous, previous.puzzle == puzzle {
            proofOfWork = previous.proofOfWork
        } else {
            proofOfWork =
                security.proofOfWork
                ? ProofOfWork(secret: secret, maxNumber: security.proofOfWorkMaxNumber, used: spentSolutions) : nil
        }
    }
}
