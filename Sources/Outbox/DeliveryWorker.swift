import Dispatch
package import FoundationEssentials
import Glibc
package import Logging
import Synchronization

/// Delivers pending leads through a `LeadSender`: right after they are stored (inline, with a deadline) and in the
/// background, with retries by `RetryPolicy`. One attempt per lead at a time; the store's claim makes sure of that,
/// also across processes.
package final class DeliveryWorker: Sendable {
    /// What the worker tells the outside world about the receiver.
    package struct Health: Sendable, Equatable {
        /// The receiver refused the API key on the last attempt: leads wait, nothing is lost.
        package var keyRejected = false
        package var lastError: String?
        /// The receiver refused the key on the last step of sending files (its file endpoints may take the key
        /// differently from the lead endpoint): files wait, nothing is lost.
        package var filesKeyRejected = false
    }

    package enum AttemptResult: Sendable, Equatable {
        case delivered
        case retryLater
        case failed
    }

    let store: OutboxStore
    private let sender: any LeadSender
    /// Takes delivered leads' files to the receiver; nil: files stay where they are (none are taken then).
    let attachmentSender: (any AttachmentSender)?
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
    private let state = Mutex(State())

    private struct State {
        var health = Health()
        var running: Task<Void, Never>?
        var inFlight: [Int: Task<AttemptResult, Never>] = [:]
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
    package init(
        store: OutboxStore, sender: any LeadSender, attachmentSender: (any AttachmentSender)? = nil,
        policy: RetryPolicy = RetryPolicy(), logger: Logger,
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
        self.files = store.attachmentFiles
        self.failedFileRetention = failedFileRetention
        self.policy = policy
        self.logger = logger
        self.alerts = alerts
        self.retention = retention
        self.now = now
        self.createdAt = now()
        self.random = random
    }

    package var health: Health { state.withLock { $0.health } }

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
    package func deliverClaimed(_ record: LeadRecord, deadline: Duration) async -> AttemptResult {
        guard let task = track({ await self.attempt(record) }) else {
            // Stopping: hand the lead back to the background loop of the next start.
            _ = try? await store.perform { try $0.release(record.reference) }
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
        while !Task.isCancelled && !state.withLock({ $0.stopping }) {
            let instant = now()
            let due = (try? await store.perform { try $0.claimDue(now: instant, limit: 8) }) ?? []
            for record in due {
                guard let task = track({ await self.attempt(record) }) else { break }
                _ = await task.value
            }
            let dueFiles =
                attachmentSender == nil
                ? [] : (try? await store.perform { try $0.claimDueFiles(now: instant, limit: 8) }) ?? []
            for (index, record) in dueFiles.enumerated() {
                guard
                    let task = track({
                        await self.sendFiles(record)
                        return .delivered
                    })
                else {
                    // Stopping: what was claimed and not started is simply due again at the next start.
                    for left in dueFiles[index...] {
                        _ = try? await store.perform { try $0.releaseFiles(left.reference) }
                    }
                    break
                }
                _ = await task.value
            }
            if !due.isEmpty || !dueFiles.isEmpty { continue }
            if instant.timeIntervalSince(lastPurge) > 3600 {
                lastPurge = instant
                await purgeExpired()
            }
            let withFiles = attachmentSender != nil
            let next = (try? await store.perform { try $0.nextDue(includingFiles: withFiles) }) ?? nil
            var wait = pollInterval
            if let next {
                let seconds = max(0, next.timeIntervalSince(now()))
                wait = min(pollInterval, .milliseconds(Int((seconds * 1000).rounded(.up))))
            }
            await sleep(wait)
        }
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

    /// Registers an attempt so `stop()` can wait for it; nil when stopping.
    private func track(_ work: @escaping @Sendable () async -> AttemptResult) -> Task<AttemptResult, Never>? {
        state.withLock { state -> Task<AttemptResult, Never>? in
            guard !state.stopping else { return nil }
            let id = state.nextTaskID
            state.nextTaskID += 1
            let task = Task {
                let result = await work()
                _ = self.state.withLock { $0.inFlight.removeValue(forKey: id) }
                return result
            }
            state.inFlight[id] = task
            return task
        }
    }

    // MARK: - One attempt

    /// Sends a claimed lead once and records what happened.
    func attempt(_ record: LeadRecord) async -> AttemptResult {
        guard let payload = record.payload else {
            try? await store.perform { try $0.markFailed(record.reference, error: "no data left to send") }
            return .failed
        }
        let outcome = await sender.send(payload)
        onOutcome?(outcome)
        let instant = now()
        let failures = record.attempts + 1
        var metadata: Logger.Metadata = [
            "reference": "\(record.reference)", "form": "\(record.formID)",
            "attempt": "\(failures)",
        ]
        do {
            switch outcome {
            case .delivered(let id):
                try await store.perform { try $0.markDelivered(record.reference, externalID: id, now: instant) }
                setHealth(keyRejected: false, error: nil)
                if let id { metadata["external_id"] = "\(id)" }
                logger.info("lead delivered", metadata: metadata)
                // Its files go in a round of their own, from the loop: the visitor's answer does not wait for them.
                if record.filesPending == true { wake() }
                return .delivered

            case .keyRejected(let reason):
                let next = instant.addingTimeInterval(policy.keyRejectedDelay)
                try await store.perform { try $0.markRetry(record.reference, next: next, error: reason) }
                let wasRejected = setHealth(keyRejected: true, error: reason)
                metadata["reason"] = "\(reason)"
                metadata["retry_in_seconds"] = "\(Int(policy.keyRejectedDelay))"
                logger.error("API key refused; the lead waits until the key is fixed", metadata: metadata)
                if !wasRejected { await alerts?.send(.keyRejected(reason: reason)) }
                return .retryLater

            case .unavailable(let reason):
                setHealth(keyRejected: false, error: reason)
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
                setHealth(keyRejected: false, error: nil)
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

    /// Returns whether the key was already rejected before.
    @discardableResult
    func setHealth(keyRejected: Bool, error: String?) -> Bool {
        state.withLock { state in
            let was = state.health.keyRejected
            state.health.keyRejected = keyRejected
            state.health.lastError = error
            return was
        }
    }

    /// The same for the steps of sending files, kept apart so a lead and a file do not flip one flag (and its
    /// alert) back and forth. Returns whether the key was already refused for files before.
    @discardableResult
    func setFilesKeyRejected(_ rejected: Bool) -> Bool {
        state.withLock { state in
            let was = state.health.filesKeyRejected
            state.health.filesKeyRejected = rejected
            return was
        }
    }
}
