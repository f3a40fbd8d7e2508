import Testing
@testable import FormCore

@Suite struct DecodeErrorTests {
    @Test func statusCodes() {
        #expect(DecodeError.unsupportedMediaType("text/plain").statusCode == 415)
        #expect(DecodeError.unsupportedMediaType(nil).statusCode == 415)
        #expect(DecodeError.malformed("x").statusCode == 400)
    }

    @Test func descriptions() {
        #expect(DecodeError.malformed("the body is not valid JSON").description == "the body is not valid JSON")
        #expect(DecodeError.unsupportedMediaType(nil).description.hasPrefix("unsupported media type (none);"))
        #expect(DecodeError.unsupportedMediaType("text/plain").description.hasPrefix(#"unsupported media type "text/plain";"#))
        #expect(DecodeError.unsupportedMediaType("a\r\nSet-Cookie: x").description.contains(#""a\u{D}\u{A}Set-Cookie: x""#))
    }

    @Test(arguments: [
        ("email", #""email""#),
        ("a\"b\\c", #""a\"b\\c""#),
        ("x\r\nX-Injected: 1", #""x\u{D}\u{A}X-Injected: 1""#),
        ("\u{202E}evil", #""\u{202E}evil""#),
        ("straße", #""stra\u{DF}e""#),
        ("\u{0}", #""\u{0}""#),
        ("", #""""#),
    ])
    func quotedNamesAreSafeForLogs(name: String, expected: String) {
        #expect(DecodeError.quoted(name) == expected)
    }

    @Test func quotedNamesAreShortened() {
        let quoted = DecodeError.quoted(String(repeating: "a", count: 1_000_000))
        #expect(quoted == "\"" + String(repeating: "a", count: 64) + "…\"")
        #expect(DecodeError.quoted(String(repeating: "b", count: 64)) == "\"" + String(repeating: "b", count: 64) + "\"")
    }

    @Test func malformedFieldMessage() {
        #expect(DecodeError.malformed(field: "first_name", "invalid UTF-8") == .malformed(#"field "first_name": invalid UTF-8"#))
    }
}
