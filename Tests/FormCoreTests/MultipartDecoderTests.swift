import Testing
@testable import FormCore

@Suite struct MultipartDecoderTests {
    static let boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW"

    /// Builds a body the way browsers do: each part is (header lines, content).
    static func body(_ parts: [(headers: [String], content: String)], boundary: String = boundary) -> [UInt8] {
        var text = ""
        for part in parts {
            text += "--\(boundary)\r\n" + part.headers.map { $0 + "\r\n" }.joined() + "\r\n" + part.content + "\r\n"
        }
        text += "--\(boundary)--\r\n"
        return Array(text.utf8)
    }

    static func field(_ name: String, _ value: String) -> (headers: [String], content: String) {
        (["Content-Disposition: form-data; name=\"\(name)\""], value)
    }

    static func decode(_ text: String, boundary: String = "b") -> Result<[String: String], DecodeError> {
        MultipartDecoder.decode(Array(text.utf8), boundary: boundary)
    }

    @Test func browserStyleBody() {
        let body = Self.body([
            Self.field("first_name", "Jörg"), Self.field("last_name", "O'Brien"),
            Self.field("message", "Zeile 1\r\nZeile 2\r\n"), Self.field("city", "Москва"), Self.field("empty", ""),
            Self.field("_token", "abc"),
        ])
        #expect(MultipartDecoder.decode(body, boundary: Self.boundary) == .success([
            "first_name": "Jörg", "last_name": "O'Brien", "message": "Zeile 1\r\nZeile 2\r\n", "city": "Москва",
            "empty": "", "_token": "abc",
        ]))
    }

    @Test func fileUploadsAreSkipped() {
        let body = Self.body([
            (["Content-Disposition: form-data; name=\"upload\"; filename=\"evil.php\"", "Content-Type: application/x-php"],
             "<?php system($_GET['c']); ?>"),
            (["Content-Disposition: form-data; name=\"empty_upload\"; filename=\"\"", "Content-Type: application/octet-stream"], ""),
            (["Content-Disposition: form-data; name=\"u2\"; filename*=UTF-8''b%C3%A4r.txt"], "x"),
            Self.field("email", "a@b.de"),
        ])
        #expect(MultipartDecoder.decode(body, boundary: Self.boundary) == .success(["email": "a@b.de"]))
    }

    @Test func binaryFileContentIsNotValidated() {
        var body = Array("--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.bin\"\r\n\r\n".utf8)
        body += [0xFF, 0xFE, 0x00, 0xC3]
        body += Array("\r\n--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b--".utf8)
        #expect(MultipartDecoder.decode(body, boundary: "b") == .success(["a": "1"]))
    }

    @Test(arguments: [
        // preamble and epilogue are ignored
        ("This is a preamble\r\n--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b--\r\nepilogue", ["a": "1"]),
        // duplicate names: the first wins
        ("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n2\r\n--b--", ["a": "1"]),
        // transport padding after the boundary
        ("--b \t \r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b--", ["a": "1"]),
        // header names and disposition type are case-insensitive; part Content-Type is ignored
        ("--b\r\ncontent-type: text/plain; charset=utf-8\r\nCONTENT-DISPOSITION: Form-Data; NAME=\"a\"\r\n\r\n1\r\n--b--", ["a": "1"]),
        // quoted names with ; and escaped quotes
        ("--b\r\nContent-Disposition: form-data; name=\"a;b \\\"c\\\"\"\r\n\r\n1\r\n--b--", ["a;b \"c\"": "1"]),
        // the boundary inside content but not at a line start is content
        ("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx--b y\r\n--bb\r\n--b--", ["a": "x--b y\r\n--bb"]),
        // hostile content is passed through untouched (the sanitizer handles it)
        ("--b\r\nContent-Disposition: form-data; name=\"m\"\r\n\r\n<script>\u{0}\u{202E}'; DROP\r\n--b--", ["m": "<script>\u{0}\u{202E}'; DROP"]),
        // no parts at all
        ("--b--", [:]),
        ("\r\n--b--", [:]),
    ] as [(String, [String: String])])
    func decodes(body: String, expected: [String: String]) {
        #expect(Self.decode(body) == .success(expected))
    }

    @Test(arguments: [
        ("", "multipart body does not contain the boundary"),
        ("no boundary here", "multipart body does not contain the boundary"),
        ("--b", "multipart body does not contain the boundary"),
        ("--bXYZ\r\n", "multipart body does not contain the boundary"),
        ("--b-\r\n", "multipart body does not contain the boundary"),
        ("--b\r\n", "multipart body is missing the final boundary"),
        ("--b\r\n--b--", "multipart body is missing the final boundary"),
        ("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1", "multipart body is missing the final boundary"),
        ("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b", "multipart body is missing the final boundary"),
        ("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--bX\r\n", "multipart body is missing the final boundary"),
        ("--b\r\n\r\n--b--", "multipart part without Content-Disposition: form-data"),
        ("--b\r\n\r\n\r\n--b--", "multipart part without Content-Disposition: form-data"),
        ("--b\r\nContent-Type: text/plain\r\n\r\n1\r\n--b--", "multipart part without Content-Disposition: form-data"),
        ("--b\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\n1\r\n--b--", "multipart part without Content-Disposition: form-data"),
        ("--b\r\nContent-Disposition: form-data\r\n\r\n1\r\n--b--", "multipart part without a name"),
        ("--b\r\nContent-Disposition: form-data; name=\"\"\r\n\r\n1\r\n--b--", "multipart part without a name"),
        ("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n--b--", "multipart part headers are not terminated by an empty line"),
        ("--b\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Broken\r\n\r\n1\r\n--b--", "malformed header line in a multipart part"),
    ])
    func rejects(body: String, message: String) {
        #expect(Self.decode(body) == .failure(.malformed(message)))
    }

    @Test func rejectsInvalidUTF8() {
        var value = Array("--b\r\nContent-Disposition: form-data; name=\"last_name\"\r\n\r\nM".utf8)
        value += [0xFC, 0x6C]  // Latin-1 "ül"
        value += Array("\r\n--b--".utf8)
        #expect(MultipartDecoder.decode(value, boundary: "b") == .failure(.malformed(#"field "last_name": invalid UTF-8"#)))

        var header = Array("--b\r\nContent-Disposition: form-data; name=\"".utf8)
        header += [0xFF]
        header += Array("\"\r\n\r\n1\r\n--b--".utf8)
        #expect(MultipartDecoder.decode(header, boundary: "b") == .failure(.malformed("invalid UTF-8 in multipart part headers")))
    }

    @Test(arguments: [
        (nil, "multipart/form-data without a boundary parameter"),
        ("", "multipart/form-data without a boundary parameter"),
        (String(repeating: "x", count: 71), "multipart boundary longer than 70 characters"),
        ("a\r\nb", "multipart boundary contains characters RFC 2046 does not allow"),
        ("grüße", "multipart boundary contains characters RFC 2046 does not allow"),
        ("ends with space ", "multipart boundary contains characters RFC 2046 does not allow"),
        ("semi;colon", "multipart boundary contains characters RFC 2046 does not allow"),
    ] as [(String?, String)])
    func rejectsBadBoundaries(boundary: String?, message: String) {
        let body = Array("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b--".utf8)
        #expect(MultipartDecoder.decode(body, boundary: boundary) == .failure(.malformed(message)))
    }

    @Test(arguments: [String(repeating: "x", count: 70), "'()+_,-./:=? 09azAZ", "1"])
    func acceptsAllowedBoundaries(boundary: String) {
        let body = Self.body([Self.field("a", "1")], boundary: boundary)
        #expect(MultipartDecoder.decode(body, boundary: boundary) == .success(["a": "1"]))
    }

    @Test func partLimit() {
        let hundred = Self.body((0..<100).map { Self.field("f\($0)", "\($0)") })
        guard case .success(let fields) = MultipartDecoder.decode(hundred, boundary: Self.boundary) else {
            Issue.record("100 parts must be accepted")
            return
        }
        #expect(fields.count == 100)
        #expect(fields["f99"] == "99")

        let files = Self.body((0..<101).map { (["Content-Disposition: form-data; name=\"f\($0)\"; filename=\"x\""], "") })
        #expect(MultipartDecoder.decode(files, boundary: Self.boundary) == .failure(.malformed("multipart body has more than 100 parts")))
    }

    @Test func megabyteValue() {
        let value = String(repeating: "Ää-\r\n", count: 200_000)
        let body = Self.body([Self.field("message", value)])
        #expect(MultipartDecoder.decode(body, boundary: Self.boundary) == .success(["message": value]))
    }
}
