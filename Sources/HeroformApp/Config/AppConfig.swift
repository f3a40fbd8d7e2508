package import FormCore
package import FoundationEssentials
import Glibc
package import HTTPServer
import JSON
import Sockets

/// Everything the config file says, checked. Built only by `AppConfig.load` / `AppConfig.parse`.
///
/// Timeouts and grace periods are `Duration`s, as the HTTP server, the HERO client and `Task.sleep` take them;
/// ages and windows measured against `Date`s are `TimeInterval`s. The file's whole seconds, hours and days are
/// converted once, in `parse`, so no caller multiplies.
package struct AppConfig: Sendable {
    /// The config file counts some ages in hours or days.
    package static let secondsPerHour: TimeInterval = 3600
    package static let secondsPerDay: TimeInterval = 86_400

    package struct Server: Sendable, Equatable {
        package var host = "127.0.0.1"
        package var port = 8080
        package var publicDir = "Public"
        package var keepAliveTimeout: Duration = .seconds(5)
        package var maxConnections = 10_000
        /// Connections one client (an IPv4 address, an IPv6 /64) may hold at once; 0: no limit. Trusted proxies
        /// are exempt.
        package var maxConnectionsPerClient = 64
        /// How long requests in flight may take to finish after SIGTERM before their connections are cut.
        package var shutdownGracePeriod: Duration = .seconds(10)
        /// Reverse proxies whose `X-Forwarded-For` is believed (addresses or CIDR ranges).
        package var trustedProxies: [String] = []

        /// `trustedProxies` as ranges (the reader took only what parses).
        var trustedProxyRanges: [IPRange] { trustedProxies.compactMap(IPRange.init) }
    }

    package struct Hero: Sendable, Equatable {
        package var endpoint = "https://login.hero-software.de/api/v1/Projects/create"
        /// How long a visitor waits for HERO before being told "queued".
        package var timeout: Duration = .seconds(10)
        /// How long the call itself may run on in the background. Longer than the visitor's wait, because a call
        /// abandoned while HERO still works on it would be retried and could create the project twice.
        package var callTimeout: Duration { max(.seconds(60), timeout * 3) }
        /// A file holding the API key (a Docker secret, say); `HERO_API_KEY` wins when both are set.
        package var apiKeyFile: String?
        /// Further accounts by name (`hero.accounts`); see `HeroAccounts.swift`.
        package var accounts: [String: Account] = [:]
        /// HERO's GraphQL API: finds a project's project_match and attaches uploaded files to it.
        package var graphQLEndpoint = "https://login.hero-software.de/api/external/v7/graphql"
        /// HERO's file upload, where a file's bytes go before they are attached.
        package var uploadEndpoint = "https://login.hero-software.de/app/v8/FileUploads/upload"
        /// The HERO document type PDFs are filed under (it differs per HERO account): the default account's, and that
        /// of any account without its own (`hero.accounts.NAME.document_type_id`). Without one a form takes no PDFs.
        package var documentTypeID: Int?
        /// Calls to HERO in flight at most, for leads and files, inline and in the background together. A backlog
        /// drains at about this many leads per HERO round trip.
        package var maxConcurrentCalls = 8
    }

    package struct Storage: Sendable, Equatable {
        /// Holds `outbox.sqlite3` (and later the form secret). Back it up; keep it private.
        package var dataDir = "data"
        /// A lead that cannot be delivered for this long becomes `failed`.
        package var maxAge: TimeInterval = 7 * AppConfig.secondsPerDay
        /// Delivered leads keep their personal data this long, then only reference, status and times remain.
        package var retention: TimeInterval = 30 * AppConfig.secondsPerDay

        /// Where large request bodies are spooled while they arrive (created at start-up, 0700).
        package var spoolDirectory: String { dataDir.hasSuffix("/") ? dataDir + "tmp" : dataDir + "/tmp" }
    }

    package struct Alerts: Sendable, Equatable {
        package var webhookURL: String?
        /// How long HERO may be unreachable before the webhook hears of it (and then again when it is back).
        package var outageAfter: TimeInterval = 15 * 60
    }

    package struct Security: Sendable, Equatable {
        /// A form sent sooner than this after it was handed out is refused (bots are fast).
        package var minFillTime: TimeInterval = 3
        /// A form sent longer than this after it was handed out is refused.
        package var tokenMaxAge: TimeInterval = 24 * AppConfig.secondsPerHour
        /// Company sites that may embed the form and send to it from their own JavaScript.
        package var allowedOrigins: [String] = []
        /// Submissions per client address and window.
        package var rateLimitSubmissions = 5
        package var rateLimitWindow: TimeInterval = 600
        /// Ask the form's script to solve a SHA-256 puzzle before sending (needs JavaScript in the browser).
        package var proofOfWork = false
        /// The puzzle's search space; the browser needs about half of it on average.
        package var proofOfWorkMaxNumber = 100_000
        /// Each form token is good for one accepted lead. Off only for load tests and benchmarks that send one
        /// token again and again; production keeps it on.
        package var singleUseTokens = true
    }

    package struct Observability: Sendable, Equatable {
        /// A bearer token that opens /metrics and /readyz from anywhere.
        package var token: String?
        /// Open /metrics and /readyz to everyone (for a private network only).
        package var allowRemote = false
    }

    package var server = Server()
    package var security = Security()
    package var observability = Observability()
    package var hero = Hero()
    package var storage = Storage()
    package var alerts = Alerts()
    /// By id; `default` is always there (it is the form at `/`).
    package var forms: [String: FormDefinition] = [:]
    /// Form looks by form id (absent: the default look).
    package var themes: [String: Theme] = [:]
    /// Serve `/demo`, a page showing the three ways to put the form on a site.
    package var demo = false
    /// What check-config and the start-up log point out about a valid config (a default that leaves something out).
    package var notes: [String] = []
    /// The folder the config file is in; relative paths in it are resolved against the working directory,
    /// like every other command-line path.
    package var sourcePath: String = ""

    package struct Invalid: Error, CustomStringConvertible {
        package let path: String
        package let problems: [String]
        package var description: String {
            "\(path): \(problems.count) problem\(problems.count == 1 ? "" : "s")\n"
                + problems.map { "  - \($0)" }.joined(separator: "\n")
        }
    }

    /// Reads and checks a config file; every problem is named with its key.
    package static func load(path: String) throws(Invalid) -> AppConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Invalid(path: path, problems: ["cannot read the file"])
        }
        var config = try parse(data, path: path)
        config.sourcePath = path
        return config
    }

    package static func parse(_ data: Data, path: String = "config") throws(Invalid) -> AppConfig {
        let parsed: JSONValue
        do {
            parsed = try JSONValue.parse(data)
        } catch {
            // Where, so the operator finds it: "not valid JSON: expected ',' or '}' at line 7, column 3".
            throw Invalid(path: path, problems: ["not valid JSON: \(error)"])
        }
        guard case .object(let root) = parsed else {
            throw Invalid(path: path, problems: ["the top level must be a JSON object"])
        }
        var reader = JSONObjectReader(root, path: "")
        var config = AppConfig()
        if var server = reader.object("server") {
            config.server.host = server.string("host") ?? config.server.host
            config.server.port = server.integer("port", in: 0...65535) ?? config.server.port
            config.server.publicDir = server.string("public_dir") ?? config.server.publicDir
            config.server.keepAliveTimeout =
                server.duration("keep_alive_timeout_seconds", in: 1...300)
                ?? config.server.keepAliveTimeout
            config.server.maxConnections =
                server.integer("max_connections", in: 1...1_000_000) ?? config.server.maxConnections
            config.server.maxConnectionsPerClient =
                server.integer("max_connections_per_client", in: 0...1_000_000)
                ?? config.server.maxConnectionsPerClient
            config.server.shutdownGracePeriod =
                server.duration("shutdown_grace_seconds", in: 0...300)
                ?? config.server.shutdownGracePeriod
            if let proxies = server.stringArray("trusted_proxies") {
                for proxy in proxies where IPRange(proxy) == nil {
                    server.problem("trusted_proxies", "\"\(proxy)\" is not an IP address or CIDR range")
                }
                config.server.trustedProxies = proxies
            }
            reader.absorb(server)
        }
        if var hero = reader.object("hero") {
            // All three carry the API key: https only (see `secureURLProblem`).
            let endpoints = [
                ("endpoint", \Hero.endpoint), ("graphql_endpoint", \Hero.graphQLEndpoint),
                ("upload_endpoint", \Hero.uploadEndpoint),
            ]
            for (key, path) in endpoints {
                guard let endpoint = hero.string(key) else { continue }
                if let problem = Self.secureURLProblem(endpoint) {
                    hero.problem(key, problem)
                } else {
                    config.hero[keyPath: path] = endpoint
                }
            }
            config.hero.documentTypeID = hero.integer("document_type_id", in: 1...Int(Int32.max))
            config.hero.timeout = hero.duration("timeout_seconds", in: 1...120) ?? config.hero.timeout
            // 16 is what HERO's HTTP client runs at once; more would only queue there.
            config.hero.maxConcurrentCalls =
                hero.integer("max_concurrent_calls", in: 1...16) ?? config.hero.maxConcurrentCalls
            config.hero.apiKeyFile = hero.string("api_key_file")
            if hero.string("api_key") != nil {
                hero.problem(
                    "api_key", "the API key must not be in the config file; set HERO_API_KEY or hero.api_key_file")
            }
            config.hero.accounts = Self.readAccounts(&hero)
            reader.absorb(hero)
        }
        if var security = reader.object("security") {
            config.security.minFillTime =
                security.timeInterval("min_fill_seconds", in: 0...3600)
                ?? config.security.minFillTime
            config.security.tokenMaxAge =
                security.timeInterval(
                    "token_max_age_hours", in: 1...720,
                    unit: secondsPerHour)
                ?? config.security.tokenMaxAge
            config.security.allowedOrigins = Self.readOrigins(&security) ?? []
            config.security.proofOfWork = security.bool("proof_of_work") ?? config.security.proofOfWork
            config.security.singleUseTokens = security.bool("single_use_tokens") ?? config.security.singleUseTokens
            config.security.proofOfWorkMaxNumber =
                security.integer("proof_of_work_max_number", in: 1_000...10_000_000)
                ?? config.security.proofOfWorkMaxNumber
            if var limit = security.object("rate_limit") {
                config.security.rateLimitSubmissions =
                    limit.integer("submissions", in: 1...100_000) ?? config.security.rateLimitSubmissions
                config.security.rateLimitWindow =
                    limit.timeInterval("per_seconds", in: 1...86_400)
                    ?? config.security.rateLimitWindow
                security.absorb(limit)
            }
            reader.absorb(security)
        }
        if var observability = reader.object("observability") {
            if let token = observability.string("token") {
                if token.utf8.count < 16 || !token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
                    observability.problem("token", "must be at least 16 visible ASCII characters")
                } else {
                    config.observability.token = token
                }
            }
            config.observability.allowRemote = observability.bool("allow_remote") ?? false
            reader.absorb(observability)
        }
        if var storage = reader.object("storage") {
            if let dir = storage.string("data_dir") {
                if dir.isEmpty {
                    storage.problem("data_dir", "must not be empty")
                } else {
                    config.storage.dataDir = dir
                }
            }
            config.storage.maxAge =
                storage.timeInterval("max_age_days", in: 1...365, unit: secondsPerDay)
                ?? config.storage.maxAge
            config.storage.retention =
                storage.timeInterval("retention_days", in: 1...3650, unit: secondsPerDay)
                ?? config.storage.retention
            reader.absorb(storage)
        }
        if var alerts = reader.object("alerts") {
            if let url = alerts.string("webhook_url") {
                // A webhook's URL is often its secret (Slack, Teams), and what it gets tells of failed leads.
                if let problem = Self.secureURLProblem(url) {
                    alerts.problem("webhook_url", problem)
                } else {
                    config.alerts.webhookURL = url
                }
            }
            config.alerts.outageAfter =
                alerts.timeInterval("outage_minutes", in: 1...1440, unit: 60) ?? config.alerts.outageAfter
            reader.absorb(alerts)
        }
        config.demo = reader.bool("demo") ?? false
        var formIDs: Set<String> = []
        if let forms = reader.objects("forms") {
            for (id, var form) in forms {
                formIDs.insert(id)
                if let (definition, theme) = FormConfig.read(
                    id: id, &form, hero: config.hero, notes: &config.notes)
                {
                    config.forms[id] = definition
                    if theme != Theme() { config.themes[id] = theme }
                }
                reader.absorb(form)
            }
        }
        checkFormAccounts(config, &reader)
        if !formIDs.contains("default") {
            reader.problem("forms.default", "missing: the form shown at / (needs at least measure and partner_source)")
        }
        let problems = reader.finish()
        guard problems.isEmpty else { throw Invalid(path: path, problems: problems) }
        return config
    }

    static func isHTTPURL(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased() else { return false }
        return (scheme == "http" || scheme == "https") && url.host?.isEmpty == false
    }

    /// Why `text` may not be where heroform sends a secret (HERO's API key, a webhook's URL), or nil when it may:
    /// an https URL, or plain http to a loopback address only (a stand-in on this machine, for tests), since over
    /// plain http anyone on the way reads the key.
    static func secureURLProblem(_ text: String) -> String? {
        guard isHTTPURL(text), let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host
        else { return "must be an https URL" }
        if scheme == "https" || isLoopback(host: host) { return nil }
        return "must be an https URL (plain http only to a loopback address: 127.0.0.0/8, ::1, localhost), "
            + "else the key travels readable"
    }

    /// `localhost`, `127.0.0.0/8` or `::1` (with or without brackets).
    static func isLoopback(host: String) -> Bool {
        var host = host.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" { return true }
        guard let bytes = IPRange.parseAddress(host) else { return false }
        return bytes.count == 4 ? bytes[0] == 127 : bytes == [UInt8](repeating: 0, count: 15) + [1]
    }

    /// `allowed_origins` of `reader` (global or a form's), each checked to be an origin.
    static func readOrigins(_ reader: inout JSONObjectReader) -> [String]? {
        guard let origins = reader.stringArray("allowed_origins") else { return nil }
        for origin in origins {
            if !origin.unicodeScalars.allSatisfy(\.isASCII) {
                // A browser sends an international domain name in its ASCII form; as written it would never match.
                reader.problem(
                    "allowed_origins",
                    "\"\(origin)\" is not in the form browsers send: write the host in its ASCII (punycode) form, "
                        + "as your domain registrar shows it (https://www.xn--…)")
            } else if !isOrigin(origin) {
                reader.problem(
                    "allowed_origins",
                    "\"\(origin)\" is not an origin like https://www.example.de (scheme and host, no path)")
            }
        }
        return origins
    }

    /// `scheme://host[:port]` with nothing after it.
    static func isOrigin(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else { return false }
        return (url.path.isEmpty || url.path == "/") && url.query == nil && url.fragment == nil && url.user == nil
    }

    /// The HERO API key from `HERO_API_KEY`, else from `hero.api_key_file`; nil means dry-run mode.
    package func apiKey(environment: [String: String]) throws(Invalid) -> String? {
        if let key = environment["HERO_API_KEY"]?.trimmingWhitespaceAndNewlines(), !key.isEmpty {
            return key
        }
        guard let file = hero.apiKeyFile else { return nil }
        switch Self.readKeyFile(file) {
        case .success(let key): return key
        case .failure(let problem): throw Invalid(path: sourcePath, problems: ["hero.api_key_file: \(problem)"])
        }
    }

    /// The spool holds this many of the largest bodies a form takes at once, and at least `minimumSpoolLimit`.
    static let spooledBodiesAtOnce = 16
    static let minimumSpoolLimit = 512 * 1024 * 1024

    package var httpConfiguration: HTTPServerConfiguration {
        var configuration = HTTPServerConfiguration(host: server.host, port: UInt16(server.port))
        configuration.keepAliveTimeout = server.keepAliveTimeout
        configuration.maxConnections = server.maxConnections
        configuration.maxConnectionsPerClient = server.maxConnectionsPerClient
        configuration.perClientLimitExempt = server.trustedProxyRanges
        // Uploads larger than the threshold wait in unnamed files here, not in memory.
        configuration.bodySpoolDirectory = storage.spoolDirectory
        // A form's files from a phone on a slow uplink take longer than a minute: the whole body may take as long as
        // the largest allowed one needs at 128 KB/s (at most 15 minutes); a pause between pieces still ends it after
        // `bodyTimeout`.
        if let largest = forms.values.compactMap(\.attachments?.bodyLimit).max() {
            let seconds = min(15 * 60, max(60, largest / (128 * 1024)))
            configuration.bodyTotalTimeout = .seconds(seconds)
            // Bodies are refused only once they are in (rate limit, form, token): the spool, on the outbox's disk,
            // holds at most this much at once, so a flood of large uploads cannot fill that disk first.
            configuration.bodySpoolLimit = max(Self.minimumSpoolLimit, Self.spooledBodiesAtOnce * largest)
        }
        // Text is never spooled: the lead endpoint reads it from memory.
        let text = forms.values.map(\.textBodyLimit).max() ?? 0
        configuration.bodySpoolThreshold = max(HTTPServerConfiguration.defaultBodySpoolThreshold, text)
        return configuration
    }
}
