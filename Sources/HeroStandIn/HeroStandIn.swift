package import FoundationEssentials
package import HTTPServer
package import JSON
import Logging
import Synchronization

/// A local stand-in for HERO's Lead API that enforces the contract we know (docs plus what public integrations
/// show): Bearer key, JSON in and out, `customer.email` and `address.zipcode` required, no empty strings, no
/// unknown keys, and a new project id for every accepted call (HERO does not deduplicate).
package final class HeroStandIn: Sendable {
    package static let path = "/api/v1/Projects/create"

    /// How the stand-in behaves for the next calls.
    package enum Mode: Sendable, Equatable {
        case up
        /// Answers correctly, after a delay.
        case slow(Duration)
        /// Answers every call with this status and `{"status":"error","message":...}`.
        case failing(status: Int, message: String)
        /// Answers 200 but without `"status":"success"`.
        case okWithoutSuccess
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
    private let state = Mutex(State())
    private let port: UInt16

    private struct State {
        var mode = Mode.up
        var calls: [Call] = []
        var nextID = 1000
        var server: HTTPServer?
        var inFlight = 0
        var peakInFlight = 0
    }

    /// `port` 0 picks a free one.
    package init(apiKey: String = "test-key", port: UInt16 = 0) {
        self.apiKey = apiKey
        self.port = port
    }

    /// Starts listening on loopback; returns the endpoint URL. `withStats` adds `GET /stats` (counts only).
    @discardableResult
    package func start(withStats: Bool = false) throws -> URL {
        var router = Router(defaultBodyLimit: 1024 * 1024)
        router.post(Self.path) { [self] request in await self.handle(request) }
        if withStats {
            router.get("/stats") { [self] _ in
                let (created, calls) = state.withLock { state in
                    (state.calls.filter { $0.status == 200 }.count, state.calls.count)
                }
                let stats: JSONValue = ["created": .number(Double(created)), "calls": .number(Double(calls))]
                return .json(Data(stats.serializedBytes()))
            }
        }
        var quiet = Logger(label: "hero-stand-in")
        quiet.logLevel = .critical
        let boundPort = state.withLock { $0.server?.port } ?? port
        let server = HTTPServer(
            configuration: HTTPServerConfiguration(host: "127.0.0.1", port: boundPort), responder: router, logger: quiet
        )
        try server.start()
        state.withLock { $0.server = server }
        return endpoint
    }

    /// Stops listening: calls now fail to connect, as when HERO is down. `start()` again reuses the port.
    package func stop() async {
        guard let server = state.withLock({ $0.server }) else { return }
        await server.shutdown(gracePeriod: .seconds(1))
    }

    package var endpoint: URL {
        let bound = state.withLock { $0.server?.port } ?? port
        return URL(string: "http://127.0.0.1:\(bound)\(Self.path)") ?? URL(fileURLWithPath: "/")
    }

    package var mode: Mode {
        get { state.withLock { $0.mode } }
        set { state.withLock { $0.mode = newValue } }
    }

    package var calls: [Call] { state.withLock { $0.calls } }

    /// Projects created so far (successful calls).
    package var createdProjects: [JSONValue] { calls.filter { $0.status == 200 }.compactMap(\.json) }

    /// The most calls that were being answered at one moment.
    package var peakConcurrentCalls: Int { state.withLock { $0.peakInFlight } }

    private func handle(_ request: HTTPRequest) async -> HTTPResponse {
        state.withLock { state in
            state.inFlight += 1
            state.peakInFlight = max(state.peakInFlight, state.inFlight)
        }
        defer { state.withLock { $0.inFlight -= 1 } }
        let mode = self.mode
        if case .slow(let delay) = mode { try? await Task.sleep(for: delay) }
        let (status, answer) = evaluate(request, mode: mode)
        state.withLock { $0.calls.append(Call(headers: request.headers, body: request.body.bytes, status: status)) }
        return .json(Data(answer.serializedBytes()), status: HTTPStatus(status, status == 200 ? "OK" : "Error"))
    }

    private func evaluate(_ request: HTTPRequest, mode: Mode) -> (Int, JSONValue) {
        func error(_ status: Int, _ message: String) -> (Int, JSONValue) {
            (status, ["status": "error", "message": .string(message)])
        }
        if case .failing(let status, let message) = mode { return error(status, message) }
        guard request.headers["Authorization"] == "Bearer \(apiKey)" else { return error(401, "Unauthenticated.") }
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
        if mode == .okWithoutSuccess {
            return (200, ["status": "error", "message": "Projekt konnte nicht angelegt werden"])
        }
        let id = state.withLock { state -> Int in
            state.nextID += 1
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
