import Foundation
import HeroClient
import HeroStandIn
import Testing
@testable import Outbox

/// The worker against HERO's stand-in: every answer HERO can give, and the timing around them.
@Suite struct DeliveryWorkerTests {
    let outbox: TemporaryOutbox
    let hero: HeroStandIn
    let client: HeroClient
    let alerts = RecordingAlerts()

    init() throws {
        outbox = try TemporaryOutbox()
        hero = HeroStandIn()
        let endpoint = try hero.start()
        client = HeroClient(endpoint: endpoint, apiKey: hero.apiKey, timeout: .seconds(5))
    }

    func worker(policy: RetryPolicy = RetryPolicy(), clock: TestClock? = nil, retention: TimeInterval = 30 * 86400) -> DeliveryWorker {
        DeliveryWorker(store: outbox.store, sender: client, policy: policy, logger: quietLogger, retention: retention,
                       alerts: alerts, now: { clock?.now ?? Date() }, random: { 0.5 })
    }

    func stored(_ reference: String = "AAA-AAA-AAA", now: Date = Date()) throws -> String {
        try outbox.store.add(reference, now: now)
        return reference
    }

    @Test func deliversInlineWhenHeroIsUp() async throws {
        let reference = try stored()
        #expect(await worker().deliverNow(reference, deadline: .seconds(2)) == .delivered)
        let record = try #require(try outbox.store.find(reference))
        #expect(record.status == .delivered)
        #expect(record.heroID == 1001)
        #expect(record.attempts == 1)
        #expect(hero.createdProjects.count == 1)
        await hero.stop()
    }

    @Test(arguments: [(503, "Wartung"), (500, "Fehler"), (429, "Too Many Attempts.")])
    func serverErrorsAreRetriedWithBackoff(_ status: Int, _ message: String) async throws {
        hero.mode = .failing(status: status, message: message)
        let reference = try stored()
        let before = Date()
        #expect(await worker().deliverNow(reference, deadline: .seconds(2)) == .retryLater)
        let record = try #require(try outbox.store.find(reference))
        #expect(record.status == .pending)
        #expect(record.attempts == 1)
        #expect(record.lastError == "HTTP \(status)", "HERO's error text (\(message)) is not kept: it may echo personal data")
        let delay = record.nextAttemptAt.timeIntervalSince(before)
        #expect(delay > 25 && delay < 40)
        #expect(record.inFlightSince == nil)
        await hero.stop()
    }

    @Test func unreachableHeroIsRetried() async throws {
        let reference = try stored()
        await hero.stop()
        // Port 9 (discard) on loopback: nothing listens there. Not the stand-in's old port, which a test running in
        // parallel may already have been given again.
        let nowhere = try #require(URL(string: "http://127.0.0.1:9/api/v1/Projects/create"))
        let worker = DeliveryWorker(store: outbox.store, sender: HeroClient(endpoint: nowhere, apiKey: "k", timeout: .seconds(5)),
                                    logger: quietLogger)
        #expect(await worker.deliverNow(reference, deadline: .seconds(6)) == .retryLater)
        #expect(try outbox.store.find(reference)?.status == .pending)
        #expect(try outbox.store.find(reference)?.lastError == "cannot connect: Connection refused")
    }

    @Test func rejectedKeyKeepsLeadsAndIsReported() async throws {
        hero.mode = .failing(status: 401, message: "Unauthenticated.")
        let worker = worker()
        let first = try stored("AAA-AAA-AAA")
        let second = try stored("BBB-BBB-BBB")
        #expect(await worker.deliverNow(first, deadline: .seconds(2)) == .retryLater)
        #expect(await worker.deliverNow(second, deadline: .seconds(2)) == .retryLater)
        #expect(worker.health.keyRejected)
        let record = try #require(try outbox.store.find(first))
        #expect(record.status == .pending)
        #expect(record.nextAttemptAt.timeIntervalSinceNow > 800)
        #expect(record.lastError == "HERO refused the API key (HTTP 401)")
        // One alert for the problem, not one per lead.
        #expect(alerts.all == [.keyRejected(status: 401)])
        hero.mode = .up
        try outbox.store.resumeAfterRestart(now: Date())
        let third = try stored("CCC-CCC-CCC")
        #expect(await worker.deliverNow(third, deadline: .seconds(2)) == .delivered)
        #expect(!worker.health.keyRejected)
        await hero.stop()
    }

    @Test(arguments: [HeroStandIn.Mode.failing(status: 422, message: "Fehlende Postleitzahl"), .okWithoutSuccess])
    func refusedLeadsFailAtOnceWithHerosMessage(_ mode: HeroStandIn.Mode) async throws {
        hero.mode = mode
        let reference = try stored()
        #expect(await worker().deliverNow(reference, deadline: .seconds(2)) == .failed)
        let record = try #require(try outbox.store.find(reference))
        #expect(record.status == .failed)
        let expected = mode == .okWithoutSuccess ? "HERO rejected it (HTTP 200): Projekt konnte nicht angelegt werden"
                                                 : "HERO rejected it (HTTP 422): Fehlende Postleitzahl"
        #expect(record.lastError == expected)
        #expect(record.payload != nil, "kept for the operator")
        #expect(alerts.all.count == 1)
        if case .leadFailed(let ref, let form, _) = alerts.all.first {
            #expect(ref == reference)
            #expect(form == "default")
        } else {
            Issue.record("expected a lead_failed alert")
        }
        await hero.stop()
    }

    @Test func slowHeroGetsAnAnswerLaterWithoutASecondCall() async throws {
        // Slower than the visitor's deadline, faster than the client's own timeout (5 s).
        hero.mode = .slow(.milliseconds(1500))
        let worker = worker()
        let reference = try stored()
        // `.retryLater` means the deadline ended the wait: had it waited for the call, the answer would be `.delivered`.
        #expect(await worker.deliverNow(reference, deadline: .milliseconds(300)) == .retryLater)
        #expect(try outbox.store.find(reference)?.status == .pending)
        // The background loop must not start a second call while the first is in flight.
        worker.start(pollInterval: .milliseconds(50))
        for _ in 0..<100 where try outbox.store.find(reference)?.status != .delivered {
            try await Task.sleep(for: .milliseconds(100))
        }
        await worker.stop()
        #expect(try outbox.store.find(reference)?.status == .delivered)
        #expect(hero.calls.count == 1)
        await hero.stop()
    }

    @Test func backgroundLoopDeliversWhenHeroComesBack() async throws {
        hero.mode = .failing(status: 503, message: "down")
        var policy = RetryPolicy()
        policy.firstDelay = 0.2
        policy.jitter = 0
        let worker = worker(policy: policy)
        let reference = try stored()
        #expect(await worker.deliverNow(reference, deadline: .seconds(2)) == .retryLater)
        worker.start(pollInterval: .milliseconds(100))
        try await Task.sleep(for: .milliseconds(100))
        hero.mode = .up
        for _ in 0..<50 where try outbox.store.find(reference)?.status != .delivered {
            try await Task.sleep(for: .milliseconds(100))
        }
        await worker.stop()
        #expect(try outbox.store.find(reference)?.status == .delivered)
        #expect(hero.createdProjects.count == 1)
        await hero.stop()
    }

    @Test func pendingLeadsFromBeforeARestartAreDeliveredAfterIt() async throws {
        hero.mode = .failing(status: 503, message: "down")
        let reference = try stored()
        #expect(await worker().deliverNow(reference, deadline: .seconds(2)) == .retryLater)
        hero.mode = .up
        // A new worker (a restarted process) delivers at once, not after the backoff.
        let restarted = worker()
        restarted.start(pollInterval: .milliseconds(100))
        for _ in 0..<50 where try outbox.store.find(reference)?.status != .delivered {
            try await Task.sleep(for: .milliseconds(50))
        }
        await restarted.stop()
        #expect(try outbox.store.find(reference)?.status == .delivered)
        #expect(hero.createdProjects.count == 1)
        await hero.stop()
    }

    @Test func wakeMakesTheSleepingLoopLookAtOnce() async throws {
        let worker = worker()
        worker.start(pollInterval: .seconds(30))
        try await Task.sleep(for: .milliseconds(200))
        // A lead stored behind the worker's back (the operator CLI, say), then a wake-up.
        let reference = try stored()
        worker.wake()
        for _ in 0..<50 where try outbox.store.find(reference)?.status != .delivered {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try outbox.store.find(reference)?.status == .delivered)
        await worker.stop()
        await hero.stop()
    }

    @Test func givesUpAfterMaxAge() async throws {
        hero.mode = .failing(status: 503, message: "down")
        let clock = TestClock()
        let reference = try stored(now: clock.now)
        clock.advance(7 * 86400 - 10)
        #expect(await worker(clock: clock).deliverNow(reference, deadline: .seconds(2)) == .failed)
        let record = try #require(try outbox.store.find(reference))
        #expect(record.status == .failed)
        #expect(record.lastError == "gave up after 1 attempts: HTTP 503")
        #expect(alerts.all.count == 1)
        await hero.stop()
    }

    @Test func stopWaitsForTheCallInFlight() async throws {
        hero.mode = .slow(.milliseconds(800))
        let worker = worker()
        let reference = try stored()
        #expect(await worker.deliverNow(reference, deadline: .milliseconds(100)) == .retryLater)
        await worker.stop(timeout: .seconds(5))
        #expect(try outbox.store.find(reference)?.status == .delivered)
        // After stop, nothing new starts.
        let later = try stored("BBB-BBB-BBB")
        #expect(await worker.deliverNow(later, deadline: .milliseconds(100)) == .retryLater)
        #expect(hero.calls.count == 1)
        await hero.stop()
    }

    @Test func retentionPurgeErasesOldDeliveredLeads() async throws {
        let clock = TestClock()
        let worker = worker(clock: clock, retention: 30 * 86400)
        let reference = try stored(now: clock.now)
        #expect(await worker.deliverNow(reference, deadline: .seconds(2)) == .delivered)
        #expect(await worker.purgeExpired() == 0)
        clock.advance(31 * 86400)
        #expect(await worker.purgeExpired() == 1)
        #expect(try outbox.store.find(reference)?.payload == nil)
        await hero.stop()
    }

    @Test func dryRunSenderCallsNobody() async throws {
        let worker = DeliveryWorker(store: outbox.store, sender: DryRunSender(), logger: quietLogger)
        let reference = try stored()
        #expect(await worker.deliverNow(reference, deadline: .seconds(1)) == .delivered)
        #expect(hero.calls.isEmpty)
        await hero.stop()
    }
}
