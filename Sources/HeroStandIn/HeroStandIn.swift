package import FoundationEssentials
package import HTTPServer
package import JSON
import Logging
import Synchronization

/// A local stand-in for HERO that enforces the contract we know, for tests and benchmarks, over real sockets.
///
/// - Lead API (`POST /api/v1/Projects/create`, docs plus what public integrations show): Bearer key, JSON in and
///   out, `customer.email` and `address.zipcode` required, no empty strings, no unknown keys, and a new project id
///   for every accepted call (HERO does not deduplicate). Each project gets a project_match with an id of its own.
/// - File uploads (`POST /app/v8/FileUploads/upload`) and the GraphQL subset that looks up a project_match and
///   attaches uploads to it, as `hero-file-api.txt` describes them: see `StandInUploads.swift` and
///   `StandInGraphQL.swift`.
///
/// Every call is recorded with its answer, and so are projects, uploads and attachments, so a test can assert what
/// HERO would show; modes per endpoint make each step fail (and recover when set back to `.up`).
package final class HeroStandIn: Sendable {
    package static let path = "/api/v1/Projects/create"
    package static let uploadPath = "/app/v8/FileUploads/upload"
    package static let graphQLPath = "/api/external/v7/graphql"

    /// How the stand-in behaves for the next calls.
    package enum Mode: Sendable, Equatable {
        case up
        /// Answers correctly, after a delay.
        case slow(Duration)
        /// Answers every call with this status and `{"status":"error","message":...}`.
        case failing(status: Int, message: String)
        /// Answers 200 but without `"status":"success"`.
        case okWithoutSuccess
        /// Takes calls and answers none while it lasts, like a server stalled on a lock; when the mode changes,
        /// the stalled calls are answered as the new mode says (at most an hour later).
        case hanging
    }

    /// A call as received, whatever the answer was.
    package struct Call: Sendable {
        package let headers: HTTPHeaders
        package let body: [UInt8]
        package let status: Int
        /// The body as a JSON object, when it is one.
        package var json: JSONValue? {
            guard let value = try? JSONValue.parse(body, lastKeyWins: true), case .object = value else { return nil }
            return value
        }
    }

    package let apiKey: String
    /// Every key the stand-in takes (`apiKey` first): one per HERO account. Projects, uploads and attachments
    /// belong to the account whose key made them, and another account's key does not see them, as in HERO.
    package let apiKeys: [String]
    /// The account's document types: `upload_document` takes only these ids.
    package let documentTypeIDs: Set<Int>
    /// Accounts (by key) with document types of their own instead of `documentTypeIDs`: in HERO each account has
    /// its own, and another account's id is unknown there.
    package let accountDocumentTypeIDs: [String: Set<Int>]
    /// The largest upload body read (larger ones get 413 before they are read).
    package let uploadBodyLimit: Int
    /// Whether uploads keep their bytes (tests compare them); without, only size and SHA-256 are kept.
    package let keepsUploadBytes: Bool
    let state = Mutex(State())
    private let port: UInt16

    struct State {
        var mode = Mode.up
        var uploadMode = UploadMode.up
        var graphQLModes: [GraphQLOperation: GraphQLMode] = [:]
        var calls: [Call] = []
        var uploadCalls: [Call] = []
        var graphQLCalls: [Call] = []
        var nextID = 1000
        var projects: [ProjectMatch] = []
        var nextMatchID = 70_000
        var nextProjectNumber = 1766
        var uploads: [Upload] = []
        var nextUploadID = 45_237_000
        var attachments: [Attachment] = []
        var nextAttachmentID = 9_100_000
        /// Set while listening. The server's responder holds the stand-in: `stop` lets go of it, which ends
        /// the cycle.
        var server: HTTPServer?
        /// The port last listened on: `start()` again takes it, and the endpoints keep naming it while stopped.
        var boundPort: UInt16?
        /// Keys answered 401 now (`refuse(key:)`), as HERO does for a revoked key.
        var refusedKeys: Set<String> = []
        var inFlight = 0
        var peakInFlight = 0
    }

    /// `port` 0 picks a free one.
    package init(
        apiKey: String = "test-key", otherKeys: [String] = [], port: UInt16 = 0,
        documentTypeIDs: Set<Int> = [1_250_455], accountDocumentTypeIDs: [String: Set<Int>] = [:],
        uploadBodyLimit: Int = 64 * 1024 * 1024, keepsUploadBytes: Bool = true
    ) {
        self.apiKey = apiKey
        apiKeys = [apiKey] + otherKeys
        self.port = port
        self.documentTypeIDs = documentTypeIDs
        self.accountDocumentTypeIDs = accountDocumentTypeIDs
        self.uploadBodyLimit = uploadBodyLimit
        self.keepsUploadBytes = keepsUploadBytes
    }

    /// Starts listening on loopback; returns the Lead API's URL. `withControl` adds what scripts use (see
    /// `StandInControl.swift`): `GET /stats`, `GET /references` and `POST /mode`.
    @discardableResult
    package func start(withControl: Bool = false) throws -> URL {
        var router = Router(defaultBodyLimit: 1024 * 1024)
        router.post(Self.path) { [self] request in await self.handle(request) }
        router.post(Self.uploadPath, bodyLimit: uploadBodyLimit) { [self] request in await self.handleUpload(request) }
        router.post(Self.graphQLPath) { [self] request in await self.handleGraphQL(request) }
        if withControl { addControl(to: &router) }
        var quiet = Logger(label: "hero-stand-in")
        quiet.logLevel = .critical
        let boundPort = state.withLock { $0.boundPort } ?? port
        let server = HTTPServer(
            configuration: HTTPServerConfiguration(host: "127.0.0.1", port: boundPort),
            responder: Responder(router: router, standIn: self), logger: quiet
        )
        try server.start()
        state.withLock { state in
            state.server = server
            state.boundPort = server.port
        }
        return endpoint
    }

    /// Answers every call with `key` 401 from now on (a revoked key), until `accept(key:)`.
    package func refuse(key: String) { state.withLock { _ = $0.refusedKeys.insert(key) } }

    package func accept(key: String) { state.withLock { _ = $0.refusedKeys.remove(key) } }

    /// The account key `given` names, when it is one of the stand-in's keys and not refused.
    func account(_ given: String?) -> String? {
        guard let given, apiKeys.contains(given) else { return nil }
        return state.withLock { $0.refusedKeys.contains(given) } ? nil : given
    }

    /// The key of a `Bearer` header, checked like `account`.
    func account(bearer header: String?) -> String? {
        guard let header, header.hasPrefix("Bearer ") else { return nil }
        return account(String(header.dropFirst("Bearer ".count)))
    }

    /// Stops listening: calls now fail to connect, as when HERO is down. `start()` again reuses the port. Returns
    /// once the server's threads and descriptors are gone.
    package func stop() async {
        let server = state.withLock { state in
            defer { state.server = nil }
            return state.server
        }
        await server?.shutdown(gracePeriod: .seconds(1))
    }

    /// Runs `body`, then stops the stand-in, whether `body` returned or threw: a test's stand-in is stopped, and
    /// awaited, before the test ends.
    package func runThenStop<T>(_ body: () async throws -> T) async rethrows -> T {
        do {
            let result = try await body()
            await stop()
            return result
        } catch {
            await stop()
            throw error
        }
    }

    /// The Lead API's URL.
    package var endpoint: URL { url(Self.path) }

    package var uploadEndpoint: URL { url(Self.uploadPath) }

    package var graphQLEndpoint: URL { url(Self.graphQLPath) }

    private func url(_ path: String) -> URL {
        let bound = state.withLock { $0.boundPort } ?? port
        return URL(string: "http://127.0.0.1:\(bound)\(path)") ?? URL(fileURLWithPath: "/")
    }

    package var mode: Mode {
        get { state.withLock { $0.mode } }
        set { state.withLock { $0.mode = newValue } }
    }

    package var calls: [Call] { state.withLock { $0.calls } }

    /// Projects created so far through the Lead API (the bodies of successful calls).
    package var createdProjects: [JSONValue] { calls.filter { $0.status == 200 }.compactMap(\.json) }

    /// Calls being answered now (stalled ones included).
    package var callsInFlight: Int { state.withLock { $0.inFlight } }

    /// The most calls that were being answered at one moment.
    package var peakConcurrentCalls: Int { state.withLock { $0.peakInFlight } }

    private func handle(_ request: HTTPRequest) async -> HTTPResponse {
        enter()
        defer { leave() }
        var mode = self.mode
        let stalledUntil = ContinuousClock.now + .seconds(3600)
        while mode == .hanging, ContinuousClock.now < stalledUntil {
            try? await Task.sleep(for: .milliseconds(20))
            mode = self.mode
        }
        if case .slow(let delay) = mode { try? await Task.sleep(for: delay) }
        let (status, answer) = evaluate(request, mode: mode)
        state.withLock { $0.calls.append(Call(headers: request.headers, body: request.body.bytes, status: status)) }
        return .json(Data(answer.serializedBytes()), status: HTTPStatus(status, status == 200 ? "OK" : "Error"))
    }

    /// Counts a call in flight (all endpoints), for `peakConcurrentCalls`.
    func enter() {
        state.withLock { state in
            state.inFlight += 1
            state.peakInFlight = max(state.peakInFlight, state.inFlight)
        }
    }

    func leave() {
        state.withLock { $0.inFlight -= 1 }
    }

    private func evaluate(_ request: HTTPRequest, mode: Mode) -> (Int, JSONValue) {
        func error(_ status: Int, _ message: String) -> (Int, JSONValue) {
            (status, ["status": "error", "message": .string(message)])
        }
        if case .failing(let status, let message) = mode { return error(status, message) }
        guard let account = account(bearer: request.headers["Authorization"]) else {
            return error(401, "Unauthenticated.")
        }
        guard request.headers["Content-Type"]?.lowercased().hasPrefix("application/json") == true else {
            return error(415, "Content-Type must be application/json")
        }
        guard request.headers["Accept"]?.lowercased().contains("application/json") == true else {
            return error(406, "Accept must include application/json")
        }
        // Read as HERO's PHP reads it: of repeated keys, the last wins.
        guard let body = try? JSONValue.parse(request.body.bytes, lastKeyWins: true),
            case .object(let json) = body
        else {
            return error(400, "Ungültiges JSON")
        }
        if let problem = Self.contractProblem(json) { return error(400, problem) }
        let measure = json["measure"]?.string ?? ""
        if mode == .okWithoutSuccess {
            return (200, ["status": "error", "message": "Projekt konnte nicht angelegt werden"])
        }
        let id = state.withLock { state -> Int in
            state.nextID += 1
            state.addProject(id: state.nextID, measure: measure, account: account)
            return state.nextID
        }
        return (200, ["status": "success", "id": .number(Double(id))])
    }

    private static let allowedKeys: [String: Set<String>] = [
        "customer": ["email", "title", "first_name", "last_name", "company_name", "phone_home", "phone_mobile"],
        "address": ["street", "city", "zipcode", "country_code"],
        "projectaddress": ["street", "city", "zipcode", "country_code"],
        "project_match": ["comment", "partner_notes", "partner_source"],
    ]

    /// The first way `json` breaks the contract, in HERO's words where we know them.
    static func contractProblem(_ json: [String: JSONValue]) -> String? {
        for key in json.keys where key != "measure" && allowedKeys[key] == nil { return "Unbekanntes Feld: \(key)" }
        guard let measure = json["measure"]?.string, !measure.isEmpty else { return "Fehlendes Gewerk (measure)" }
        for (object, keys) in allowedKeys {
            guard let value = json[object] else { continue }
            guard case .object(let nested) = value else { return "\(object) muss ein Objekt sein" }
            for (key, field) in nested {
                guard keys.contains(key) else { return "Unbekanntes Feld: \(object).\(key)" }
                guard let text = field.string else { return "\(object).\(key) muss ein Text sein" }
                if text.isEmpty { return "Leerer Wert: \(object).\(key)" }
            }
        }
        guard json["customer"]?["email"]?.string != nil else { return "Fehlende E-Mail-Adresse" }
        guard json["address"]?["zipcode"]?.string != nil else { return "Fehlende Postleitzahl" }
        return nil
    }
}

/// The router, with the upload route's body limit lowered while `UploadMode.refusingLargerThan` is set: the server
/// then answers 413 from the head alone, before reading the body, as a proxy's size limit does.
private struct Responder: HTTPResponder {
    let router: Router
    let standIn: HeroStandIn

    func bodyLimit(for head: HTTPRequestHead) -> Int {
        if head.path == HeroStandIn.uploadPath, case .refusingLargerThan(let limit) = standIn.uploadMode {
            return limit
        }
        return router.bodyLimit(for: head)
    }

    func respond(to request: HTTPRequest) async -> HTTPResponse {
        await router.respond(to: request)
    }
}
