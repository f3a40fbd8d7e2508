import Synchronization

/// Waits for `work` at most `timeout`; nil when time ran out first. Unlike a task group, it does not wait
/// for the loser: `work` keeps running (and is awaited by whoever else holds it), which is the point.
func withDeadline<T: Sendable>(_ timeout: Duration, _ work: @escaping @Sendable () async -> T) async -> T? {
    let gate = Gate()
    return await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
        Task {
            let value = await work()
            if gate.open() { continuation.resume(returning: value) }
        }
        Task {
            try? await Task.sleep(for: timeout)
            if gate.open() { continuation.resume(returning: nil) }
        }
    }
}

/// Lets exactly one caller through.
private final class Gate: Sendable {
    private let opened = Atomic<Bool>(false)
    func open() -> Bool { opened.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged }
}
