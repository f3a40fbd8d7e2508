import FoundationEssentials
import Glibc
import HTTPServer
import JSON
import Outbox

/// `GET /readyz`: can this instance take leads? 503 only when it cannot store them. A key HERO refuses, or HERO being
/// unreachable (the circuit is open), shows as `degraded` with 200: leads are still stored safely, and taking the
/// instance out of a load balancer would turn visitors away for nothing.
enum Readiness {
    static func check(
        store: OutboxStore, worker: DeliveryWorker, mode: HeroformApplication.Mode, now: Date
    ) async -> HTTPResponse {
        // A real write, committed: the write lock alone is had on a full disk too.
        let writable = (try? await store.perform { try $0.probeWrite() }) != nil
        let counts = try? await store.perform { try $0.counts() }
        let waited = (try? await store.perform { try $0.oldestPendingAge(now: now) }) ?? 0
        let files = try? await store.perform { try $0.fileCounts() }
        let health = worker.health
        let degraded = health.keyRejected || health.filesKeyRejected || health.circuit != .closed
        let status = !writable ? "not ready" : degraded ? "degraded" : "ready"
        var hero: [String: JSONValue] = [
            "key_rejected": .bool(health.keyRejected), "files_key_rejected": .bool(health.filesKeyRejected),
        ]
        if let error = health.lastError { hero["last_error"] = .string(error) }
        hero["circuit"] = .string(health.circuit.rawValue)
        if let since = health.unreachableSince {
            hero["unreachable_seconds"] = .number(max(0, now.timeIntervalSince(since)).rounded())
        }
        hero["calls_in_flight"] = .number(Double(health.callsInFlight))
        let body: JSONValue = [
            "status": .string(status),
            "mode": .string(mode.rawValue),
            "storage": .string(writable ? "ok" : "not writable"),
            "outbox": [
                "pending": .number(Double(counts?.pending ?? -1)), "failed": .number(Double(counts?.failed ?? -1)),
                "oldest_pending_seconds": .number(waited.rounded()),
            ],
            "files": [
                "pending": .number(Double(files?.pending ?? -1)), "failed": .number(Double(files?.failed ?? -1)),
            ],
            "hero": .object(hero),
        ]
        var response = HTTPResponse.json(Data(body.serialized().utf8), status: writable ? .ok : .serviceUnavailable)
        response.headers.set("Cache-Control", "no-store")
        return response
    }
}
