import Testing
import WebText

@Suite struct OptionalWhitespaceTests {
    @Test(arguments: [("  a b \t", "a b"), ("\t\t", ""), ("", ""), ("x", "x"), (" ä ", "ä")])
    func trimming(input: String, expected: String) {
        #expect(input.trimmingWhitespace() == expected)
    }

    /// Only SP and HTAB are HTTP's optional whitespace: line breaks and Unicode's spaces stay.
    @Test(arguments: [("\r\na\r\n", "\r\na\r\n"), ("\u{A0}a\u{A0}", "\u{A0}a\u{A0}"), ("\u{3000}a", "\u{3000}a"),
                      ("\u{B}a", "\u{B}a"), (" \na\n ", "\na\n")])
    func keepsOtherWhiteSpace(input: String, expected: String) {
        #expect(input.trimmingWhitespace() == expected)
    }

    @Test(arguments: [(" 😀 ", "😀"), ("\té\u{301}\t", "é\u{301}"), (" 日本 語 ", "日本 語"), ("€ ", "€")])
    func keepsWholeScalarsAtTheEdges(input: String, expected: String) {
        let trimmed = input.trimmingWhitespace()
        #expect(Array(trimmed.unicodeScalars) == Array(expected.unicodeScalars))
    }

    @Test func trimsSubstrings() {
        let header = "gzip ;  q=0.5 "
        let parts = header.split(separator: ";").map { $0.trimmingWhitespace() }
        #expect(parts == ["gzip", "q=0.5"])
    }
}
