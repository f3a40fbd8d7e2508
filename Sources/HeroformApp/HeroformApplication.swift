import FormCore
package import FoundationEssentials
import Glibc
package import HTTPServer
import HTTPClient
import HeroClient
package import Logging
package import Outbox
import Sockets
import Synchronization

/// heroform as a whole: the outbox and its delivery worker, which live as long as the process, and the routes built
/// from the config, which `reload` replaces (SIGHUP). It is the server's responder.
package final class HeroformApplication: HTTPResponder, Sendable {
    package enum Mode: String, Sendable {
        case live
        case dryRun = "dry-run"
    }

    /// What lives as long as the process, whatever the config says after a reload.
    struct ProcessParts: Sendable {
        let mode: Mode
        let store: OutboxStore
        let worker: DeliveryWorker
        let metrics: Metrics
        let secret: [UInt8]
        let logger: Logger
        let now: @Sendable () -> Date
        /// Live with named accounts' keys only: forms must name an account.
        let withoutDefaultKey: Bool
        /// The accounts with keys (the default one, if it has a key, as `AppConfig.defaultAccountName`), for /readyz.
        let accountNames: [String]
        /// The accounts whose leads have a sender (in dry-run mode, the dry one): others' leads wait for a key.
        let accountsWithSenders: Set<String>
        /// Form tokens and proof-of-work solutions spent on accepted leads: kept across reloads, whatever they change.
        let spentTokens = SpentSet()
        let spentSolutions = SpentSet()
    }

    package var mode: Mode { process.mode }
    package var store: OutboxStore { process.store }
    package var worker: DeliveryWorker { process.worker }
    package var metrics: Metrics { process.metrics }
    private let process: ProcessParts
    private let current: Mutex<Current>
    private let lock = Mutex<DataDirLock?>(nil)
    /// The server `makeServer` made, so a reload can hand it the new trusted proxies; weak, as it holds this.
    private let server = Mutex(WeakServer())

    private struct WeakServer {
        weak var server: HTTPServer?
    }

    /// What a reload replaces.
    private struct Current: Sendable {
        var config: AppConfig
        var router: Router
        var surviving: SurvivingState
    }

    package var config: AppConfig { current.withLock { $0.config } }
    package var router: Router { current.withLock { $0.router } }

    /// Opens the outbox and builds the routes; `start()` then starts background delivery.
    /// - Parameters:
    ///   - apiKey: HERO's API key; nil, with no `accountKeys` either, runs in dry-run mode (leads are stored and
    ///     marked delivered, nothing is sent).
    ///   - accountKeys: the keys of `hero.accounts`, by name (see `AppConfig.heroKeys`).
    ///   - sender: overrides what talks to HERO (tests); by default chosen from `apiKey`.
    ///   - attachmentSender: overrides what sends leads' files to HERO (tests); by default chosen from `apiKey`.
    package init(
        config: AppConfig, apiKey: String?, accountKeys: [String: String] = [:], logger: Logger,
        sender: (any LeadSender)? = nil,
        attachmentSender: (any AttachmentSender)? = nil,
        retryPolicy: RetryPolicy? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
        now: @escaping @Sendable () -> Date = Date.init
    ) throws {
        let keys = HeroKeys(defaultKey: apiKey, accounts: accountKeys)
        let mode: Mode = keys.isDryRun ? .dryRun : .live
        try Self.checkProxies(environment: environment, path: config.sourcePath)
        let secret = try SecretStore.secret(environment: environment, dataDir: config.storage.dataDir)
        let store = try OutboxStore(dataDir: config.storage.dataDir)
        for warning in SecretStore.exposureWarnings(dataDir: config.storage.dataDir) { logger.warning("\(warning)") }
        // Uploads' bodies are spooled here (in unnamed files, so nothing is ever left in it).
        try FileManager.default.createDirectory(
            atPath: config.storage.spoolDirectory, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        var policy = retryPolicy ?? RetryPolicy()
        policy.maxAge = config.storage.maxAge
        let alerts = config.alerts.webhookURL.flatMap(URL.init(string:))
            .map { WebhookAlerts(url: $0, environment: environment, logger: logger) }
        let metrics = Metrics()
        let senders = Self.makeSenders(config: config, keys: keys)
        let worker = DeliveryWorker(
            store: store, sender: sender ?? senders.default.leads,
            attachmentSender: attachmentSender ?? senders.default.files, accounts: senders.accounts,
            policy: policy, maxConcurrentCalls: config.hero.maxConcurrentCalls,
            outageAlertAfter: config.alerts.outageAfter, logger: logger,
            retention: config.storage.retention, failedFileRetention: config.storage.maxAge,
            alerts: alerts, now: now, onOutcome: { metrics.heroCall($0) }, onUpload: { metrics.upload($0) })
        process = ProcessParts(
            mode: mode, store: store, worker: worker, metrics: metrics, secret: secret,
            logger: logger, now: now, withoutDefaultKey: mode == .live && apiKey == nil,
            accountNames: (apiKey == nil && mode == .live ? [] : [AppConfig.defaultAccountName])
                + config.hero.accounts.keys.sorted(),
            accountsWithSenders: Set(senders.accounts.keys)
                .union(mode == .live && apiKey == nil ? [] : [AppConfig.defaultAccountName]))
        let context = try RouteContext(config: config, process: process, surviving: nil)
        current = Mutex(Current(config: config, router: try AppRouter.make(context), surviving: context.surviving))
    }

    // MARK: - HTTPResponder

    package func bodyLimit(for head: HTTPRequestHead) -> Int { router.bodyLimit(for: head) }

    package func respond(to request: HTTPRequest) async -> HTTPResponse { await router.respond(to: request) }

    // MARK: - Life cycle

    /// Takes the data dir for this process and starts background delivery (delivering what was pending before a
    /// restart). Throws `DataDirLock.Busy` when another server already uses the data dir.
    /// Call before the server listens: what a crash left of submissions' files is removed here, which must not
    /// race a submission staging its own.
    package func start() async throws {
        let taken = try DataDirLock(dataDir: config.storage.dataDir)
        lock.withLock { $0 = taken }
        let removed = await worker.removeLeftoverFiles()
        if removed > 0 {
            process.logger.info("removed files a crash left behind", metadata: ["count": "\(removed)"])
        }
        await warnOfLeadsWithoutKey()
        worker.start()
    }

    /// Leads kept for an account this process has no key for wait until it has one: the default account's when
    /// only named accounts have keys (leads from before `hero.accounts` have it), or an account that left the
    /// config. Said once at start, by account and count; what the leads hold is never logged.
    private func warnOfLeadsWithoutKey() async {
        guard let waiting = try? await store.perform({ try $0.waitingByAccount() }) else { return }
        let byName = Dictionary(
            waiting.map { ($0.key ?? AppConfig.defaultAccountName, $0.value) }, uniquingKeysWith: +)
        for (account, count) in byName.sorted(by: { $0.key < $1.key })
        where count > 0 && !process.accountsWithSenders.contains(account) {
            let hint =
                account == AppConfig.defaultAccountName
                ? "set HERO_API_KEY or hero.api_key_file and restart"
                : "give hero.accounts.\(account) its key and restart"
            process.logger.warning(
                "leads wait for an account without a key; they are kept until it has one",
                metadata: ["account": "\(account)", "count": "\(count)", "hint": "\(hint)"])
        }
    }

    /// Stops background delivery, letting a call to HERO in flight finish and be recorded.
    package func stop() async {
        await worker.stop()
        lock.withLock { $0 = nil }
    }

    /// Takes a new config: forms, pages and templates, security and observability settings change at once.
    /// Returns what needs a restart to change (the listening address, storage, HERO's endpoint and alerts).
    /// On an error nothing changes.
    package func reload(_ new: AppConfig) throws -> [String] {
        let old = current.withLock { $0 }
        let (config, needsRestart) = RestartOnlySetting.keeping(old.config, in: new)
        // PDFs need the document type the running sender of the form's account has (`config` keeps the running
        // ones): a form may not take them before a restart brings it.
        let withoutType = config.forms.keys.sorted().compactMap { id -> String? in
            guard let form = config.forms[id], form.attachments?.types.contains(.pdf) == true,
                config.hero.documentTypeID(forAccount: form.heroAccount) == nil
            else { return nil }
            let keys = AppConfig.Hero.documentTypeKeys(forAccount: form.heroAccount)
            return "forms.\(id).attachments.types: pdf needs \(keys); document types take effect on a restart"
        }
        guard withoutType.isEmpty else { throw AppConfig.Invalid(path: new.sourcePath, problems: withoutType) }
        try Self.checkAccounts(of: config, path: new.sourcePath, withoutDefaultKey: process.withoutDefaultKey)
        let context = try RouteContext(config: config, process: process, surviving: old.surviving)
        let router = try AppRouter.make(context)
        current.withLock { $0 = Current(config: config, router: router, surviving: context.surviving) }
        // Trusted proxies change at once, for the per-client connection limit too.
        server.withLock { $0.server }?.perClientLimitExempt = config.server.trustedProxyRanges
        return needsRestart
    }

    /// A reload keeps the accounts (and keys) the process started with: a form may not name another, nor go without
    /// one where the process has no default key.
    private static func checkAccounts(
        of config: AppConfig, path: String, withoutDefaultKey: Bool
    ) throws(AppConfig.Invalid) {
        var problems: [String] = []
        for id in config.forms.keys.sorted() {
            guard let form = config.forms[id] else { continue }
            if let account = form.heroAccount, config.hero.accounts[account] == nil {
                problems.append("forms.\(id).hero_account: \"\(account)\" is not an account of the running process; "
                    + "new accounts take effect on a restart")
            } else if form.heroAccount == nil && withoutDefaultKey {
                problems.append("forms.\(id).hero_account: not set, and the running process has no default key")
            }
        }
        guard problems.isEmpty else { throw AppConfig.Invalid(path: path, problems: problems) }
    }

    /// A server for this application; call `start()` on it.
    package func makeServer(logger: Logger) -> HTTPServer {
        let made = HTTPServer(
            configuration: config.httpConfiguration, responder: self, logger: logger, observer: metrics)
        server.withLock { $0.server = made }
        return made
    }

    /// The start-up summary: mode, data dir and forms with their measure and source.
    package var summary: [String] {
        let config = self.config
        return [
            "mode: \(mode.rawValue)"
                + (mode == .dryRun
                    ? " (no HERO_API_KEY: leads are stored but not sent to HERO)"
                    : ", HERO at \(config.hero.endpoint)"),
            "data dir: \(config.storage.dataDir) (outbox \(store.path))",
        ]
            + config.forms.keys.sorted().compactMap { id in
                config.forms[id].map { form in
                    let files = form.attachments.map {
                        ", files: up to \($0.maxFiles) × \($0.maxFileMegabytes) MB (\($0.typeList))"
                    }
                    return "form \(id): measure \(form.measure), source \"\(form.partnerSource)\", "
                        + form.language.rawValue + (files ?? "") + (form.heroAccount.map { ", account \($0)" } ?? "")
                }
            } + config.notes.map { "note: \($0)" }
    }

    /// Refuses proxy variables that HERO's client and the alert webhook would silently ignore (see
    /// `ProxySettings.problems`): better no start than leads sent past the proxy the operator set up.
    static func checkProxies(environment: [String: String], path: String) throws(AppConfig.Invalid) {
        let problems = ProxySettings.problems(inEnvironment: environment)
        guard problems.isEmpty else { throw AppConfig.Invalid(path: path, problems: problems) }
    }

    package static let version = "0.1.0"

    /// HERO's senders for leads and their files, the default account's and each named one's, sharing one client (and
    /// its connections) with the account's key; all do nothing in dry-run mode. Live without a default key, leads of
    /// forms without an account wait as for a refused key (check-config and the start refuse such a form).
    static func makeSenders(
        config: AppConfig, keys: HeroKeys
    ) -> (default: AccountSenders, accounts: [String: AccountSenders]) {
        let dryRun = AccountSenders(leads: DryRunSender(), files: DryRunSender())
        guard !keys.isDryRun, let endpoint = URL(string: config.hero.endpoint),
            let graphQL = URL(string: config.hero.graphQLEndpoint), let upload = URL(string: config.hero.uploadEndpoint)
        else { return (dryRun, config.hero.accounts.mapValues { _ in dryRun }) }
        let client = HeroClient(
            endpoint: endpoint, graphQLEndpoint: graphQL, uploadEndpoint: upload, apiKey: "",
            timeout: config.hero.callTimeout)
        // Each with its account's document type: HERO knows a type only in the account that made it.
        func senders(_ key: String, account: String?) -> AccountSenders {
            let keyed = client.withKey(key)
            return AccountSenders(
                leads: HeroProjectSender(client: keyed),
                files: HeroAttachmentSender(
                    client: keyed, documentTypeID: config.hero.documentTypeID(forAccount: account)))
        }
        let missing = MissingKeySender(
            reason: "no default key (HERO_API_KEY or hero.api_key_file) for forms without hero_account")
        return (
            keys.defaultKey.map { senders($0, account: nil) } ?? AccountSenders(leads: missing, files: missing),
            Dictionary(uniqueKeysWithValues: keys.accounts.map { ($0.key, senders($0.value, account: $0.key)) })
        )
    }
}