import Synchronization

/// Waits for `work` at most `timeout`; nil when time ran out first. Unlike a task group, it does not wait
/// for the loser: `work` keeps running (and is awaited by whoever else holds it), which is the point.
/// The timer ends as soon as the work does: a sleeping timer per lead, kept for the whole timeout, was most of
/// the memory heroform held after a burst of leads.
func withDeadline<T: Sendable>(_ timeout: Duration, _ work: @escaping @Sendable () async -> T) async -> T? {
    await withDeadline(timeout, sleep: { try await Task.sleep(for: $0) }, work)
}

/// `sleep` must end by throwing when its task is cancelled, as `Task.sleep` does.
func withDeadline<T: Sendable>(
    _ timeout: Duration, sleep: @escaping @Sendable (Duration) async throws -> Void,
    _ work: @escaping @Sendable () async -> T
) async -> T? {
    let gate = Gate()
    return await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
        let timer = Task {
            try? await sleep(timeout)
            // Cancelled: the work finished first and has answered.
            guard !Task.isCancelled else { return }
            if gate.open() { continuation.resume(returning: nil) }
        }
        Task {
            let value = await work()
            if gate.open() { continuation.resume(returning: value) }
            timer.cancel()
        }
    }
}

/// Lets exactly one caller through.
private final class Gate: Sendable {
    private let opened = Atomic<Bool>(false)
    func open() -> Bool {
        opened.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
    }
}
