import Foundation
import Testing
@testable import Outbox

/// The worker against a fake receiver: every outcome a sending can have, and the timing around them. The same
/// against HERO's stand-in over HTTP is in HeroformAppTests (HeroProjectSenderTests).
@Suite struct DeliveryWorkerTests {
    let outbox: TemporaryOutbox
    let sender = FakeSender()
    let alerts = RecordingAlerts()

    init() throws {
        outbox = try TemporaryOutbox()
    }

    func worker(policy: RetryPolicy = RetryPolicy(), clock: TestClock? = nil,
                retention: TimeInterval = 30 * 86400) -> DeliveryWorker {
        DeliveryWorker(store: outbox.store, sender: sender, policy: policy, logger: quietLogger, retention: retention,
                       alerts: alerts, now: { clock?.now ?? Date() }, random: { 0.5 })
    }

    func stored(_ reference: String = "AAA-AAA-AAA", now: Date = Date()) async throws -> String {
        _ = try await outbox.store.perform { try $0.add(reference, now: now) }
        return reference
    }

    /// Waits (up to `tries` × `pause`) for the lead to be delivered.
    func waitForDelivery(_ reference: String, tries: Int, pause: Duration) async throws {
        for _ in 0..<tries where try await outbox.store.record(reference)?.status != .delivered {
            try await Task.sleep(for: pause)
        }
    }

    @Test func deliversInlineWhenHeroIsUp() async throws {
        let reference = try await stored()
        #expect(await worker().deliverNow(reference, deadline: .seconds(30)) == .delivered)
        let record = try #require(try await outbox.store.record(reference))
        #expect(record.status == .delivered)
        #expect(record.externalID == 1001)
        #expect(record.attempts == 1)
        #expect(sender.delivered == 1)
    }

    @Test(arguments: ["HTTP 503", "HTTP 500", "timed out"])
    func serverErrorsAreRetriedWithBackoff(_ reason: String) async throws {
        sender.mode = .answering(.unavailable(reason: reason))
        let reference = try await stored()
        let before = Date()
        #expect(await worker().deliverNow(reference, deadline: .seconds(2)) == .retryLater)
        let record = try #require(try await outbox.store.record(reference))
        #expect(record.status == .pending)
        #expect(record.attempts == 1)
        #expect(record.lastError == reason)
        let delay = record.nextAttemptAt.timeIntervalSince(before)
        #expect(delay > 25 && delay < 40)
        #expect(record.inFlightSince == nil)
    }

    @Test func rejectedKeyKeepsLeadsAndIsReported() async throws {
        sender.mode = .answering(.keyRejected(reason: "HERO refused the API key (HTTP 401)"))
        let worker = worker()
        let first = try await stored("AAA-AAA-AAA")
        let second = try await stored("BBB-BBB-BBB")
        #expect(await worker.deliverNow(first, deadline: .seconds(2)) == .retryLater)
        #expect(await worker.deliverNow(second, deadline: .seconds(2)) == .retryLater)
        #expect(worker.health == .init(keyRejected: true, lastError: "HERO refused the API key (HTTP 401)"))
        let record = try #require(try await outbox.store.record(first))
        #expect(record.status == .pending)
        #expect(record.nextAttemptAt.timeIntervalSinceNow > 800)
        #expect(record.lastError == "HERO refused the API key (HTTP 401)")
        // One alert for the problem, not one per lead.
        #expect(alerts.all == [.keyRejected(reason: "HERO refused the API key (HTTP 401)")])
        sender.mode = .up
        _ = try await outbox.store.perform { try $0.resumeAfterRestart(now: Date()) }
        let third = try await stored("CCC-CCC-CCC")
        #expect(await worker.deliverNow(third, deadline: .seconds(30)) == .delivered)
        #expect(!worker.health.keyRejected)
    }

    @Test func refusedLeadsFailAtOnceWithHerosMessage() async throws {
        sender.mode = .answering(.refused(reason: "HERO rejected it (HTTP 422)", detail: "Fehlende Postleitzahl"))
        let reference = try await stored()
        #expect(await worker().deliverNow(reference, deadline: .seconds(30)) == .failed)
        let record = try #require(try await outbox.store.record(reference))
        #expect(record.status == .failed)
        #expect(record.lastError == "HERO rejected it (HTTP 422): Fehlende Postleitzahl")
        #expect(record.payload != nil, "kept for the operator")
        // The receiver's message may quote personal data: the alert has the reason only.
        #expect(alerts.all == [.leadFailed(reference: reference, formID: "default",
                                           reason: "HERO rejected it (HTTP 422)")])
    }

    @Test func slowHeroGetsAnAnswerLaterWithoutASecondCall() async throws {
        // Slow enough that the lead is still pending when looked at, even under the parallel suite's load.
        sender.mode = .slow(.seconds(4))
        let worker = worker()
        let reference = try await stored()
        // `.retryLater` means the deadline ended the wait: had it waited for the call, the answer would be `.delivered`.
        #expect(await worker.deliverNow(reference, deadline: .milliseconds(300)) == .retryLater)
        #expect(try await outbox.store.record(reference)?.status == .pending)
        // The background loop must not start a second call while the first is in flight.
        worker.start(pollInterval: .milliseconds(50))
        try await waitForDelivery(reference, tries: 300, pause: .milliseconds(100))
        await worker.stop()
        #expect(try await outbox.store.record(reference)?.status == .delivered)
        #expect(sender.calls == 1)
    }

    @Test func backgroundLoopDeliversWhenHeroComesBack() async throws {
        sender.mode = .answering(.unavailable(reason: "HTTP 503"))
        var policy = RetryPolicy()
        policy.firstDelay = 0.2
        policy.jitter = 0
        let worker = worker(policy: policy)
        let reference = try await stored()
        #expect(await worker.deliverNow(reference, deadline: .seconds(2)) == .retryLater)
        worker.start(pollInterval: .milliseconds(100))
        try await Task.sleep(for: .milliseconds(100))
        sender.mode = .up
        try await waitForDelivery(reference, tries: 50, pause: .milliseconds(100))
        await worker.stop()
        #expect(try await outbox.store.record(reference)?.status == .delivered)
        #expect(sender.delivered == 1)
    }

    @Test func pendingLeadsFromBeforeARestartAreDeliveredAfterIt() async throws {
        sender.mode = .answering(.unavailable(reason: "HTTP 503"))
        let reference = try await stored()
        #expect(await worker().deliverNow(reference, deadline: .seconds(2)) == .retryLater)
        sender.mode = .up
        // A new worker (a restarted process) delivers at once, not after the backoff.
        let restarted = worker()
        restarted.start(pollInterval: .milliseconds(100))
        try await waitForDelivery(reference, tries: 50, pause: .milliseconds(50))
        await restarted.stop()
        #expect(try await outbox.store.record(reference)?.status == .delivered)
        #expect(sender.delivered == 1)
    }

    @Test func wakeMakesTheSleepingLoopLookAtOnce() async throws {
        let worker = worker()
        worker.start(pollInterval: .seconds(30))
        try await Task.sleep(for: .milliseconds(200))
        // A lead stored behind the worker's back (the operator CLI, say), then a wake-up.
        let reference = try await stored()
        worker.wake()
        try await waitForDelivery(reference, tries: 50, pause: .milliseconds(100))
        #expect(try await outbox.store.record(reference)?.status == .delivered)
        await worker.stop()
    }

    @Test func givesUpAfterMaxAge() async throws {
        sender.mode = .answering(.unavailable(reason: "HTTP 503"))
        let clock = TestClock()
        let reference = try await stored(now: clock.now)
        clock.advance(7 * 86400 - 10)
        #expect(await worker(clock: clock).deliverNow(reference, deadline: .seconds(30)) == .failed)
        let record = try #require(try await outbox.store.record(reference))
        #expect(record.status == .failed)
        #expect(record.lastError == "gave up after 1 attempts: HTTP 503")
        #expect(alerts.all == [.leadFailed(reference: reference, formID: "default",
                                           reason: "gave up after 1 attempts: HTTP 503")])
    }

    @Test func stopWaitsForTheCallInFlight() async throws {
        sender.mode = .slow(.milliseconds(800))
        let worker = worker()
        let reference = try await stored()
        #expect(await worker.deliverNow(reference, deadline: .milliseconds(100)) == .retryLater)
        await worker.stop(timeout: .seconds(5))
        #expect(try await outbox.store.record(reference)?.status == .delivered)
        // After stop, nothing new starts.
        let later = try await stored("BBB-BBB-BBB")
        #expect(await worker.deliverNow(later, deadline: .milliseconds(100)) == .retryLater)
        #expect(sender.calls == 1)
    }

    @Test func retentionPurgeErasesOldDeliveredLeads() async throws {
        let clock = TestClock()
        let worker = worker(clock: clock, retention: 30 * 86400)
        let reference = try await stored(now: clock.now)
        #expect(await worker.deliverNow(reference, deadline: .seconds(30)) == .delivered)
        #expect(await worker.purgeExpired() == 0)
        clock.advance(31 * 86400)
        #expect(await worker.purgeExpired() == 1)
        #expect(try await outbox.store.record(reference)?.payload == nil)
    }

    @Test func dryRunSenderCallsNobody() async throws {
        let worker = DeliveryWorker(store: outbox.store, sender: DryRunSender(), logger: quietLogger)
        let reference = try await stored()
        #expect(await worker.deliverNow(reference, deadline: .seconds(30)) == .delivered)
        #expect(try await outbox.store.record(reference)?.externalID == nil)
        #expect(sender.calls == 0)
    }

    @Test func everyOutcomeIsReported() async throws {
        let seen = Shared<[SendOutcome]>([])
        let worker = DeliveryWorker(store: outbox.store, sender: sender, logger: quietLogger,
                                    onOutcome: { outcome in seen.value.append(outcome) })
        #expect(await worker.deliverNow(try await stored("AAA-AAA-AAA"), deadline: .seconds(30)) == .delivered)
        sender.mode = .answering(.refused(reason: "no", detail: "never"))
        #expect(await worker.deliverNow(try await stored("BBB-BBB-BBB"), deadline: .seconds(30)) == .failed)
        #expect(seen.value == [.delivered(externalID: 1001), .refused(reason: "no", detail: "never")])
    }
}
