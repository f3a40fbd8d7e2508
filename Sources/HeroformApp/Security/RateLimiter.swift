import FoundationEssentials
import Glibc
import Synchronization

/// At most `limit` events per `window` per key (a client address), as a sliding window. Kept in memory: a
/// restart forgets, which errs on the side of letting people through.
///
/// Memory is bounded: at most `maxEntries` keys (100,000 by default, some 25 MB at worst) are remembered. A new key
/// beyond that makes the limiter forget the key used least recently — not the oldest one made, nor one at random.
/// Forgetting a client only gives it a fresh allowance, never blocks anyone; and the way it is chosen keeps it
/// dear: a client held at its limit that goes on sending refreshes its key with every refused request, so it can
/// never push itself out, and pushing out anyone else takes `maxEntries` requests from as many other keys after
/// that client's last one (keys it cannot make up behind a trusted proxy or without an IPv6 range of its own).
final class RateLimiter: Sendable {
    static let defaultMaxEntries = 100_000

    let limit: Int
    let window: TimeInterval
    let maxEntries: Int
    private let state = Mutex(State())

    /// One client's event times, oldest first; `start` skips the expired ones without moving the rest.
    private struct Window {
        var times: [TimeInterval] = []
        var start = 0
        /// When the key was last used, as a `State.clock` value.
        var used: UInt64 = 0
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
        /// Keys in the order of their uses, oldest first, from `recencyStart` on. A use that is not its key's last
        /// (or of a key forgotten since) is stale and skipped; the list is rebuilt when the stale ones pile up.
        var recency: [(key: String, used: UInt64)] = []
        var recencyStart = 0
        var clock: UInt64 = 0
        var sinceSweep = 0

        mutating func touch(_ key: String, _ entry: inout Window) {
            clock += 1
            entry.used = clock
            recency.append((key, clock))
        }

        /// Forgets the key used least recently.
        mutating func forgetLeastRecentlyUsed() {
            while recencyStart < recency.count {
                let (key, used) = recency[recencyStart]
                recencyStart += 1
                if events[key]?.used == used {
                    events[key] = nil
                    return
                }
            }
        }

        /// Keeps the list of uses within a small multiple of the keys: rebuilt from the keys themselves. The whole
        /// array counts, the part before `recencyStart` too: eviction only moves the start, so an attacker cycling
        /// through more keys than the cap would otherwise grow it by one entry per request.
        mutating func compactRecency() {
            guard recency.count > 2 * events.count + 1024 else { return }
            recency = events.map { ($0.key, $0.value.used) }.sorted { $0.used < $1.used }
            recencyStart = 0
        }
    }

    init(limit: Int, window: TimeInterval, maxEntries: Int = RateLimiter.defaultMaxEntries) {
        self.limit = limit
        self.window = window
        self.maxEntries = max(1, maxEntries)
    }

    /// Keys remembered right now.
    var entryCount: Int { state.withLock { $0.events.count } }

    /// Uses remembered for the least-recently-used order (stale ones included): bounded as the keys are.
    var recencyCount: Int { state.withLock { $0.recency.count } }

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
            if entry.used == 0 && state.events.count >= maxEntries { state.forgetLeastRecentlyUsed() }
            entry.drop(before: cutoff)
            // A refused request counts as a use too: a client at its limit stays remembered while it keeps trying.
            state.touch(key, &entry)
            defer {
                state.events[key] = entry
                state.compactRecency()
            }
            guard entry.count < limit else {
                return max(1, Int((entry.times[entry.start] + window - time).rounded(.up)))
            }
            entry.times.append(time)
            return nil
        }
    }
}
