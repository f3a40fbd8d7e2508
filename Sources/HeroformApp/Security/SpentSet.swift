import Synchronization

/// What was used up once and must not be used again (form tokens, proof-of-work solutions). In memory only: a
/// restart forgets it, which the issue this answers accepted (a replica's restart reopens at most the tokens it
/// had spent). It lives as long as the process, so a reload that changes the guards' settings keeps it.
///
/// Bounded: at `capacity` entries, those past their `until` go; if that frees too little, the tenth that would be
/// forgotten soonest goes too. Entries are only made for accepted leads (rate-limited, each a row in the outbox),
/// so reaching the cap takes 100,000 accepted leads within a token's lifetime; an evicted entry is a token near
/// the end of its life.
final class SpentSet: Sendable {
    /// 128 bits of the spent thing's MAC or hash: collisions are out of reach, and an entry stays small (about
    /// 40 bytes with the dictionary's overhead, so some 4 MB when full).
    struct Key: Hashable, Sendable {
        let high: UInt64
        let low: UInt64

        /// The first 16 bytes (fewer are padded with zeros; callers pass a 32-byte MAC or hash).
        init(_ bytes: some Collection<UInt8>) {
            var high: UInt64 = 0
            var low: UInt64 = 0
            for (index, byte) in bytes.prefix(16).enumerated() {
                // Big-endian, each byte at its place, so missing bytes read as zeros.
                if index < 8 {
                    high |= UInt64(byte) << (8 * (7 - index))
                } else {
                    low |= UInt64(byte) << (8 * (15 - index))
                }
            }
            self.high = high
            self.low = low
        }
    }

    static let defaultCapacity = 100_000

    let capacity: Int
    /// Each key with the unix second after which it would be refused anyway (expired), so may be forgotten.
    private let entries = Mutex<[Key: Int]>([:])

    init(capacity: Int = SpentSet.defaultCapacity) {
        self.capacity = max(1, capacity)
    }

    var count: Int { entries.withLock { $0.count } }

    func contains(_ key: Key) -> Bool {
        entries.withLock { $0[key] != nil }
    }

    /// Marks `key` spent until `until`; false when it was spent already.
    func spend(_ key: Key, until: Int, now: Int) -> Bool {
        entries.withLock { entries in
            guard entries[key] == nil else { return false }
            if entries.count >= capacity { Self.makeRoom(&entries, capacity: capacity, now: now) }
            entries[key] = until
            return true
        }
    }

    /// Gives a key back: the lead it was spent for was not stored after all.
    func unspend(_ key: Key) {
        _ = entries.withLock { $0.removeValue(forKey: key) }
    }

    private static func makeRoom(_ entries: inout [Key: Int], capacity: Int, now: Int) {
        entries = entries.filter { $0.value >= now }
        let target = capacity - max(1, capacity / 10)
        guard entries.count > target else { return }
        // Sorting once frees a tenth, so the next tenth of spends needs no sweep.
        let soonest = entries.sorted { $0.value < $1.value }.prefix(entries.count - target)
        for (key, _) in soonest { entries.removeValue(forKey: key) }
    }
}
