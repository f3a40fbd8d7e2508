import Foundation
import Testing
@testable import HeroformApp

@Suite struct JSONTextTests {
    @Test func encodesAnswersWithSortedKeysAndEscapes() throws {
        let object: [String: Any] = [
            "status": "error", "message": "Zeile 1\nZeile 2 \"zitiert\" \\ \u{1}", "count": 3, "ok": false,
            "errors": ["email": "Bitte prüfen", "zipcode": "</script>\u{2028}"],
        ]
        let text = JSONText.encode(object)
        #expect(text.hasPrefix("{\"count\":3,\"errors\":{\"email\":\"Bitte prüfen\",\"zipcode\":\"</script>\\u2028\"},\"message\":"))
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(parsed["message"] as? String == "Zeile 1\nZeile 2 \"zitiert\" \\ \u{1}")
        #expect(parsed["ok"] as? Bool == false)
        #expect(parsed["count"] as? Int == 3)
        #expect((parsed["errors"] as? [String: String])?["zipcode"] == "</script>\u{2028}")
    }

    /// Written byte by byte: characters that share U+2028's first bytes (’ is E2 80 99, – is E2 80 93) must pass
    /// through unchanged, and every string must read back as itself.
    @Test(arguments: ["’quoted’", "a – b", "\u{2028}\u{2029}", "x\u{2028}", "\u{E2}", "€ 100", "😀 ok", "\u{0}\u{1F}\u{7F}",
                      "", "\\\"", "Straße\r\n\t"])
    func roundTrips(text: String) throws {
        let encoded = JSONText.encode(["v": text])
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(encoded.utf8)) as? [String: String])
        #expect(parsed["v"] == text)
        #expect(!encoded.unicodeScalars.contains { $0.value < 0x20 || $0 == "\u{2028}" || $0 == "\u{2029}" })
    }

    @Test func stringDictionariesAtAnyLevelKeepSortedKeys() {
        #expect(JSONText.encode(["b": "2", "a": "1"] as [String: String]) == #"{"a":"1","b":"2"}"#)
        let nested: [String: Any] = ["z": ["y": "1", "x": "2"] as [String: String], "a": true, "n": 3]
        #expect(JSONText.encode(nested) == #"{"a":true,"n":3,"z":{"x":"2","y":"1"}}"#)
    }

    @Test func escapesControlCharactersAsHex() {
        #expect(JSONText.encode("\u{1}\u{1F}") == #""\u0001\u001f""#)
        #expect(JSONText.encode("a\u{2028}b") == #""a\u2028b""#)
        #expect(JSONText.encode("’") == "\"’\"")
    }
}
