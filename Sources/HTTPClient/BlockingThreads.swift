import Dispatch
import Sockets
import Synchronization

/// Runs blocking work (DNS, connect, TLS, reads) on threads of its own, at most `limit` at a time, so it never
/// holds one of Swift's few cooperative threads or a Dispatch worker. Threads start when work waits for one and
/// then stay, parked on a semaphore, until they were idle for `idleTimeout`. At most `maxWaiting` jobs wait for a
/// thread; more are refused at once, so a receiver that hangs cannot make the queue grow without bound.
final class BlockingThreads: Sendable {
    private struct State {
        var jobs: [@Sendable () -> Void] = []
        var threads = 0
        var busy = 0
    }

    private let state = Mutex(State())
    private let waiting = DispatchSemaphore(value: 0)
    let limit: Int
    let maxWaiting: Int
    private let name: String
    private let idleTimeout: DispatchTimeInterval

    /// Starts a thread; `OSThread.start` but for tests of a system that refuses threads.
    typealias ThreadStarter = @Sendable (String, @escaping @Sendable () -> Void) throws -> Void
    private let startThread: ThreadStarter

    init(
        limit: Int, name: String, maxWaiting: Int = 64, idleTimeout: DispatchTimeInterval = .seconds(10),
        startThread: @escaping ThreadStarter = { try OSThread.start(name: $0, $1) }
    ) {
        self.limit = max(1, limit)
        self.maxWaiting = max(0, maxWaiting)
        self.name = name
        self.idleTimeout = idleTimeout
        self.startThread = startThread
    }

    /// Jobs submitted and not yet taken by a thread.
    var waitingJobs: Int { state.withLock { $0.jobs.count } }

    /// Threads started and not yet ended.
    var threadCount: Int { state.withLock { $0.threads } }

    /// `work`'s result, computed on one of the threads; waits for a free one when all `limit` are busy. Nil when
    /// refused because `maxWaiting` jobs already wait.
    func run<T: Sendable, E: Error>(_ work: @escaping @Sendable () throws(E) -> T) async throws(E) -> T? {
        let result: Result<T, E>? = await withCheckedContinuation { continuation in
            let taken = submit {
                do throws(E) {
                    continuation.resume(returning: .success(try work()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
            if !taken { continuation.resume(returning: nil) }
        }
        return try result?.get()
    }

    /// False when the job was refused (the queue is full).
    private func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        let spawn = state.withLock { state -> Bool? in
            guard state.jobs.count - (state.threads - state.busy) < maxWaiting || state.threads < limit else {
                return nil
            }
            state.jobs.append(job)
            // Threads not busy are parked (or about to be) and will take the job.
            guard state.threads - state.busy < state.jobs.count, state.threads < limit else { return false }
            state.threads += 1
            return true
        }
        guard let spawn else { return false }
        if spawn {
            do {
                try startThread(name) { [self] in loop() }
            } catch {
                // Refused by the system. With no thread at all, nobody would ever take the job: it runs on a
                // Dispatch thread instead, which it blocks, but the caller gets its answer.
                let orphan = state.withLock { state -> (@Sendable () -> Void)? in
                    state.threads -= 1
                    guard state.threads == 0, !state.jobs.isEmpty else { return nil }
                    return state.jobs.removeLast()
                }
                if let orphan {
                    DispatchQueue.global().async(execute: orphan)
                    return true
                }
            }
        }
        waiting.signal()
        return true
    }

    private func loop() {
        while true {
            if waiting.wait(timeout: .now() + idleTimeout) == .timedOut {
                // Idle for a while: the thread ends, unless a job came in the meantime (its signal is still due).
                let exit = state.withLock { state in
                    guard state.jobs.isEmpty else { return false }
                    state.threads -= 1
                    return true
                }
                if exit { return }
                continue
            }
            guard
                let job = state.withLock({ state -> (@Sendable () -> Void)? in
                    guard !state.jobs.isEmpty else { return nil }
                    state.busy += 1
                    return state.jobs.removeFirst()
                })
            else { continue }
            job()
            state.withLock { $0.busy -= 1 }
        }
    }
}
