import FoundationEssentials
import Glibc
import Synchronization

/// At most `limit` events per `window` per key (a client address), as a sliding window. Kept in memory: a
/// restart forgets, which errs on the side of letting people through.
final class RateLimiter: Sendable {
    let limit: Int
    let window: TimeInterval
    private let state = Mutex(State())

    /// One client's event times, oldest first; `start` skips the expired ones without moving the rest.
    private struct Window {
        var times: [TimeInterval] = []
        var start = 0
        var count: Int { times.count - start }

        mutating func drop(before cutoff: TimeInterval) {
            while start < times.count, times[start] <= cutoff { start += 1 }
            if start > 64 && start > times.count / 2 {
                times.removeFirst(start)
                start = 0
            }
        }
    }

    private struct State {
        var events: [String: Window] = [:]
        var sinceSweep = 0
    }

    init(limit: Int, window: TimeInterval) {
        self.limit = limit
        self.window = window
    }

    /// Records an event for `key` unless it is over the limit; returns nil when allowed, else the seconds until
    /// the next event would be.
    func check(_ key: String, now: Date) -> Int? {
        let time = now.timeIntervalSince1970
        let cutoff = time - window
        return state.withLock { state in
            state.sinceSweep += 1
            if state.sinceSweep >= 1000 {
                // Forget clients that have gone quiet, so a flood of addresses cannot grow memory forever.
                state.sinceSweep = 0
                state.events = state.events.filter { ($0.value.times.last ?? 0) > cutoff }
            }
            var entry = state.events.removeValue(forKey: key) ?? Window()
            entry.drop(before: cutoff)
            defer { state.events[key] = entry }
            guard entry.count < limit else {
                return max(1, Int((entry.times[entry.start] + window - time).rounded(.up)))
            }
            entry.times.append(time)
            return nil
        }
    }
}
