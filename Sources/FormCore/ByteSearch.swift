/// Substring search on bytes, for the multipart decoder. Patterns are short (≤ 74 bytes), so the
/// naive scan with a first-byte filter is linear enough for bodies of a few megabytes.
extension Array where Element == UInt8 {
    func firstIndex(of pattern: [UInt8], from start: Int, before end: Int? = nil) -> Int? {
        let limit = Swift.min(end ?? count, count)
        guard let first = pattern.first, start >= 0, limit - pattern.count >= start else { return nil }
        var index = start
        let lastStart = limit - pattern.count
        while index <= lastStart {
            if self[index] == first && matches(pattern, at: index) { return index }
            index += 1
        }
        return nil
    }

    func matches(_ pattern: [UInt8], at index: Int) -> Bool {
        guard index >= 0, index + pattern.count <= count else { return false }
        for offset in 0..<pattern.count where self[index + offset] != pattern[offset] {
            return false
        }
        return true
    }
}
