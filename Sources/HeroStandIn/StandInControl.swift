import FoundationEssentials
import HTTPServer
import JSON
import Synchronization

/// What scripts (benchmarks, the soak test) ask of a stand-in running as its own process, on loopback only:
/// - `GET /stats`: counts of calls, created projects, uploads and attachments;
/// - `GET /references`: how many projects were created per heroform reference (the `Referenz:` line heroform writes
///   into every project), so a script can check that no answered lead is missing and count the doubled ones;
/// - `POST /mode` with `{"mode": "up"}`, `{"mode": "slow", "ms": 3000}`, `{"mode": "failing", "status": 500}` or
///   `{"mode": "hang"}` (takes calls and answers none until the mode changes): how the Lead API behaves from now on.
extension HeroStandIn {
    func addControl(to router: inout Router) {
        router.get("/stats") { [self] _ in
            let (created, calls, uploads, attached) = state.withLock { state in
                (
                    state.calls.filter { $0.status == 200 }.count, state.calls.count, state.uploads.count,
                    state.attachments.count
                )
            }
            let stats: JSONValue = [
                "created": .number(Double(created)), "calls": .number(Double(calls)),
                "uploads": .number(Double(uploads)), "attached": .number(Double(attached)),
            ]
            return .json(Data(stats.serializedBytes()))
        }
        router.get("/references") { [self] _ in
            var counts: [String: Int] = [:]
            for project in createdProjects {
                guard let reference = Self.reference(in: project) else { continue }
                counts[reference, default: 0] += 1
            }
            return .json(Data(JSONValue.object(counts.mapValues { .number(Double($0)) }).serializedBytes()))
        }
        router.post("/mode") { [self] request in
            guard let mode = Self.mode(from: request.body.bytes) else {
                return .json(Data(#"{"error":"unknown mode"}"#.utf8), status: .badRequest)
            }
            self.mode = mode
            return .json(Data(#"{"status":"ok"}"#.utf8))
        }
    }

    /// The reference heroform names in a project's notes or logbook entry.
    static func reference(in project: JSONValue) -> String? {
        guard case .object(let root) = project, case .object(let match)? = root["project_match"] else { return nil }
        for key in ["partner_notes", "comment"] {
            guard let text = match[key]?.string else { continue }
            for line in text.split(separator: "\n") where line.hasPrefix("Referenz: ") {
                return String(line.dropFirst("Referenz: ".count).prefix { !$0.isWhitespace })
            }
        }
        return nil
    }

    static func mode(from body: [UInt8]) -> Mode? {
        guard case .object(let json)? = try? JSONValue.parse(body), let name = json["mode"]?.string else { return nil }
        switch name {
        case "up": return .up
        case "slow":
            guard let ms = json["ms"]?.integer, (0..<3_600_000).contains(ms) else { return nil }
            return .slow(.milliseconds(ms))
        case "failing":
            guard let status = json["status"]?.integer, (400..<600).contains(status) else { return nil }
            return .failing(status: status, message: "stand-in set to fail")
        case "hang": return .hanging
        default: return nil
        }
    }
}
