import Dispatch
import Synchronization

/// Keep-alive connections between requests, per origin (scheme, host and port).
///
/// A connection waits here at most `idleTimeout`: servers close idle ones after a few seconds, and a request must
/// not go out on a connection the server is just closing. A sweep closes connections that waited too long, so none
/// linger half-closed after the last request of a burst.
final class ConnectionPool: Sendable {
    private struct State {
        var idle: [Origin: [ClientConnection]] = [:]
        var sweepScheduled = false
    }

    private let state = Mutex(State())
    let idleTimeout: Duration
    let maxIdlePerOrigin: Int

    init(idleTimeout: Duration, maxIdlePerOrigin: Int) {
        self.idleTimeout = idleTimeout
        self.maxIdlePerOrigin = maxIdlePerOrigin
    }

    /// The most recently used idle connection to `origin` that is still fit for a request, if any. Older and
    /// unfit ones are closed on the way.
    func take(for origin: Origin) -> ClientConnection? {
        let now = ContinuousClock.now
        while let candidate = state.withLock({ $0.idle[origin]?.popLast() }) {
            if candidate.idleSince.duration(to: now) < idleTimeout && !candidate.isStale { return candidate }
            candidate.close()
        }
        return nil
    }

    /// Keeps a connection whose answer was read whole, for the next request; closes it when the pool is full.
    func giveBack(_ connection: ClientConnection) {
        connection.idleSince = .now
        let (kept, scheduleSweep) = state.withLock { state in
            guard state.idle[connection.endpoint.origin, default: []].count < maxIdlePerOrigin else {
                return (false, false)
            }
            state.idle[connection.endpoint.origin, default: []].append(connection)
            defer { state.sweepScheduled = true }
            return (true, !state.sweepScheduled)
        }
        if !kept { connection.close() }
        if scheduleSweep { sweep(after: idleTimeout) }
    }

    /// Connections waiting right now, all origins together.
    var idleCount: Int { state.withLock { $0.idle.values.reduce(0) { $0 + $1.count } } }

    func closeAll() {
        let all = state.withLock { state in
            defer { state.idle = [:] }
            return state.idle.values.flatMap { $0 }
        }
        for connection in all { connection.close() }
    }

    private func sweep(after delay: Duration) {
        let nanoseconds = Int(
            clamping: delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000)
        // Weak: a client that is gone needs no sweep; its deinit closed everything.
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { [weak self] in
            self?.sweepNow()
        }
    }

    private func sweepNow() {
        let now = ContinuousClock.now
        let (expired, nextCheck) = state.withLock { state -> ([ClientConnection], Duration?) in
            var expired: [ClientConnection] = []
            var oldest: ContinuousClock.Instant?
            for origin in Array(state.idle.keys) {
                let connections = state.idle[origin] ?? []
                let fresh = connections.filter { $0.idleSince.duration(to: now) < idleTimeout }
                expired += connections.filter { $0.idleSince.duration(to: now) >= idleTimeout }
                state.idle[origin] = fresh.isEmpty ? nil : fresh
                if let first = fresh.map(\.idleSince).min() { oldest = min(oldest ?? first, first) }
            }
            state.sweepScheduled = oldest != nil
            return (expired, oldest.map { now.duration(to: $0 + idleTimeout) })
        }
        for connection in expired { connection.close() }
        if let nextCheck { sweep(after: max(nextCheck, .milliseconds(10))) }
    }
}
