import Foundation
import FormCore
import HTTPServer
import JSON
import Testing
@testable import HeroformApp

/// heroform's JSON answers, written by the JSON module: sorted keys, escapes that survive a `<script>` and
/// JavaScript's line separators, and every string reading back as itself.
@Suite struct LeadAnswerTests {
    func text(_ value: JSONValue) -> String { String(decoding: LeadAnswer.json(value).body, as: UTF8.self) }

    @Test func encodesAnswersWithSortedKeysAndEscapes() throws {
        let answer = LeadAnswer.json([
            "status": "error", "message": "Zeile 1\nZeile 2 \"zitiert\" \\ \u{1}", "count": 3, "ok": false,
            "errors": ["email": "Bitte prüfen", "zipcode": "</script>\u{2028}"],
        ], status: .unprocessableContent)
        #expect(answer.status == .unprocessableContent)
        #expect(answer.headers["Content-Type"] == "application/json; charset=utf-8")
        #expect(answer.headers["Cache-Control"] == "no-store")
        let text = String(decoding: answer.body, as: UTF8.self)
        #expect(text.hasPrefix(
            "{\"count\":3,\"errors\":{\"email\":\"Bitte prüfen\",\"zipcode\":\"</script>\\u2028\"},\"message\":"))
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(parsed["message"] as? String == "Zeile 1\nZeile 2 \"zitiert\" \\ \u{1}")
        #expect(parsed["ok"] as? Bool == false)
        #expect(parsed["count"] as? Int == 3)
        #expect((parsed["errors"] as? [String: String])?["zipcode"] == "</script>\u{2028}")
    }

    /// Written byte by byte: characters that share U+2028's first bytes (’ is E2 80 99, – is E2 80 93) must pass
    /// through unchanged, and every string must read back as itself.
    @Test(arguments: ["’quoted’", "a – b", "\u{2028}\u{2029}", "x\u{2028}", "\u{E2}", "€ 100", "😀 ok",
                      "\u{0}\u{1F}\u{7F}", "", "\\\"", "Straße\r\n\t"])
    func roundTrips(value: String) throws {
        let encoded = text(["v": .string(value)])
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(encoded.utf8)) as? [String: String])
        #expect(parsed["v"] == value)
        #expect(!encoded.unicodeScalars.contains { $0.value < 0x20 || $0 == "\u{2028}" || $0 == "\u{2029}" })
    }

    @Test func objectsAtAnyLevelKeepSortedKeys() {
        #expect(text(["b": "2", "a": "1"]) == #"{"a":"1","b":"2"}"#)
        #expect(text(["z": ["y": "1", "x": "2"], "a": true, "n": 3]) == #"{"a":true,"n":3,"z":{"x":"2","y":"1"}}"#)
    }

    @Test func escapesControlCharactersAsHex() {
        #expect(text(["v": "\u{1}\u{1F}"]) == #"{"v":"\u0001\u001f"}"#)
        #expect(text(["v": "a\u{2028}b"]) == #"{"v":"a\u2028b"}"#)
        #expect(text(["v": "’"]) == "{\"v\":\"’\"}")
    }

    @Test func aTakenLeadIsSuccessQueuedOrARedirect() throws {
        let form = FormDefinition(id: "dach", measure: "DOG", partnerSource: "Web")
        let delivered = LeadAnswer.taken(reference: "K7M-4QX-9TD", delivered: true, form: form, json: true)
        #expect(delivered.status == .ok)
        #expect(String(decoding: delivered.body, as: UTF8.self) == #"{"reference":"K7M-4QX-9TD","status":"success"}"#)
        let queued = LeadAnswer.taken(reference: "K7M-4QX-9TD", delivered: false, form: form, json: true)
        #expect(queued.status == .accepted)
        #expect(String(decoding: queued.body, as: UTF8.self) == #"{"reference":"K7M-4QX-9TD","status":"queued"}"#)
        let page = LeadAnswer.taken(reference: "K7M-4QX-9TD", delivered: false, form: form, json: false)
        #expect(page.status == .seeOther)
        #expect(page.headers["Location"] == "/thanks?ref=K7M-4QX-9TD&form=dach")
        #expect(page.headers["Cache-Control"] == "no-store")
        var elsewhere = form
        elsewhere.successURL = "https://dach.example/danke"
        let redirect = LeadAnswer.taken(reference: "K7M-4QX-9TD", delivered: true, form: elsewhere, json: false)
        #expect(redirect.headers["Location"] == "https://dach.example/danke")
    }
}
