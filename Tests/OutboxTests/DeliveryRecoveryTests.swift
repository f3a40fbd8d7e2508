import Foundation
import Testing
@testable import Outbox

/// The worker through an outage of its receiver: the circuit keeps calls away while it is down, one probe at a time
/// finds out when it is back, the backlog becomes due at once, and calls never exceed their slots.
@Suite struct DeliveryRecoveryTests {
    let outbox: TemporaryOutbox
    let sender = FakeSender()
    let alerts = RecordingAlerts()

    init() throws {
        outbox = try TemporaryOutbox()
    }

    /// Backoff of an hour: a lead delivered within the test was made due by the flush, not by its backoff.
    func worker(
        maxConcurrentCalls: Int = 8, probeDelay: TimeInterval = 0.05, outageAlertAfter: TimeInterval? = nil
    ) -> DeliveryWorker {
        var policy = RetryPolicy()
        policy.firstDelay = 3600
        var circuit = ReceiverCircuit.Settings()
        circuit.firstProbeDelay = probeDelay
        circuit.maxProbeDelay = probeDelay
        return DeliveryWorker(
            store: outbox.store, sender: sender, policy: policy, maxConcurrentCalls: maxConcurrentCalls,
            circuit: circuit, outageAlertAfter: outageAlertAfter, logger: quietLogger, alerts: alerts,
            random: { 0.5 })
    }

    func stored(_ count: Int, prefix: String) async throws -> [String] {
        var references: [String] = []
        for index in 0..<count {
            let reference = "\(prefix)-\(String(format: "%03d", index))"
            _ = try await outbox.store.perform { try $0.add(reference, now: Date()) }
            references.append(reference)
        }
        return references
    }

    /// Three inline attempts that each find the receiver down open the circuit.
    func openCircuit(_ worker: DeliveryWorker) async throws -> [String] {
        sender.mode = .answering(.unavailable(reason: "HTTP 503"))
        let failed = try await stored(3, prefix: "OUT")
        for reference in failed {
            #expect(await worker.deliverNow(reference, deadline: .seconds(30)) == .retryLater)
        }
        // A running loop may have taken a lead before `deliverNow` and still be calling for it; open, or half-open
        // when its probe is already out.
        try await waitUntil { worker.health.circuit != .closed }
        #expect(worker.health.circuit != .closed)
        return failed
    }

    func waitUntil(_ condition: () async throws -> Bool) async throws {
        for _ in 0..<600 where try await !condition() { try await Task.sleep(for: .milliseconds(50)) }
    }

    func statuses(_ references: [String]) async throws -> [LeadRecord.Status?] {
        var result: [LeadRecord.Status?] = []
        for reference in references { result.append(try await outbox.store.record(reference)?.status) }
        return result
    }

    @Test func whileOpenAnInlineAttemptMakesNoCallAndLeavesTheLeadToTheLoop() async throws {
        let worker = worker()
        _ = try await openCircuit(worker)
        let reference = try #require(try await stored(1, prefix: "NEW").first)
        #expect(await worker.deliverNow(reference, deadline: .seconds(30)) == .retryLater)
        #expect(sender.calls == 3, "no call while HERO is known to be down")
        let record = try #require(try await outbox.store.record(reference))
        #expect(record.status == .pending)
        #expect(record.inFlightSince == nil, "released for the background loop")
        #expect(record.attempts == 0, "not counted as a failed attempt")
        #expect(worker.health.unreachableSince != nil)
    }

    @Test func aProbeThatSucceedsClosesTheCircuitAndEveryWaitingLeadGoesAtOnce() async throws {
        let worker = worker()
        // Running before the outage: a start would make everything due by itself, the flush must do it here.
        worker.start(pollInterval: .seconds(30))
        let failed = try await openCircuit(worker)
        // Stored while down: due now, but only probes go while the circuit is open.
        let waiting = try await stored(5, prefix: "NEW")
        sender.mode = .up
        let all = failed + waiting
        try await waitUntil { try await statuses(all).allSatisfy { $0 == .delivered } }
        await worker.stop()
        #expect(try await statuses(all).allSatisfy { $0 == .delivered }, "the failed ones waited an hour's backoff")
        #expect(sender.delivered == all.count, "one delivery per lead, none doubled")
        #expect(worker.health.circuit == .closed)
        #expect(worker.health.unreachableSince == nil)
    }

    @Test func whileTheReceiverStaysDownOnlyProbesGoOneAtATime() async throws {
        let worker = worker(probeDelay: 0.3)
        _ = try await openCircuit(worker)
        let waiting = try await stored(20, prefix: "NEW")
        let started = Date()
        worker.start(pollInterval: .seconds(30))
        try await Task.sleep(for: .milliseconds(1500))
        await worker.stop()
        let elapsed = Date().timeIntervalSince(started)
        let probes = sender.calls - 3
        // One probe per 0.3 s at most (without the circuit all 20 due leads would have been called at once).
        #expect(probes >= 1 && Double(probes) <= elapsed / 0.3 + 1, "\(probes) probes in \(elapsed) s")
        #expect(sender.peakInFlight == 1)
        #expect(worker.health.circuit != .closed)
        let pending = try await statuses(waiting).filter { $0 == .pending }.count
        #expect(pending >= 20 - probes)
    }

    @Test func theLoopKeepsAtMostItsSlotsInFlightAndFillsThemAsTheyFree() async throws {
        sender.mode = .slow(.milliseconds(150))
        let worker = worker(maxConcurrentCalls: 4)
        let references = try await stored(20, prefix: "BACKLOG")
        worker.start(pollInterval: .seconds(30))
        try await waitUntil { try await statuses(references).allSatisfy { $0 == .delivered } }
        await worker.stop()
        #expect(try await statuses(references).allSatisfy { $0 == .delivered })
        #expect(sender.peakInFlight == 4)
        #expect(sender.calls == 20)
    }

    @Test func anInlineAttemptWithoutAFreeSlotLeavesTheLeadPendingAtOnce() async throws {
        sender.mode = .slow(.seconds(5))
        let worker = worker(maxConcurrentCalls: 1)
        let references = try await stored(2, prefix: "SLOT")
        // The first holds the only slot beyond its short deadline.
        #expect(await worker.deliverNow(references[0], deadline: .milliseconds(50)) == .retryLater)
        #expect(await worker.deliverNow(references[1], deadline: .seconds(30)) == .retryLater)
        #expect(sender.calls == 1)
        let second = try #require(try await outbox.store.record(references[1]))
        #expect(second.status == .pending && second.inFlightSince == nil && second.attempts == 0)
        #expect(worker.health.callsInFlight == 1)
        await worker.stop()
        #expect(try await outbox.store.record(references[0])?.status == .delivered)
    }

    @Test func aLongOutageIsAlertedOnceAndSoIsTheRecovery() async throws {
        let worker = worker(probeDelay: 0.1, outageAlertAfter: 0.2)
        worker.start(pollInterval: .seconds(30))
        _ = try await openCircuit(worker)
        try await waitUntil { !alerts.all.isEmpty }
        try await Task.sleep(for: .milliseconds(300))
        let unreachable = alerts.all
        #expect(unreachable.count == 1, "\(unreachable)")
        guard case .receiverUnreachable(_, let reason, let waiting) = unreachable.first else {
            Issue.record("expected the outage alert, got \(unreachable)")
            return
        }
        #expect(reason == "HTTP 503")
        #expect(waiting == 3)
        sender.mode = .up
        try await waitUntil { alerts.all.count >= 2 }
        await worker.stop()
        guard alerts.all.count == 2, case .receiverRecovered(let seconds, _) = alerts.all[1] else {
            Issue.record("expected one recovery alert, got \(alerts.all)")
            return
        }
        #expect(seconds >= 0)
    }

    @Test func aShortOutageIsNotAlerted() async throws {
        let worker = worker(probeDelay: 0.05, outageAlertAfter: 600)
        worker.start(pollInterval: .seconds(30))
        let failed = try await openCircuit(worker)
        sender.mode = .up
        try await waitUntil { try await statuses(failed).allSatisfy { $0 == .delivered } }
        await worker.stop()
        #expect(worker.health.circuit == .closed)
        #expect(alerts.all.isEmpty)
    }
}
