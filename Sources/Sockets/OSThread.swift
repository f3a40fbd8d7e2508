import CEpoll
import Synchronization

/// A detached POSIX thread of its own, for loops that block in system calls (`epoll_wait`, `accept`, `poll`) and
/// so must never hold one of the few threads Swift's concurrency or Dispatch share.
package enum OSThread {
    /// Starts `body` on a new thread named `name` (shown by `top -H`, perf and gdb; Linux keeps 15 bytes).
    /// `watch` learns the thread's task id when it runs and its end once `body` returned and what `body` captured
    /// was released. Throws when the system refused a thread (out of memory, or over the process's thread limit);
    /// `watch` then counts it as ended.
    package static func start(
        name: String, watch: ThreadWatch? = nil, _ body: @escaping @Sendable () -> Void
    ) throws(SocketError) {
        let start = Unmanaged.passRetained(Start(name: name, watch: watch, body: body))
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, nil,
            { raw in
                guard let raw else { return nil }
                var start: Start? = Unmanaged<Start>.fromOpaque(raw).takeRetainedValue()
                let watch = start?.watch
                // Named before its id is told: whoever looks it up by id then finds it under its name.
                _ = start.map { heroform_set_thread_name($0.name) }
                watch?.began(id: heroform_thread_id())
                start?.body()
                // Released before the end is reported: a waiter may count on what the body held being gone.
                start = nil
                watch?.ended()
                return nil
            }, start.toOpaque())
        guard rc == 0 else {
            start.release()
            watch?.ended()
            throw SocketError("pthread_create", code: rc)
        }
        pthread_detach(thread)
    }

    private final class Start: Sendable {
        let name: String
        let watch: ThreadWatch?
        let body: @Sendable () -> Void

        init(name: String, watch: ThreadWatch?, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.watch = watch
            self.body = body
        }
    }
}

/// What a thread started by `OSThread.start` tells others: its kernel task id once it runs, and its end, which
/// `waitForEnd()` awaits (a stop that returns only once the thread and what it held are gone).
package final class ThreadWatch: Sendable {
    private let state = Mutex(State())

    private struct State {
        var id: Int32?
        var ended = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    package init() {}

    /// The thread's task id (its entry under /proc/self/task); nil until it first ran.
    package var threadID: Int32? { state.withLock { $0.id } }

    /// Returns once the thread has ended (at once when it has, or never started): its body returned and what the
    /// body held is released. The kernel removes the thread itself a moment later, as it exits.
    package func waitForEnd() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ended = state.withLock { state in
                if !state.ended { state.waiters.append(continuation) }
                return state.ended
            }
            if ended { continuation.resume() }
        }
    }

    fileprivate func began(id: Int32) {
        state.withLock { $0.id = id }
    }

    /// Marks the end; also for a thread that never started, so no one waits for it.
    package func ended() {
        let waiters = state.withLock { state in
            state.ended = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
