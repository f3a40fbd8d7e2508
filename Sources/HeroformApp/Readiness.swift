import FoundationEssentials
import Glibc
import HTTPServer
import JSON
import Outbox

/// `GET /readyz`: can this instance take leads? 503 only when it cannot store them. A key HERO refuses shows as
/// `degraded` with 200: leads are still stored safely, and taking the instance out of a load balancer would turn
/// visitors away for nothing.
enum Readiness {
    static func check(store: OutboxStore, worker: DeliveryWorker, mode: HeroformApplication.Mode) async -> HTTPResponse
    {
        // A real write, committed: the write lock alone is had on a full disk too.
        let writable = (try? await store.perform { try $0.probeWrite() }) != nil
        let counts = try? await store.perform { try $0.counts() }
        let files = try? await store.perform { try $0.fileCounts() }
        let health = worker.health
        let rejected = health.keyRejected || health.filesKeyRejected
        let status = !writable ? "not ready" : rejected ? "degraded" : "ready"
        var hero: [String: JSONValue] = [
            "key_rejected": .bool(health.keyRejected), "files_key_rejected": .bool(health.filesKeyRejected),
        ]
        if let error = health.lastError { hero["last_error"] = .string(error) }
        let body: JSONValue = [
            "status": .string(status),
            "mode": .string(mode.rawValue),
            "storage": .string(writable ? "ok" : "not writable"),
            "outbox": [
                "pending": .number(Double(counts?.pending ?? -1)), "failed": .number(Double(counts?.failed ?? -1)),
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
