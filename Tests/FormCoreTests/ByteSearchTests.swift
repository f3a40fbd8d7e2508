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
