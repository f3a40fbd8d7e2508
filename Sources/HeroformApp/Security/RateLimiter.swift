import Foundation
import Synchronization

/// At most `limit` events per `window` per key (a client address), as a sliding window. Kept in memory: a
/// restart forgets, which errs on the side of letting people through.
final class RateLimiter: Sendable {
    let limit: Int
    let window: TimeInterval
    private let state = Mutex(State())

    private struct State {
        var events: [String: [TimeInterval]] = [:]
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
                state.events = state.events.filter { ($0.value.last ?? 0) > cutoff }
            }
            var times = state.events[key, default: []].filter { $0 > cutoff }
            guard times.count < limit else {
                state.events[key] = times
                return max(1, Int((times[0] + window - time).rounded(.up)))
            }
            times.append(time)
            state.events[key] = times
            return nil
        }
    }
}
