import Dispatch
package import FoundationEssentials
import Glibc
package import Logging
import Synchronization

/// Delivers pending leads through a `LeadSender`: right after they are stored (inline, with a deadline) and in the
/// background, with retries by `RetryPolicy`. One attempt per lead at a time; the store's claim makes sure of that,
/// also across processes.
///
/// At most `maxConcurrentCalls` calls to the receiver are in flight, inline and background together: the background
/// loop claims due leads as slots free up, so a backlog drains at that many times the rate of one call at a time,
/// and an inline attempt that finds no free slot leaves its lead to the loop instead of queueing. A
/// `ReceiverCircuit` stops calls while the receiver is down (one probe at a time finds out when it is back), and the
/// first delivery after an outage makes everything the outage pushed out due at once.
package final class DeliveryWorker: Sendable {
    /// What the worker tells the outside world about the receiver.
    package struct Health: Sendable, Equatable {
        /// The receiver refused the API key on the last attempt: leads wait, nothing is lost.
        package var keyRejected = false
        package var lastError: String?
        /// The receiver refused the key on the last step of sending files (its file endpoints may take the key
        /// differently from the lead endpoint): files wait, nothing is lost.
        package var filesKeyRejected = false
        /// The same two for the named accounts (`LeadRecord.account`), each on its own: the accounts whose key the
        /// receiver refused on the last attempt of a lead, and on the last step of sending files. The two flags
        /// above are the default account's.
        package var keyRejectedAccounts: Set<String> = []
        package var filesKeyRejectedAccounts: Set<String> = []
        /// Whether the receiver is being called: closed, open (down, only probes) or half-open (a probe is out).
        package var circuit = ReceiverCircuit.State.closed
        /// Since when the circuit is open, while it is.
        package var unreachableSince: Date?
        /// Calls to the receiver in flight (inline and background).
        package var callsInFlight = 0
    }

    package enum AttemptResult: Sendable, Equatable {
        case delivered
        case retryLater
        case failed
    }

    let store: OutboxStore
    /// The default account's senders: for leads stored without an account.
    private let sender: any LeadSender
    /// Takes delivered leads' files to the receiver; nil: files stay where they are (none are taken then).
    let attachmentSender: (any AttachmentSender)?
    /// The named accounts' senders, by account name.
    private let accounts: [String: AccountSenders]
    /// Some account takes files: the loop looks for due files.
    let sendsFiles: Bool
    let files: AttachmentFiles
    let policy: RetryPolicy
    let logger: Logger
    let alerts: (any AlertSink)?
    let now: @Sendable () -> Date
    let random: @Sendable () -> Double
    private let retention: TimeInterval
    /// How long the files of failed attachments are kept for the operator.
    private let failedFileRetention: TimeInterval
    private let onOutcome: (@Sendable (SendOutcome) -> Void)?
    /// Hears of every file upload's outcome (metrics).
    let onUpload: (@Sendable (UploadReport) -> Void)?
    /// Claims from before this moment belong to an earlier process.
    private let createdAt: Date
    /// Calls to the receiver in flight at most, inline and background together.
    let maxConcurrentCalls: Int
    /// How long the receiver may be unreachable before an alert says so (nil: never).
    private let outageAlertAfter: TimeInterval?
    private let state: Mutex<State>

    private struct State {
        var health = Health()
        var circuit: ReceiverCircuit
        /// The alert that the receiver is unreachable went out for the current outage.
        var outageAlerted = false
        var running: Task<Void, Never>?
        var inFlight: [Int: Task<AttemptResult, Never>] = [:]
        /// Slots held by calls to the receiver (at most `maxConcurrentCalls`).
        var busySlots = 0
        var nextTaskID = 0
        var stopping = false
        /// The loop's sleep, resumed by `wake()`, its timer or `stop()` — whichever comes first.
        var sleeper: (id: Int, continuation: CheckedContinuation<Void, Never>)?
        var sleeps = 0
        /// A `wake()` that came while the loop was not asleep; the next sleep returns at once.
        var wakePending = false
    }

    /// - Parameter retention: how long delivered leads keep their personal data; the loop erases it hourly after.
    /// - Parameter failedFileRetention: how long files the receiver refused are kept on disk (from the lead's
    ///   arrival).
    /// - Parameter onOutcome: hears of every sending's outcome (metrics).
    /// - Parameter onUpload: hears of every file upload's outcome (metrics).
    /// - Parameter maxConcurrentCalls: calls to the receiver in flight at most (inline and background).
    /// - Parameter outageAlertAfter: how long the receiver may be unreachable before `alerts` hear of it.
    /// - Parameter accounts: the senders of the receiver's named accounts; `sender` and `attachmentSender` are the
    ///   default account's.
    package init(
        store: OutboxStore, sender: any LeadSender, attachmentSender: (any AttachmentSender)? = nil,
        accounts: [String: AccountSenders] = [:],
        policy: RetryPolicy = RetryPolicy(), maxConcurrentCalls: Int = 8,
        circuit: ReceiverCircuit.Settings = ReceiverCircuit.Settings(), outageAlertAfter: TimeInterval? = 15 * 60,
        logger: Logger,
        retention: TimeInterval = 30 * 86400, failedFileRetention: TimeInterval = 30 * 86400,
        alerts: (any AlertSink)? = nil, now: @escaping @Sendable () -> Date = Date.init,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        onOutcome: (@Sendable (SendOutcome) -> Void)? = nil,
        onUpload: (@Sendable (UploadReport) -> Void)? = nil
    ) {
        self.onOutcome = onOutcome
        self.onUpload = onUpload
        self.store = store
        self.sender = sender
        self.attachmentSender = attachmentSender
        self.accounts = accounts
        sendsFiles = attachmentSender != nil || accounts.values.contains { $0.files != nil }
        self.files = store.attachmentFiles
        self.failedFileRetention = failedFileRetention
        self.policy = policy
        self.logger = logger
        self.alerts = alerts
        self.retention = retention
        self.now = now
        self.createdAt = now()
        self.random = random
        self.maxConcurrentCalls = max(1, maxConcurrentCalls)
        self.outageAlertAfter = outageAlertAfter
        state = Mutex(State(circuit: ReceiverCircuit(settings: circuit)))
    }

    /// Who sends the leads (and their files) of `account` (nil: the default account).
    func senders(for account: String?) -> AccountSenders {
        guard let account else { return AccountSenders(leads: sender, files: attachmentSender) }
        if let senders = accounts[account] { return senders }
        let unknown = MissingKeySender(reason: "no key for the account \"\(account)\" (it is not in the config)")
        return AccountSenders(leads: unknown, files: unknown)
    }

    package var health: Health {
        state.withLock { state in
            var health = state.health
            health.circuit = state.circuit.state
            health.unreachableSince = state.circuit.openedAt
            health.callsInFlight = state.busySlots
            return health
        }
    }

    // MARK: - Inline delivery

    /// Tries to deliver a just-stored lead, waiting at most `deadline`. If the attempt takes longer it goes on in
    /// the background (its result is recorded when it comes): answering the visitor early never starts a second
    /// call for the same lead.
    package func deliverNow(_ reference: String, deadline: Duration) async -> AttemptResult {
        let instant = now()
        guard let record = try? await store.perform({ try $0.claim(reference, now: instant) }) else {
            return .retryLater
        }
        return await deliverClaimed(record, deadline: deadline)
    }

    /// Like `deliverNow` for a lead the caller has already claimed (stored with `claim: true`).
    ///
    /// No call is made while the circuit is open (the receiver is down) or every slot is taken: the lead goes back
    /// to the background loop at once, and the visitor hears "queued" without waiting for a call bound to fail or
    /// for a turn in a queue.
    package func deliverClaimed(_ record: LeadRecord, deadline: Duration) async -> AttemptResult {
        guard let task = track({ await self.attempt(record, slot: $0) }) else {
            // Stopping, down or busy: the background loop (of this process, or of the next start) takes it.
            _ = try? await store.perform { try $0.release(record.reference) }
            wake()
            return .retryLater
        }
        return await withDeadline(deadline) { await task.value } ?? .retryLater
    }

    // MARK: - Background delivery

    /// Starts the background loop: it first takes back what an earlier process left (see
    /// `OutboxSession.resumeAfterRestart`), then delivers due leads, sleeping until the next is due (at most
    /// `pollInterval`, so leads retried from the operator CLI in another process are picked up soon) or until
    /// `wake()`.
    package func start(pollInterval: Duration = .seconds(5)) {
        let task = Task {
            await self.resumeAfterRestart()
            await self.loop(pollInterval: pollInterval)
        }
        state.withLock { $0.running = task }
    }

    private func resumeAfterRestart() async {
        let (instant, startedAt) = (now(), createdAt)
        do {
            _ = try await store.perform { try $0.resumeAfterRestart(now: instant, startedAt: startedAt) }
        } catch {
            logger.error("cannot resume pending leads", metadata: ["error": "\(error)"])
        }
    }

    /// Stops the loop and waits (up to `timeout`) for sendings in flight to finish and be recorded.
    package func stop(timeout: Duration = .seconds(15)) async {
        let (loop, calls) = state.withLock { state -> (Task<Void, Never>?, [Task<AttemptResult, Never>]) in
            state.stopping = true
            state.sleeper?.continuation.resume()
            state.sleeper = nil
            return (state.running, Array(state.inFlight.values))
        }
        loop?.cancel()
        _ = await withDeadline(timeout) {
            await loop?.value
            for call in calls { _ = await call.value }
        }
    }

    /// Makes the loop look for due leads now.
    package func wake() {
        state.withLock { state in
            if let sleeper = state.sleeper {
                sleeper.continuation.resume()
                state.sleeper = nil
            } else {
                state.wakePending = true
            }
        }
    }

    private func loop(pollInterval: Duration) async {
        var lastPurge = Date.distantPast
        // Due leads claimed ahead, a slot's worth each: a freed slot starts the next one at once, and the claim that
        // refills them commits while the calls are out, not between one call and the next.
        var ready: [LeadRecord] = []
        while !Task.isCancelled && !state.withLock({ $0.stopping }) {
            let instant = now()
            await alertIfLongOutage(now: instant)
            // Also while the receiver is down: personal data goes on schedule whatever HERO does.
            if instant.timeIntervalSince(lastPurge) > 3600 {
                lastPurge = instant
                await purgeExpired()
            }
            let (callsAllowed, freeSlots) = state.withLock { state in
                (state.circuit.allowsCalls, maxConcurrentCalls - state.busySlots)
            }
            var wait = pollInterval
            if callsAllowed {
                let started = await startDue(now: instant, slots: freeSlots, ready: &ready)
                if started == freeSlots && freeSlots > 0 {
                    // Every slot taken: a call that ends wakes the loop for the next.
                    await sleep(pollInterval)
                    continue
                }
                if started > 0 { continue }
                if freeSlots > 0 {
                    let withFiles = sendsFiles
                    let next = (try? await store.perform { try $0.nextDue(includingFiles: withFiles) }) ?? nil
                    if let next { wait = min(wait, Self.duration(until: next, from: now())) }
                }
            } else {
                // Down: what was claimed ahead goes back (the probe picks among all pending leads).
                await release(&ready)
                await probe(now: instant, slots: freeSlots)
                // With every slot taken the probe waits for a call to end, which wakes the loop.
                if freeSlots > 0, let due = state.withLock({ $0.circuit.probeDue }) {
                    wait = min(wait, Self.duration(until: due, from: now()))
                }
            }
            await sleep(wait)
        }
        await release(&ready)
    }

    /// Gives up claims that were never started: those leads are simply due again.
    private func release(_ ready: inout [LeadRecord]) async {
        guard !ready.isEmpty else { return }
        let references = ready.map(\.reference)
        ready = []
        _ = try? await store.perform { session in for reference in references { try session.release(reference) } }
    }

    /// Starts calls for due leads (those claimed ahead first), then for due files, in at most `slots` free slots, and
    /// claims a slot's worth of leads ahead; returns how many started.
    private func startDue(now instant: Date, slots: Int, ready: inout [LeadRecord]) async -> Int {
        guard slots > 0 else { return 0 }
        var started = startReady(slots, &ready)
        let refill = slots - started + maxConcurrentCalls - ready.count
        if refill > 0 {
            ready += (try? await store.perform { try $0.claimDue(now: instant, limit: refill) }) ?? []
            started += startReady(slots - started, &ready)
        }
        guard sendsFiles, started < slots else { return started }
        let limit = slots - started
        let dueFiles = (try? await store.perform { try $0.claimDueFiles(now: instant, limit: limit) }) ?? []
        for (index, record) in dueFiles.enumerated() {
            let task = track { _ in
                await self.sendFiles(record)
                return .delivered
            }
            guard task != nil else {
                for left in dueFiles[index...] { _ = try? await store.perform { try $0.releaseFiles(left.reference) } }
                return started
            }
            started += 1
        }
        return started
    }

    /// Starts up to `count` of the leads claimed ahead, oldest first; fewer when a slot went to an inline call, the
    /// circuit opened or the worker is stopping (the rest stay claimed for the next turn, or are released).
    private func startReady(_ count: Int, _ ready: inout [LeadRecord]) -> Int {
        var started = 0
        while started < count, let record = ready.first {
            guard track({ await self.attempt(record, slot: $0) }) != nil else { break }
            ready.removeFirst()
            started += 1
        }
        return started
    }

    /// While the circuit is open: when the next probe is due, one real pending lead goes to the receiver; its
    /// outcome closes the circuit or keeps it open for a longer wait. The lead due soonest goes: a failed probe's
    /// backoff moves its lead back, so a lead the receiver fails on by itself cannot keep the circuit open.
    private func probe(now instant: Date, slots: Int) async {
        guard slots > 0, state.withLock({ $0.circuit.takeProbe(now: instant) }) else { return }
        let record = try? await store.perform { try $0.claimNextPending(now: instant) }
        guard let record else {
            state.withLock { $0.circuit.probeEnded(now: instant) }
            return
        }
        let probe = track(isProbe: true) { slot in
            let result = await self.attempt(record, slot: slot)
            // An outcome that was never heard (no data left to send, say) must not leave the circuit half-open.
            let ended = self.now()
            self.state.withLock { $0.circuit.probeEnded(now: ended) }
            return result
        }
        if probe == nil {
            _ = try? await store.perform { try $0.release(record.reference) }
            state.withLock { $0.circuit.probeEnded(now: instant) }
        }
    }

    private static func duration(until date: Date, from instant: Date) -> Duration {
        .milliseconds(Int((max(0, date.timeIntervalSince(instant)) * 1000).rounded(.up)))
    }

    private func sleep(_ duration: Duration) async {
        guard duration > .zero else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let id = state.withLock { state -> Int? in
                if state.stopping || state.wakePending {
                    state.wakePending = false
                    return nil
                }
                state.sleeps += 1
                state.sleeper = (state.sleeps, continuation)
                return state.sleeps
            }
            guard let id else {
                continuation.resume()
                return
            }
            let nanoseconds =
                Int(duration.components.seconds) * 1_000_000_000 + Int(duration.components.attoseconds / 1_000_000_000)
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { [self] in
                state.withLock { state in
                    // Only this sleep's own timer may end it; a later sleep has another id.
                    guard let sleeper = state.sleeper, sleeper.id == id else { return }
                    sleeper.continuation.resume()
                    state.sleeper = nil
                }
            }
        }
    }

    /// Erases the personal data of leads delivered more than `retention` ago (their files with it), and the files
    /// of failed attachments kept longer than `failedFileRetention`.
    @discardableResult
    package func purgeExpired() async -> Int {
        let instant = now()
        let cutoff = instant.addingTimeInterval(-retention)
        let filesCutoff = instant.addingTimeInterval(-failedFileRetention)
        let files = self.files
        do {
            let (erased, unneeded) = try await store.perform { session in
                let erased = try session.eraseDelivered(before: cutoff, now: instant)
                _ = try session.expireFailedFiles(before: filesCutoff, now: instant)
                return (erased, files.unkept(keep: try session.filesToKeep(), staging: false))
            }
            files.remove(unneeded)
            if erased > 0 {
                logger.info(
                    "erased the personal data of delivered leads older than the retention period",
                    metadata: ["count": "\(erased)"])
            }
            return erased
        } catch {
            logger.error("retention purge failed", metadata: ["error": "\(error)"])
            return 0
        }
    }

    /// Starts a call to the receiver in a free slot and registers it so `stop()` can wait for it; nil when stopping,
    /// when every slot is taken, or when the circuit is not closed (only the probe goes then). The work frees its
    /// slot when the receiver has answered (or it ends), which wakes the loop to fill it.
    private func track(
        isProbe: Bool = false, _ work: @escaping @Sendable (CallSlot) async -> AttemptResult
    ) -> Task<AttemptResult, Never>? {
        state.withLock { state -> Task<AttemptResult, Never>? in
            guard !state.stopping, state.busySlots < maxConcurrentCalls, isProbe || state.circuit.allowsCalls
            else { return nil }
            state.busySlots += 1
            let slot = CallSlot { [self] in
                self.state.withLock { $0.busySlots -= 1 }
                self.wake()
            }
            let id = state.nextTaskID
            state.nextTaskID += 1
            let task = Task {
                let result = await work(slot)
                slot.free()
                _ = self.state.withLock { $0.inFlight.removeValue(forKey: id) }
                self.wake()
                return result
            }
            state.inFlight[id] = task
            return task
        }
    }

    // MARK: - One attempt

    /// Sends a claimed lead once and records what happened. `slot` is freed as soon as the receiver has answered:
    /// the next call need not wait for this answer's commit.
    func attempt(_ record: LeadRecord, slot: CallSlot? = nil) async -> AttemptResult {
        guard let payload = record.payload else {
            try? await store.perform { try $0.markFailed(record.reference, error: "no data left to send") }
            return .failed
        }
        let generation = state.withLock { $0.circuit.generation }
        let sender = senders(for: record.account).leads
        let outcome = await sender.send(payload)
        slot?.free()
        let instant = now()
        // First, before anything can fail to be recorded: the circuit must hear every outcome the receiver gave.
        switch sender.asksTheReceiver ? outcome : nil {
        case .unavailable(let reason):
            receiverUnavailable(reason: reason, lead: record.reference, startedIn: generation, now: instant)
        case .delivered:
            await receiverAnswered(delivered: true, now: instant)
        case .keyRejected, .refused:
            await receiverAnswered(delivered: false, now: instant)
        case nil:
            break
        }
        if sender.asksTheReceiver { onOutcome?(outcome) }
        let failures = record.attempts + 1
        var metadata: Logger.Metadata = [
            "reference": "\(record.reference)", "form": "\(record.formID)",
            "attempt": "\(failures)",
        ]
        let account = record.account
        if let account { metadata["account"] = "\(account)" }
        do {
            switch outcome {
            case .delivered(let id):
                try await store.perform { try $0.markDelivered(record.reference, externalID: id, now: instant) }
                setHealth(keyRejected: false, error: nil, account: account)
                if let id { metadata["external_id"] = "\(id)" }
                logger.info("lead delivered", metadata: metadata)
                // Its files go in a round of their own, from the loop: the visitor's answer does not wait for them.
                if record.filesPending == true { wake() }
                return .delivered

            case .keyRejected(let reason):
                let next = instant.addingTimeInterval(policy.keyRejectedDelay)
                try await store.perform { try $0.markRetry(record.reference, next: next, error: reason) }
                let wasRejected = setHealth(keyRejected: true, error: reason, account: account)
                metadata["reason"] = "\(reason)"
                metadata["retry_in_seconds"] = "\(Int(policy.keyRejectedDelay))"
                logger.error("API key refused; the lead waits until the key is fixed", metadata: metadata)
                if !wasRejected { await alerts?.send(.keyRejected(reason: reason, account: account)) }
                return .retryLater

            case .unavailable(let reason):
                setHealth(keyRejected: false, error: reason, account: account)
                let next = instant.addingTimeInterval(policy.delay(afterFailures: failures, random: random()))
                if next > record.giveUpAt {
                    let error = "gave up after \(failures) attempts: \(reason)"
                    try await store.perform { try $0.markFailed(record.reference, error: error) }
                    metadata["reason"] = "\(error)"
                    logger.error("lead failed", metadata: metadata)
                    await alerts?.send(.leadFailed(reference: record.reference, formID: record.formID, reason: error))
                    return .failed
                }
                try await store.perform { try $0.markRetry(record.reference, next: next, error: reason) }
                metadata["reason"] = "\(reason)"
                metadata["retry_in_seconds"] = "\(Int(next.timeIntervalSince(instant)))"
                logger.warning("lead not delivered; retrying later", metadata: metadata)
                return .retryLater

            case .refused(let reason, let detail):
                setHealth(keyRejected: false, error: nil, account: account)
                try await store.perform { try $0.markFailed(record.reference, error: "\(reason): \(detail)") }
                metadata["reason"] = "\(reason)"
                metadata["hint"] = "heroform outbox show \(record.reference)"
                logger.error("lead failed", metadata: metadata)
                // The receiver's message may quote the visitor's input: personal data, so only at debug level.
                logger.debug(
                    "lead refused; the receiver's message",
                    metadata: ["reference": "\(record.reference)", "detail": "\(detail)"])
                await alerts?.send(.leadFailed(reference: record.reference, formID: record.formID, reason: reason))
                return .failed
            }
        } catch {
            // The outcome could not be recorded; the claim stays until restart, so no second call races this one.
            metadata["error"] = "\(error)"
            logger.critical("cannot record the delivery result", metadata: metadata)
            return .retryLater
        }
    }

    // MARK: - The receiver's circuit

    /// An "unavailable" outcome; the log says once that the receiver became unreachable.
    private func receiverUnavailable(reason: String, lead: String, startedIn generation: Int, now instant: Date) {
        let opened = state.withLock {
            $0.circuit.recordUnavailable(reason: reason, lead: lead, startedIn: generation, now: instant)
        }
        guard opened else { return }
        logger.warning(
            "receiver unreachable; new leads are stored and answered at once, and sent when it answers again",
            metadata: ["reason": "\(reason)"])
    }

    /// The receiver answered. Closing the circuit is logged once, with the outage's length and the leads that waited
    /// through it; a delivery after an outage makes them all due now (the flush) and wakes the loop to send them.
    private func receiverAnswered(delivered: Bool, now instant: Date) async {
        let (closing, alerted) = state.withLock { state -> (ReceiverCircuit.Closing?, Bool) in
            let closing = state.circuit.recordAnswer(delivered: delivered, now: instant)
            let alerted = closing?.openedAt != nil && state.outageAlerted
            if closing?.openedAt != nil { state.outageAlerted = false }
            return (closing, alerted)
        }
        guard let closing else { return }
        let madeDue = closing.flush ? ((try? await store.perform { try $0.makeWaitingDue(now: instant) }) ?? 0) : 0
        if closing.flush { wake() }
        guard let openedAt = closing.openedAt else {
            if madeDue > 0 {
                logger.info("leads that waited for the receiver are due now", metadata: ["count": "\(madeDue)"])
            }
            return
        }
        let waiting = (try? await store.perform { try $0.counts().pending }) ?? 0
        let downSeconds = Int(instant.timeIntervalSince(openedAt).rounded())
        logger.notice(
            "receiver answers again",
            metadata: [
                "unreachable_seconds": "\(downSeconds)", "waiting": "\(waiting)", "made_due": "\(madeDue)",
            ])
        if alerted { await alerts?.send(.receiverRecovered(unreachableSeconds: downSeconds, waiting: waiting)) }
    }

    /// Alerts once per outage when the circuit has been open longer than `outageAlertAfter`.
    private func alertIfLongOutage(now instant: Date) async {
        guard let limit = outageAlertAfter, alerts != nil else { return }
        let due = state.withLock { state -> (since: Date, reason: String)? in
            guard !state.outageAlerted, let since = state.circuit.openedAt,
                instant.timeIntervalSince(since) >= limit
            else { return nil }
            state.outageAlerted = true
            return (since, state.circuit.lastReason ?? "unavailable")
        }
        guard let due, let alerts else { return }
        let waiting = (try? await store.perform { try $0.counts().pending }) ?? 0
        // Not awaited: the loop's next probe must not wait for a slow webhook.
        Task {
            await alerts.send(
                .receiverUnreachable(
                    unreachableSeconds: Int(instant.timeIntervalSince(due.since).rounded()), reason: due.reason,
                    waiting: waiting))
        }
    }

    /// Records whether `account`'s key (nil: the default one) was refused; returns whether it was before.
    @discardableResult
    func setHealth(keyRejected: Bool, error: String?, account: String? = nil) -> Bool {
        state.withLock { state in
            state.health.lastError = error
            return Self.set(keyRejected, account: account, &state.health.keyRejected, &state.health.keyRejectedAccounts)
        }
    }

    /// The same for the steps of sending files, kept apart so a lead and a file do not flip one flag (and its
    /// alert) back and forth. Returns whether the key was already refused for files before.
    @discardableResult
    func setFilesKeyRejected(_ rejected: Bool, account: String? = nil) -> Bool {
        state.withLock { state in
            Self.set(rejected, account: account, &state.health.filesKeyRejected, &state.health.filesKeyRejectedAccounts)
        }
    }

    /// Sets the default account's `flag`, or `account`'s membership in `named`; returns the value before.
    private static func set(_ value: Bool, account: String?, _ flag: inout Bool, _ named: inout Set<String>) -> Bool {
        guard let account else {
            defer { flag = value }
            return flag
        }
        return value ? !named.insert(account).inserted : named.remove(account) != nil
    }
}

/// One of the worker's `maxConcurrentCalls` slots, held by a call to the receiver. Freed once, however often `free`
/// is called: by the call when the receiver answered, and by the worker when the call's task ends.
final class CallSlot: Sendable {
    private let freed = Atomic<Bool>(false)
    private let onFree: @Sendable () -> Void

    init(onFree: @escaping @Sendable () -> Void) { self.onFree = onFree }

    func free() {
        if !freed.exchange(true, ordering: .acquiringAndReleasing) { onFree() }
    }
}
