import Testing
import WebText

@Suite struct MediaTypeTests {
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

    // One rule for "this is JSON", whether the media type was parsed or is read in place from the header.
    @Test(arguments: ["application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8",
                      " application/json ; charset=utf-8", "\tapplication/json", "application/problem+json",
                      "application/vnd.api+JSON; q=1", "text/x+json"])
    func jsonMediaTypes(header: String) throws {
        #expect(MediaType.isJSON(header))
        #expect(try #require(MediaType(header)).isJSON)
    }

    @Test(arguments: ["", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonx",
                      "application/json+", "text/json5", "json", "application/ json", "application/json-seq",
                      "application/jso", "text/json"])
    func otherMediaTypes(header: String) {
        #expect(!MediaType.isJSON(header))
        #expect(MediaType(header)?.isJSON != true)
    }

    /// Not a media type at all, yet its suffix says JSON: read in place it counts (the answer may be JSON), parsed
    /// it is refused (the body is not read).
    @Test func aBareSuffixIsJSONOnlyInPlace() {
        #expect(MediaType.isJSON("+json"))
        #expect(MediaType("+json") == nil)
    }
}
