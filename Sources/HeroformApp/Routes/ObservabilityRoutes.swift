import FoundationEssentials
import HTTPServer
import Outbox

/// `GET /healthz` (liveness, for everyone), and `GET /readyz` and `GET /metrics` (only for those
/// `ObservabilityAccess` lets in).
struct ObservabilityRoutes {
    let context: RouteContext

    init(_ context: RouteContext) { self.context = context }

    static let healthz = HTTPResponse(
        status: .ok, headers: ["Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"],
        body: Array("ok\n".utf8))

    func add(to group: inout RouteGroup) {
        let (store, worker, mode, metrics) = (context.store, context.worker, context.mode, context.metrics)
        let now = context.now
        let accounts = context.accounts
        group.get("/readyz") { _ in
            await Readiness.check(store: store, worker: worker, mode: mode, accounts: accounts, now: now())
        }
        group.get("/metrics") { _ in
            let counts = (try? await store.perform { try $0.counts() }) ?? OutboxStore.Counts()
            let outbox = ["pending": counts.pending, "failed": counts.failed, "delivered": counts.delivered]
            let files = (try? await store.perform { try $0.fileCounts() }) ?? (0, 0)
            let health = worker.health
            var delivery = Metrics.DeliveryGauges()
            delivery.circuit = health.circuit.rawValue
            delivery.callsInFlight = health.callsInFlight
            delivery.accounts = Readiness.states(accounts: accounts, health)
            let instant = now()
            delivery.oldestPendingSeconds = (try? await store.perform { try $0.oldestPendingAge(now: instant) }) ?? 0
            let text = metrics.render(
                outbox: outbox, files: files, delivery: delivery, mode: mode.rawValue,
                version: HeroformApplication.version)
            return HTTPResponse(
                status: .ok,
                headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8", "Cache-Control": "no-store"],
                body: Array(text.utf8))
        }
    }
}
