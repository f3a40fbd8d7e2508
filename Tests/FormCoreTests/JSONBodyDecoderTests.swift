import Testing
import FormCore

@Suite struct JSONBodyDecoderTests {
    static func decode(_ json: String) -> Result<[String: String], DecodeError> {
        JSONBodyDecoder.decode(Array(json.utf8))
    }

    @Test(arguments: [
        (#"{"first_name":"Max","last_name":"O'Brien"}"#, ["first_name": "Max", "last_name": "O'Brien"]),
        (#"{"consent":true,"newsletter":false}"#, ["consent": "true", "newsletter": "false"]),
        (#"{"a":1,"b":true,"c":0,"d":false}"#, ["a": "1", "b": "true", "c": "0", "d": "false"]),
        (#"{"zipcode":30449,"neg":-42,"zero":-0}"#, ["zipcode": "30449", "neg": "-42", "zero": "0"]),
        (#"{"f":1.5,"g":0.1,"h":3.14159,"i":1e-7}"#, ["f": "1.5", "g": "0.1", "h": "3.14159", "i": "0.0000001"]),
        (#"{"one":1.0,"thousand":1e3,"big":12345678901234567890}"#, ["one": "1", "thousand": "1000", "big": "12345678901234567890"]),
        (#"{"phone":4951112345678}"#, ["phone": "4951112345678"]),
        (#"{"company_name":null}"#, ["company_name": ""]),
        (#"{}"#, [:]),
        (#" { "a" : "b" } "#, ["a": "b"]),
        (#"{"name":"Иван","city":"القاهرة","note":"東京"}"#, ["name": "Иван", "city": "القاهرة", "note": "東京"]),
        (#"{"m":"<script>alert('x')</script>","q":"\" OR 1=1 --"}"#, ["m": "<script>alert('x')</script>", "q": "\" OR 1=1 --"]),
        (#"{"nul":"a\u0000b","rtl":"\u202Eevil","crlf":"a\r\nBcc: x"}"#, ["nul": "a\u{0}b", "rtl": "\u{202E}evil", "crlf": "a\r\nBcc: x"]),
        (#"{"_token":"abc","website":""}"#, ["_token": "abc", "website": ""]),
        (#"{"emoji":"\ud83d\ude00"}"#, ["emoji": "😀"]),
    ] as [(String, [String: String])])
    func decodes(json: String, expected: [String: String]) {
        #expect(Self.decode(json) == .success(expected))
    }

    @Test(arguments: [
        (#"{"tags":["a"]}"#, #"field "tags": arrays and objects are not accepted, only strings, numbers, booleans or null"#),
        (#"{"a":"ok","address":{"city":"x"}}"#, #"field "address": arrays and objects are not accepted, only strings, numbers, booleans or null"#),
        (#"{"z":[],"b":{}}"#, #"field "b": arrays and objects are not accepted, only strings, numbers, booleans or null"#),
        (#"{"huge":1e400}"#, #"field "huge": invalid string or number out of range"#),
        (#"{"lone":"\ud800"}"#, #"field "lone": invalid string or number out of range"#),
        (#"[{"a":1}]"#, "the JSON body must be an object"),
        (#""text""#, "the JSON body must be an object"),
        ("42", "the JSON body must be an object"),
        ("true", "the JSON body must be an object"),
        ("null", "the JSON body must be an object"),
        ("", "the body is not valid JSON"),
        ("{", "the body is not valid JSON"),
        ("{'a':1}", "the body is not valid JSON"),
        (#"{"a":}"#, "the body is not valid JSON"),
        (#"{"a":1}{"b":2}"#, "the body is not valid JSON"),
        ("first_name=Max", "the body is not valid JSON"),
        (#"{"a":NaN}"#, "the body is not valid JSON"),
        (#"{"a":"\x"}"#, #"field "a": invalid string or number out of range"#),
        (#"{"a":"line"# + "\n" + #"break"}"#, #"field "a": invalid string or number out of range"#),
    ])
    func rejects(json: String, message: String) {
        #expect(Self.decode(json) == .failure(.malformed(message)))
    }

    @Test func rejectsInvalidUTF8() {
        let body = Array(#"{"last_name":"M"#.utf8) + [0xFC] + Array(#"ller"}"#.utf8)
        #expect(JSONBodyDecoder.decode(body) == .failure(.malformed(#"field "last_name": invalid string or number out of range"#)))
        let badKey = Array(#"{"k"#.utf8) + [0xFF] + Array(#"":"v"}"#.utf8)
        #expect(JSONBodyDecoder.decode(badKey) == .failure(.malformed("the body is not valid JSON")))
    }

    @Test func deepNestingIsRejectedWithoutCrashing() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(Self.decode(deep) == .failure(.malformed("the body is not valid JSON")))
        let deepInObject = #"{"a":"# + String(repeating: "{\"a\":", count: 100_000) + "1" + String(repeating: "}", count: 100_001)
        #expect(Self.decode(deepInObject) == .failure(.malformed("the body is not valid JSON")))
    }

    @Test func megabyteString() {
        let value = String(repeating: "Ä<\u{202E}", count: 250_000)
        #expect(Self.decode(#"{"message":""# + value + #""}"#) == .success(["message": value]))
    }

    /// The scanner's own corners: escapes, trailing comma, duplicates, number grammar and the nesting limit.
    @Test(arguments: [
        (#"{"a":"x\/y\b\f\t\u00e4\u00C4","b":"\ud83d\ude00!"}"#, ["a": "x/y\u{8}\u{C}\tä\u{C4}", "b": "😀!"]),
        (#"{"a":"1",}"#, ["a": "1"]),
        (#"{"a":"first","a":"last"}"#, ["a": "last"]),
        (#"{"e":1E2,"m":-0.0,"s":-1.25e+1}"#, ["e": "100", "m": "0", "s": "-12.5"]),
        ("\t{\r\n\"a\"\t:\n\"b\"\r}\n", ["a": "b"]),
        (#"{"max":9223372036854775807,"min":-9223372036854775808}"#, ["max": "9223372036854775807", "min": "-9223372036854775808"]),
        // Digits are never rounded through a Double.
        (#"{"a":9007199254740993.0,"b":12345678901234567890e2}"#,
         ["a": "9007199254740993", "b": "1234567890123456789000"]),
    ] as [(String, [String: String])])
    func scannerCorners(json: String, expected: [String: String]) {
        #expect(Self.decode(json) == .success(expected))
    }

    @Test(arguments: [
        (#"{"a":-}"#, "the body is not valid JSON"),
        (#"{"a":1.}"#, "the body is not valid JSON"),
        (#"{"a":.5}"#, "the body is not valid JSON"),
        (#"{"a":1e}"#, "the body is not valid JSON"),
        (#"{"a":01}"#, "the body is not valid JSON"),
        (#"{"a":tru}"#, "the body is not valid JSON"),
        (#"{,}"#, "the body is not valid JSON"),
        (#"{"a":1,,}"#, "the body is not valid JSON"),
        (#"{"a" 1}"#, "the body is not valid JSON"),
        (#"{"a":1 "b":2}"#, "the body is not valid JSON"),
        (#"{"a":"unterminated}"#, "the body is not valid JSON"),
        (#"{"a":"ends in backslash\"#, "the body is not valid JSON"),
        (#"{"a":[1,}"#, "the body is not valid JSON"),
        (#"{"a":[1 2]}"#, "the body is not valid JSON"),
        (#"{"a":{"k" 1}}"#, "the body is not valid JSON"),
        (#"{"a":"\u12"}"#, #"field "a": invalid string or number out of range"#),
        (#"{"a":"\uZZZZ"}"#, #"field "a": invalid string or number out of range"#),
        (#"{"a":"\udc00"}"#, #"field "a": invalid string or number out of range"#),
        (#"{"a":"\ud83dx"}"#, #"field "a": invalid string or number out of range"#),
        (#"{"b":[],"a":"\q"}"#, #"field "a": invalid string or number out of range"#),
        (#"{"k\q":1}"#, "the body is not valid JSON"),
    ])
    func scannerRejects(json: String, message: String) {
        #expect(Self.decode(json) == .failure(.malformed(message)))
    }

    @Test func nestingUpToTheLimitIsANestedValueBeyondItInvalid() {
        let within = #"{"a":"# + String(repeating: "[", count: 500) + String(repeating: "]", count: 500) + "}"
        #expect(Self.decode(within) == .failure(.malformed(#"field "a": arrays and objects are not accepted, only strings, numbers, booleans or null"#)))
        let beyond = #"{"a":"# + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "}"
        #expect(Self.decode(beyond) == .failure(.malformed("the body is not valid JSON")))
    }
}
