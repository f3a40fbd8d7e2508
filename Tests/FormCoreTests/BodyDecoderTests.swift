import Testing
import FormCore

@Suite struct BodyDecoderTests {
    static let urlEncoded = Array("first_name=J%C3%B6rg&consent=on".utf8)
    static let multipart = Array("--XyZ\r\nContent-Disposition: form-data; name=\"first_name\"\r\n\r\nJörg\r\n--XyZ\r\nContent-Disposition: form-data; name=\"consent\"\r\n\r\non\r\n--XyZ--\r\n".utf8)
    static let json = Array(#"{"first_name":"Jörg","consent":"on"}"#.utf8)
    static let expected = ["first_name": "Jörg", "consent": "on"]

    @Test(arguments: [
        "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=UTF-8",
        "APPLICATION/X-WWW-FORM-URLENCODED", "application/x-www-form-urlencoded;charset=\"utf-8\"",
        "application/x-www-form-urlencoded ; charset=utf8",
    ])
    func urlEncodedTypes(contentType: String) {
        #expect(BodyDecoder.decode(Self.urlEncoded, contentType: contentType) == .success(Self.expected))
    }

    @Test(arguments: [
        "multipart/form-data; boundary=XyZ", "multipart/form-data; boundary=\"XyZ\"", "Multipart/Form-Data; BOUNDARY=XyZ",
        "multipart/form-data;boundary=XyZ;charset=utf-8",
    ])
    func multipartTypes(contentType: String) {
        #expect(BodyDecoder.decode(Self.multipart, contentType: contentType) == .success(Self.expected))
    }

    @Test(arguments: [
        "application/json", "application/json; charset=utf-8", "Application/JSON", "application/vnd.api+json",
        "application/ld+json; charset=UTF-8", "text/vnd.example+json",
    ])
    func jsonTypes(contentType: String) {
        #expect(BodyDecoder.decode(Self.json, contentType: contentType) == .success(Self.expected))
    }

    @Test(arguments: [
        nil, "", "text/plain", "text/html", "application/xml", "json", "application/jsonx", "text/json",
        "multipart/mixed; boundary=XyZ", "application/octet-stream", "application/x-www-form-urlencoded; charset=iso-8859-1",
        "application/json; charset=utf-16", "application/x-www-form-urlencoded\r\nX-Injected: 1", "*/*",
    ] as [String?])
    func unsupportedTypes(contentType: String?) {
        let result = BodyDecoder.decode(Self.urlEncoded, contentType: contentType)
        #expect(result == .failure(.unsupportedMediaType(contentType)))
        if case .failure(let error) = result { #expect(error.statusCode == 415) }
    }

    @Test func malformedBodiesAre400() {
        let cases: [([UInt8], String)] = [
            (Array("a=%zz".utf8), "application/x-www-form-urlencoded"),
            (Self.multipart, "multipart/form-data"),
            (Self.multipart, "multipart/form-data; boundary=other"),
            (Array("{".utf8), "application/json"),
            (Self.urlEncoded, "application/json"),
        ]
        for (body, contentType) in cases {
            let result = BodyDecoder.decode(body, contentType: contentType)
            guard case .failure(let error) = result, case .malformed = error else {
                Issue.record("\(contentType) must be malformed, got \(result)")
                continue
            }
            #expect(error.statusCode == 400)
        }
    }

    @Test func missingBoundaryIsMalformed() {
        #expect(BodyDecoder.decode(Self.multipart, contentType: "multipart/form-data")
            == .failure(.malformed("multipart/form-data without a boundary parameter")))
    }
}
