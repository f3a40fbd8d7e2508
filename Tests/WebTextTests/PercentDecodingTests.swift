import Testing
import WebText

@Suite struct PercentDecodingTests {
    static func decode(_ text: String, plusIsSpace: Bool = true) -> Result<String, PercentDecoding.Failure> {
        PercentDecoding.decode(text, plusIsSpace: plusIsSpace)
    }

    @Test(arguments: [
        ("", ""), ("plain", "plain"), ("J%C3%B6rg", "Jörg"), ("%e2%82%ac", "€"), ("a%2Bb", "a+b"), ("%25", "%"),
        ("%F0%9F%98%80", "😀"), ("%00", "\u{0}"), ("%0D%0A", "\r\n"), ("a=b&c", "a=b&c"), ("Stra%C3%9Fe+5", "Straße 5"),
    ])
    func decodesEscapes(text: String, expected: String) {
        #expect(Self.decode(text) == .success(expected))
    }

    @Test func plusIsASpaceOnlyWhenAsked() {
        #expect(Self.decode("a+b", plusIsSpace: true) == .success("a b"))
        #expect(Self.decode("a+b", plusIsSpace: false) == .success("a+b"))
        #expect(Self.decode("a%20b", plusIsSpace: false) == .success("a b"))
    }

    @Test(arguments: ["%", "%4", "a%zz", "%G0", "%0G", "100%", "%%41", "% 41"])
    func refusesBrokenEscapes(text: String) {
        #expect(Self.decode(text) == .failure(.badEscape))
    }

    @Test(arguments: ["%FC", "M%FCller", "%C3", "%C3%28", "%ED%A0%80", "%C0%AF", "%F4%90%80%80"])
    func refusesWhatIsNotUTF8(text: String) {
        #expect(Self.decode(text) == .failure(.invalidUTF8))
    }

    @Test func readsBytesAndSubstringsAlike() {
        let body = Array("name=J%C3%B6rg+M".utf8)
        #expect(PercentDecoding.decode(body[5...], plusIsSpace: true) == .success("Jörg M"))
        let raw = Array("%41%FF".utf8)
        #expect(PercentDecoding.decode(raw[...], plusIsSpace: false) == .failure(.invalidUTF8))
        let query = "a=%41%42&b"
        #expect(PercentDecoding.decode(query.dropFirst(2).prefix(6), plusIsSpace: false) == .success("AB"))
    }
}
