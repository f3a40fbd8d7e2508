import Testing
@testable import FormCore

@Suite struct HeaderValueTests {
    @Test(arguments: [
        ("form-data; name=\"first_name\"", "form-data", ["name": "first_name"]),
        ("form-data; name=\"a;b\"; filename=\"x.txt\"", "form-data", ["name": "a;b", "filename": "x.txt"]),
        ("form-data; name=\"say \\\"hi\\\"\"", "form-data", ["name": "say \"hi\""]),
        ("form-data;NAME=plain;  Name=second", "form-data", ["name": "plain"]),
        ("multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW", "multipart/form-data",
         ["boundary": "----WebKitFormBoundary7MA4YWxkTrZu0gW"]),
        ("text/plain;charset=utf-8;;novalue;=x", "text/plain", ["charset": "utf-8"]),
        ("form-data; name=\"\"", "form-data", ["name": ""]),
        ("form-data; name=\"unterminated", "form-data", ["name": "\"unterminated"]),
        ("", "", [:]),
    ] as [(String, String, [String: String])])
    func parsesParameters(header: String, value: String, parameters: [String: String]) {
        let parsed = HeaderValue(header)
        #expect(parsed.value == value)
        #expect(parsed.parameters == parameters)
    }

    @Test(arguments: [
        ("application/json", "application", "json", true),
        // The common values come from a table made by the same parser.
        ("application/json; charset=utf-8", "application", "json", true),
        ("application/json;charset=UTF-8", "application", "json", true),
        ("application/x-www-form-urlencoded; charset=UTF-8", "application", "x-www-form-urlencoded", true),
        ("Application/JSON; Charset=UTF-8", "application", "json", true),
        ("application/x-www-form-urlencoded; charset=\"utf8\"", "application", "x-www-form-urlencoded", true),
        ("application/json; charset=latin1", "application", "json", false),
        ("  text/html  ", "text", "html", true),
    ])
    func mediaTypes(header: String, type: String, subtype: String, utf8: Bool) throws {
        let media = try #require(MediaType(header))
        #expect(media.type == type)
        #expect(media.subtype == subtype)
        #expect(media.essence == type + "/" + subtype)
        #expect(media.isUTF8 == utf8)
    }

    @Test(arguments: ["", "json", "/json", "application/", "a/b/c", "application /json", "application/json x",
                      "text/plain\r\nX-Injected: 1", "text/plain\r\nX:1", "text/pl\u{0}ain", "text/plä", ";charset=utf-8"])
    func invalidMediaTypes(header: String) {
        #expect(MediaType(header) == nil)
    }

    @Test(arguments: [("  a b \t", "a b"), ("\t\t", ""), ("", ""), ("x", "x"), (" ä ", "ä")])
    func trimming(input: String, expected: String) {
        #expect(input.trimmingASCIIWhitespace() == expected)
    }
}
