import Testing
@testable import FormCore

@Suite struct URLEncodedDecoderTests {
    static func decode(_ body: String) -> Result<[String: String], DecodeError> {
        URLEncodedDecoder.decode(Array(body.utf8))
    }

    @Test(arguments: [
        ("a=1&b=2", ["a": "1", "b": "2"]),
        ("last_name=Max+Mustermann", ["last_name": "Max Mustermann"]),
        ("last_name=M%C3%BCller", ["last_name": "Müller"]),
        ("last_name=M%c3%bcller", ["last_name": "Müller"]),
        ("last_name=O%27Brien", ["last_name": "O'Brien"]),
        ("first_name=%D0%98%D0%B2%D0%B0%D0%BD", ["first_name": "Иван"]),
        ("first_name=%D9%85%D8%AD%D9%85%D8%AF", ["first_name": "محمد"]),
        ("city=%E6%9D%B1%E4%BA%AC", ["city": "東京"]),
        ("a=1&a=2", ["a": "1"]),
        ("consent", ["consent": ""]),
        ("a=", ["a": ""]),
        ("", [:]),
        ("&&&", [:]),
        ("a=1&&b=2&", ["a": "1", "b": "2"]),
        ("=x", ["": "x"]),
        ("a=b=c", ["a": "b=c"]),
        ("%2B=%26%3D", ["+": "&="]),
        ("a+b=c+d", ["a b": "c d"]),
        ("_token=abc&website=", ["_token": "abc", "website": ""]),
        ("message=a%0D%0Ab", ["message": "a\r\nb"]),
        ("x=%00", ["x": "\u{0}"]),
        ("x=%E2%80%AE", ["x": "\u{202E}"]),
        ("q=%27%20OR%201%3D1--", ["q": "' OR 1=1--"]),
        ("m=%3Cscript%3Ealert(1)%3C%2Fscript%3E", ["m": "<script>alert(1)</script>"]),
        ("x=100%25", ["x": "100%"]),
        ("x=raw Müller", ["x": "raw Müller"]),
    ] as [(String, [String: String])])
    func decodes(body: String, expected: [String: String]) {
        #expect(Self.decode(body) == .success(expected))
    }

    @Test(arguments: [
        ("a=%", #"field "a": invalid percent escape"#),
        ("a=%4", #"field "a": invalid percent escape"#),
        ("a=%zz", #"field "a": invalid percent escape"#),
        ("a=%G0&b=1", #"field "a": invalid percent escape"#),
        ("b=1&email=x%", #"field "email": invalid percent escape"#),
        ("a=%FF", #"field "a": invalid UTF-8"#),
        ("a=%C3", #"field "a": invalid UTF-8"#),
        ("a=%ED%A0%80", #"field "a": invalid UTF-8"#),
        ("a=%C0%AF", #"field "a": invalid UTF-8"#),
        ("%ZZ=1", "invalid percent escape in a field name"),
        ("%FF=1", "invalid UTF-8 in a field name"),
        ("x%0D%0AInjected%FF=1", "invalid UTF-8 in a field name"),
        ("x%0D%0AInjected=%", #"field "x\u{D}\u{A}Injected": invalid percent escape"#),
    ])
    func rejects(body: String, message: String) {
        #expect(Self.decode(body) == .failure(.malformed(message)))
    }

    @Test func rejectsRawInvalidUTF8() {
        #expect(URLEncodedDecoder.decode([0x61, 0x3D, 0xC3]) == .failure(.malformed(#"field "a": invalid UTF-8"#)))
        #expect(URLEncodedDecoder.decode([0xFE, 0x3D, 0x31]) == .failure(.malformed("invalid UTF-8 in a field name")))
    }

    @Test func megabyteValue() {
        let body = "message=" + String(repeating: "a+%C3%A4", count: 125_000)
        let result = Self.decode(body)
        #expect(result == .success(["message": String(repeating: "a ä", count: 125_000)]))
    }
}
