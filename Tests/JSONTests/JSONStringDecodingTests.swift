@testable import JSON
import Testing

/// The string rules both JSON readers share, on the bytes between the quotes.
@Suite struct JSONStringDecodingTests {
    static func decode(_ text: String) -> Result<String, JSONStringError> {
        JSONStringDecoding.decode(Array(text.utf8))
    }

    @Test func resolvesEveryEscape() {
        #expect(Self.decode(#"a\"b\\c\/d\be\ff\ng\rh\ti\u00e9\ud83d\ude00"#) == .success("a\"b\\c/d\u{8}e\u{C}f\ng\rh\ti\u{E9}😀"))
        #expect(Self.decode("") == .success(""))
        #expect(Self.decode("Grüße") == .success("Grüße"))
    }

    @Test(arguments: [
        ("ab\u{1}c", JSONStringError.Kind.controlCharacter, 2),
        (#"ab\x"#, .invalidEscape, 2),
        (#"ab\"#, .invalidEscape, 2),
        (#"\u12"#, .invalidUnicodeEscape, 2),
        (#"\u12G4"#, .invalidUnicodeEscape, 2),
        (#"\ud83d"#, .loneSurrogate, 6),
        (#"\ud83dx"#, .loneSurrogate, 6),
        (#"\ud83d\u0041"#, .loneSurrogate, 12),
        (#"\ud83d\uZZZZ"#, .invalidUnicodeEscape, 8),
        (#"x\ude00"#, .loneSurrogate, 7),
    ])
    func namesTheProblemAndWhere(text: String, kind: JSONStringError.Kind, offset: Int) {
        #expect(Self.decode(text) == .failure(JSONStringError(kind: kind, offset: offset)))
    }

    @Test func invalidUTF8IsReportedAtTheEnd() {
        #expect(JSONStringDecoding.decode([0x61, 0xFF, 0x62]) == .failure(JSONStringError(kind: .invalidUTF8, offset: 3)))
        // Also when an escape comes first: the bytes are checked once they are all decoded.
        #expect(JSONStringDecoding.decode(Array(#"\n"#.utf8) + [0xC3]) == .failure(JSONStringError(kind: .invalidUTF8, offset: 3)))
    }
}
