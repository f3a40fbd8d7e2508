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
}
