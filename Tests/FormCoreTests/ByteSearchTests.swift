import Testing
@testable import FormCore

@Suite struct ByteSearchTests {
    static let haystack = Array("ab\r\n--b\r\n--boundary--".utf8)

    @Test(arguments: [
        ("\r\n--b", 0, nil, 2),
        ("\r\n--b", 3, nil, 7),
        ("\r\n--b", 8, nil, nil),
        ("--", 0, nil, 4),
        ("--", 19, nil, 19),
        ("--", 20, nil, nil),
        ("--", 21, nil, nil),
        ("boundary", 0, 12, nil),
        ("boundary", 0, 19, 11),
        ("", 0, nil, nil),
        ("x", -1, nil, nil),
        ("ab", 100, nil, nil),
        (String(repeating: "a", count: 100), 0, nil, nil),
    ] as [(String, Int, Int?, Int?)])
    func firstIndex(pattern: String, from: Int, before: Int?, expected: Int?) {
        #expect(Self.haystack.firstIndex(of: Array(pattern.utf8), from: from, before: before) == expected)
    }

    @Test(arguments: [("ab", 0, true), ("--", 4, true), ("--", 5, false), ("--", 19, true), ("--", 20, false), ("---", 18, false),
                      ("a", -1, false), ("a", 1000, false)])
    func matches(pattern: String, at index: Int, expected: Bool) {
        #expect(Self.haystack.matches(Array(pattern.utf8), at: index) == expected)
    }

    @Test func findsAtTheEndOfAMegabyte() {
        let bytes = [UInt8](repeating: 0x2D, count: 1_000_000) + Array("\r\n--X".utf8)
        #expect(bytes.firstIndex(of: Array("\r\n--X".utf8), from: 0) == 1_000_000)
    }
}

@Suite struct BytePatternTests {
    static func firstMatch(_ pattern: String, in text: String, from start: Int = 0) -> Int? {
        Array(text.utf8).withUnsafeBufferPointer { BytePattern(Array(pattern.utf8)).firstMatch(in: $0, from: start) }
    }

    static func partial(_ pattern: String, in text: String, from start: Int = 0) -> Int? {
        Array(text.utf8).withUnsafeBufferPointer {
            BytePattern(Array(pattern.utf8)).partialMatchAtEnd(in: $0, from: start)
        }
    }

    @Test func firstMatch() {
        #expect(Self.firstMatch("\r\n--b", in: "ab\r\n--b\r\n--boundary--") == 2)
        #expect(Self.firstMatch("\r\n--b", in: "ab\r\n--b\r\n--boundary--", from: 3) == 7)
        #expect(Self.firstMatch("aab", in: "aaaab") == 2)  // the shift table must not skip a match
        #expect(Self.firstMatch("abcab", in: "abcabcab") == 0)
        #expect(Self.firstMatch("abcab", in: "xabcabcab", from: 2) == 4)
        #expect(Self.firstMatch("x", in: "") == nil)
        #expect(Self.firstMatch("", in: "abc") == nil)
        #expect(Self.firstMatch("abc", in: "abc", from: -1) == nil)
        #expect(Self.firstMatch("abc", in: "abc", from: 1) == nil)
    }

    /// Against the plain definition, on random text over a small alphabet (many near matches).
    @Test func firstMatchAgreesWithANaiveSearch() {
        var random = SeededRandom(seed: 3)
        for _ in 0..<5000 {
            // Both ways of searching: short patterns by their first byte, long ones by Horspool.
            let alphabet: ClosedRange<UInt8> = Bool.random(using: &random) ? 97...98 : 0...255
            var text = (0..<Int.random(in: 0...100, using: &random)).map { _ in
                UInt8.random(in: alphabet, using: &random)
            }
            let pattern = (0..<Int.random(in: 1...40, using: &random)).map { _ in
                UInt8.random(in: alphabet, using: &random)
            }
            if Bool.random(using: &random) {
                text.insert(contentsOf: pattern, at: Int.random(in: 0...text.count, using: &random))
            }
            let start = Int.random(in: 0...text.count, using: &random)
            let naive = text.count - pattern.count < start ? nil : (start...(text.count - pattern.count)).first {
                Array(text[$0..<($0 + pattern.count)]) == pattern
            }
            let found = text.withUnsafeBufferPointer { BytePattern(pattern).firstMatch(in: $0, from: start) }
            #expect(found == naive, "\(pattern) in \(text) from \(start)")
        }
    }

    @Test func partialMatchAtTheEnd() {
        #expect(Self.partial("\r\n--b", in: "data\r\n-") == 4)
        #expect(Self.partial("\r\n--b", in: "data\r") == 4)
        #expect(Self.partial("\r\n--b", in: "data\r\n--b") == nil)  // a whole match is not partial
        #expect(Self.partial("\r\n--b", in: "data\r\n-x") == nil)
        #expect(Self.partial("aab", in: "xaa") == 1)
        #expect(Self.partial("aab", in: "xaa", from: 2) == 2)
        #expect(Self.partial("abc", in: "") == nil)
        #expect(Self.partial("", in: "abc") == nil)
    }
}
