import FormCore
import Foundation
import HeroStandIn
import HTTPServer
import HTTPTesting
import Logging
import Outbox
@testable import HeroformApp

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A config like an operator's: the repository's Public folder, a German default form with every field and an
/// English one, HERO at `endpoint`.
func testConfig(endpoint: URL? = nil, successURL: String? = nil, dataDir: String = temporaryDataDir()) -> AppConfig {
    var config = AppConfig()
    config.storage.dataDir = dataDir
    config.server.publicDir = repositoryRoot.appendingPathComponent("Public").path
    if let endpoint { config.hero.endpoint = endpoint.absoluteString }
    config.hero.timeout = .seconds(2)
    config.forms["default"] = FormDefinition(id: "default", measure: "DOG", partnerSource: "Kontaktformular Website",
                                             title: "Dachanfrage", privacyURL: "https://dach.example/datenschutz",
                                             successURL: successURL)
    config.forms["english"] = FormDefinition(id: "english", measure: "SAN", partnerSource: "Website EN", language: .en,
                                             shownFields: [.firstName, .lastName, .email, .zipcode, .message, .consent])
    return config
}

/// The tests' form-token secret (set as HEROFORM_SECRET), so tests can sign tokens like the pages do.
let testSecret = "test-secret-0123456789abcdef-0123456789"

/// A token for `form` handed out 10 s ago: old enough for the 3 s minimum, young enough for 24 h.
func token(_ form: String = "default", age: TimeInterval = 10) -> String {
    FormToken(secret: Array(testSecret.utf8), minimumAge: 0, maximumAge: 1).issue(formID: form, at: Date().addingTimeInterval(-age))
}

func temporaryDataDir() -> String {
    NSTemporaryDirectory() + "heroform-data-\(UUID().uuidString)"
}

/// Runs a test against the whole application in process (no sockets: requests go through the server's parser
/// straight to the app), with HERO's stand-in behind it and a fresh outbox in a temporary data dir.
/// `heroTimeout` is long by default: the wait for HERO ends as soon as the stand-in answers, and under the
/// parallel suite's load on two cores a short wait would turn a delivered lead into a queued one now and then.
/// `accounts` (name → key) are further HERO accounts: the stand-in takes their keys too, the app sends with them.
/// `accountDocumentTypeIDs` (name, `default` too → ids) gives an account the stand-in's document types of its own.
func withApp<T>(live: Bool = true, successURL: String? = nil, logger: Logger? = nil,
                heroTimeout: Duration = .seconds(30), retryPolicy: RetryPolicy? = nil,
                accounts: [String: String] = [:], accountDocumentTypeIDs: [String: Set<Int>] = [:],
                configure: (inout AppConfig) -> Void = { _ in },
                _ body: (InProcessClient, HeroStandIn, HeroformApplication) async throws -> T) async throws -> T {
    try await withAppAndHero(live: live, successURL: successURL, logger: logger, heroTimeout: heroTimeout,
                             retryPolicy: retryPolicy, accounts: accounts,
                             accountDocumentTypeIDs: accountDocumentTypeIDs, configure: configure) { hero, app in
        // Spooling as the server does, so uploads over the threshold arrive as files here too.
        let client = InProcessClient(app, observer: app.metrics, configuration: app.config.httpConfiguration)
        return try await body(client, hero, app)
    }
}

/// The same over a real socket: for the few tests of what only a connection does (the access log, the server's
/// own framing), end to end.
func withAppOverSockets<T>(logger: Logger? = nil, configure: (inout AppConfig) -> Void = { _ in },
                           _ body: (HTTPServer, HeroStandIn, HeroformApplication) async throws -> T) async throws -> T {
    try await withAppAndHero(live: true, successURL: nil, logger: logger, heroTimeout: .seconds(30),
                             configure: configure) { hero, app in
        // Spooling as the real server does, so uploads over the threshold arrive as files.
        let spool = app.config.storage.spoolDirectory
        return try await TestServer.with(
            app, logger: logger, observer: app.metrics, configure: { $0.bodySpoolDirectory = spool }
        ) { server in try await body(server, hero, app) }
    }
}

private func withAppAndHero<T>(live: Bool, successURL: String?, logger: Logger?, heroTimeout: Duration,
                               retryPolicy: RetryPolicy? = nil, accounts: [String: String] = [:],
                               accountDocumentTypeIDs: [String: Set<Int>] = [:],
                               configure: (inout AppConfig) -> Void,
                               _ body: (HeroStandIn, HeroformApplication) async throws -> T) async throws -> T {
    // The stand-in's document types by key, as `accountDocumentTypeIDs` gives them by account.
    let types = Dictionary(uniqueKeysWithValues: accountDocumentTypeIDs.compactMap { name, ids in
        (name == AppConfig.defaultAccountName ? "test-api-key-123" : accounts[name]).map { ($0, ids) }
    })
    let hero = HeroStandIn(apiKey: "test-api-key-123", otherKeys: accounts.keys.sorted().compactMap { accounts[$0] },
                           accountDocumentTypeIDs: types)
    let endpoint = try hero.start()
    // Stopped, awaited, also when the app cannot be made or the test throws.
    return try await hero.runThenStop {
        var quiet = Logger(label: "app")
        quiet.logLevel = .critical
        var config = testConfig(endpoint: endpoint, successURL: successURL)
        config.hero.timeout = heroTimeout
        config.hero.graphQLEndpoint = hero.graphQLEndpoint.absoluteString
        config.hero.uploadEndpoint = hero.uploadEndpoint.absoluteString
        configure(&config)
        defer { try? FileManager.default.removeItem(atPath: config.storage.dataDir) }
        for name in accounts.keys {
            // What `configure` gave the account (its document type) stays; the key is the harness's.
            config.hero.accounts[name, default: .init(key: .environment(""))].key =
                .environment("HERO_API_KEY_\(name)")
        }
        let app = try HeroformApplication(config: config, apiKey: live ? hero.apiKey : nil,
                                          accountKeys: live ? accounts : [:], logger: logger ?? quiet,
                                          retryPolicy: retryPolicy, environment: ["HEROFORM_SECRET": testSecret])
        do {
            let result = try await body(hero, app)
            await app.stop()
            return result
        } catch {
            await app.stop()
            throw error
        }
    }
}

/// Something that takes a request's exact bytes and gives the answer: the in-process client, or a server on a
/// socket.
protocol RequestSender {
    func exchange(_ request: String) async throws -> RawResponse
}

extension InProcessClient: RequestSender {
    func exchange(_ request: String) async throws -> RawResponse { try await send(request) }
}

extension HTTPServer: RequestSender {
    func exchange(_ request: String) async throws -> RawResponse {
        let client = try await RawClient.connect(port: port)
        try await client.send(request)
        return try await client.readResponse()
    }
}

/// Sends one request and reads the answer.
func exchange(_ target: some RequestSender, _ request: String) async throws -> RawResponse {
    try await target.exchange(request)
}

/// Posts to /leads. A valid `_token` for `form` is added to urlencoded and JSON bodies unless `signed` is false.
func post(_ server: some RequestSender, _ body: String, contentType: String = "application/x-www-form-urlencoded",
          accept: String? = nil, extraHeaders: String = "", form: String = "default", signed: Bool = true) async throws -> RawResponse {
    var body = body
    if signed {
        if contentType.hasPrefix("application/x-www-form-urlencoded") {
            body += (body.isEmpty ? "" : "&") + "_token=" + token(form)
        } else if contentType.hasPrefix("application/json"), body.hasPrefix("{") {
            body = "{\"_token\":\"\(token(form))\"" + (body == "{}" ? "}" : "," + body.dropFirst())
        }
    }
    let bytes = Array(body.utf8)
    let acceptLine = accept.map { "Accept: \($0)\r\n" } ?? ""
    return try await exchange(server, "POST /leads HTTP/1.1\r\nHost: forms.example\r\nContent-Type: \(contentType)\r\n\(acceptLine)\(extraHeaders)Content-Length: \(bytes.count)\r\n\r\n\(body)")
}

func urlencoded(_ fields: [(String, String)]) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
}

func jsonObject(_ response: RawResponse) -> [String: Any]? {
    (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
}
