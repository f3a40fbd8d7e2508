import FoundationEssentials
import Glibc
import HTTPServer
import JSON
import Outbox

/// `GET /readyz`: can this instance take leads? 503 only when it cannot store them. A key HERO refuses, or HERO being
/// unreachable (the circuit is open), shows as `degraded` with 200: leads are still stored safely, and taking the
/// instance out of a load balancer would turn visitors away for nothing.
enum Readiness {
    /// `accounts`: the HERO accounts with keys (`AppConfig.defaultAccountName` for the default key), each reported
    /// in `hero.accounts` as "ok", "key_rejected" (HERO refused its key for leads) or "files_key_rejected" (only
    /// for files), and so is any account whose key was refused or is missing though it is not among them (`states`).
    /// `hero.key_rejected` and `hero.files_key_rejected` say whether that holds for any account.
    static func check(
        store: OutboxStore, worker: DeliveryWorker, mode: HeroformApplication.Mode, accounts: [String], now: Date
    ) async -> HTTPResponse {
        // A real write, committed: the write lock alone is had on a full disk too.
        let writable = (try? await store.perform { try $0.probeWrite() }) != nil
        let counts = try? await store.perform { try $0.counts() }
        let waited = (try? await store.perform { try $0.oldestPendingAge(now: now) }) ?? 0
        let files = try? await store.perform { try $0.fileCounts() }
        let health = worker.health
        let keyRejected = health.keyRejected || !health.keyRejectedAccounts.isEmpty
        let filesKeyRejected = health.filesKeyRejected || !health.filesKeyRejectedAccounts.isEmpty
        let degraded = keyRejected || filesKeyRejected || health.circuit != .closed
        let status = !writable ? "not ready" : degraded ? "degraded" : "ready"
        var hero: [String: JSONValue] = [
            "key_rejected": .bool(keyRejected), "files_key_rejected": .bool(filesKeyRejected),
            "accounts": .object(states(accounts: accounts, health).mapValues { .string($0) }),
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

    /// Each account's state for `hero.accounts` (and `/metrics`): those in `accounts`, and any whose leads or files
    /// wait without a key though it is not among them — one that left the config, or the default account when only
    /// named accounts have keys (leads from before the accounts have it) — so the operator sees whose.
    static func states(accounts: [String], _ health: DeliveryWorker.Health) -> [String: String] {
        var named = Set(accounts).union(health.keyRejectedAccounts).union(health.filesKeyRejectedAccounts)
        if health.keyRejected || health.filesKeyRejected { named.insert(AppConfig.defaultAccountName) }
        return Dictionary(uniqueKeysWithValues: named.map { ($0, state(of: $0, health)) })
    }

    /// One account's state for `hero.accounts`.
    static func state(of account: String, _ health: DeliveryWorker.Health) -> String {
        let isDefault = account == AppConfig.defaultAccountName
        if isDefault ? health.keyRejected : health.keyRejectedAccounts.contains(account) { return "key_rejected" }
        if isDefault ? health.filesKeyRejected : health.filesKeyRejectedAccounts.contains(account) {
            return "files_key_rejected"
        }
        return "ok"
    }
}
