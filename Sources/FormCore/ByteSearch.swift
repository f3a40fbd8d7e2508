/// A fixed byte pattern searched fast enough to keep up with memory: Boyer–Moore–Horspool for patterns of 32 bytes
/// or more (the window jumps by up to the pattern's length, so a browser's multipart delimiter of 40-odd bytes is
/// found without looking at most bytes at all), and for shorter ones a scan for the first byte eight bytes at a
/// time. Also answers where a match could still begin in the last bytes of a buffer, for searches across chunks.
struct BytePattern: Sendable {
    let bytes: [UInt8]
    /// How far the window moves when its last byte is the index: the distance from that byte's last place in the
    /// pattern (not counting the pattern's final byte) to the end.
    private let shift: [Int]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var shift = [Int](repeating: max(bytes.count, 1), count: 256)
        for (index, byte) in bytes.dropLast().enumerated() {
            shift[Int(byte)] = bytes.count - 1 - index
        }
        self.shift = shift
    }

    var count: Int { bytes.count }

    /// The first index at or after `start` where the whole pattern occurs.
    func firstMatch(in haystack: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        let length = bytes.count
        guard length > 0, start >= 0, haystack.count - start >= length, let base = haystack.baseAddress else {
            return nil
        }
        if length < Self.shortPattern {
            return firstMatchScanningFirstByte(in: haystack, from: start)
        }
        return bytes.withUnsafeBufferPointer { pattern -> Int? in
            shift.withUnsafeBufferPointer { shift -> Int? in
                guard let needle = pattern.baseAddress, let jump = shift.baseAddress else { return nil }
                let last = length - 1
                let lastByte = needle[last]
                let lastStart = haystack.count - length
                var index = start
                while index <= lastStart {
                    let byte = base[index + last]
                    if byte == lastByte {
                        var offset = 0
                        while offset < last && base[index + offset] == needle[offset] {
                            offset += 1
                        }
                        if offset == last { return index }
                    }
                    index += jump[Int(byte)]
                }
                return nil
            }
        }
    }

    /// Below this length Horspool's jumps are too short to beat a word-wise scan.
    static let shortPattern = 32

    /// Finds candidates by their first byte, eight bytes per step: a word XORed with the byte repeated has a zero byte
    /// where the byte is, and `(v - 0x01…) & ~v & 0x80…` marks the lowest zero byte exactly.
    private func firstMatchScanningFirstByte(in haystack: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let first = bytes.first, let base = haystack.baseAddress else { return nil }
        let raw = UnsafeRawPointer(base)
        let lastStart = haystack.count - bytes.count
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let repeated = ones &* UInt64(first)
        var index = start
        while index <= lastStart {
            var candidate: Int?
            if index + 8 <= haystack.count {
                let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)) ^ repeated
                let found = (word &- ones) & ~word & highs
                if found == 0 {
                    index += 8
                    continue
                }
                candidate = index + found.trailingZeroBitCount / 8
            } else if base[index] == first {
                candidate = index
            }
            guard let position = candidate else {
                index += 1
                continue
            }
            if position > lastStart { return nil }
            if matches(base + position) { return position }
            index = position + 1
        }
        return nil
    }

    /// Whether the pattern's bytes follow `pointer` (which has at least that many).
    private func matches(_ pointer: UnsafePointer<UInt8>) -> Bool {
        for offset in 1..<bytes.count where pointer[offset] != bytes[offset] {
            return false
        }
        return true
    }

    /// The first index at or after `start` from which the rest of the haystack is a proper, non-empty prefix of
    /// the pattern: where a match cut off by the end of the buffer could begin.
    func partialMatchAtEnd(in haystack: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        let end = haystack.count
        var index = max(start, end - bytes.count + 1, 0)
        while index < end {
            var offset = 0
            while index + offset < end && haystack[index + offset] == bytes[offset] {
                offset += 1
            }
            if index + offset == end { return index }
            index += 1
        }
        return nil
    }
}

extension Array where Element == UInt8 {
    /// The first occurrence of `pattern` starting at or after `start` and ending by `end` (default: the end).
    func firstIndex(of pattern: [UInt8], from start: Int, before end: Int? = nil) -> Int? {
        firstIndex(of: BytePattern(pattern), from: start, before: end)
    }

    func firstIndex(of pattern: BytePattern, from start: Int, before end: Int? = nil) -> Int? {
        let limit = Swift.min(end ?? count, count)
        guard start >= 0, start <= limit else { return nil }
        return withUnsafeBufferPointer { buffer in
            pattern.firstMatch(in: UnsafeBufferPointer(rebasing: buffer[..<limit]), from: start)
        }
    }

    func matches(_ pattern: [UInt8], at index: Int) -> Bool {
        guard index >= 0, index + pattern.count <= count else { return false }
        for offset in 0..<pattern.count where self[index + offset] != pattern[offset] {
            return false
        }
        return true
    }
}
