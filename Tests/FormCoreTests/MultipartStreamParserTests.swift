import Testing
@testable import FormCore

/// A seeded generator (SplitMix64), so random splits are the same on every run.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct MultipartStreamParserTests {
    static let boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW"

    /// Feeds `bytes` in pieces ending at `cuts` and gathers the parts, or the error.
    static func parse(
        _ bytes: [UInt8], boundary: String = boundary, cuts: [Int] = [],
        limits: MultipartStreamParser.Limits = .init()
    ) -> Result<[MultipartPart], DecodeError> {
        var parts: [MultipartPart] = []
        var ended = false
        func take(_ events: [MultipartEvent]) {
            for event in events {
                switch event {
                case .partStart(let head):
                    #expect(!ended)
                    parts.append(MultipartPart(name: head.name, filename: head.filename, contentType: head.contentType,
                                               bytes: []))
                case .partData(let data):
                    #expect(!data.isEmpty)
                    parts[parts.count - 1].bytes += data
                case .partEnd:
                    break
                case .end:
                    ended = true
                }
            }
        }
        do throws(DecodeError) {
            var parser = try MultipartStreamParser(boundary: boundary, limits: limits)
            var start = 0
            for cut in cuts.sorted() + [bytes.count] where cut >= start {
                take(try parser.feed(bytes[start..<cut]))
                start = cut
            }
            try parser.finish()
            #expect(ended)
        } catch {
            return .failure(error)
        }
        return .success(parts)
    }

    static func randomCuts(_ count: Int, pieces: Int, using random: inout SeededRandom) -> [Int] {
        guard count > 0 else { return [] }
        return (0..<pieces).map { _ in Int.random(in: 0...count, using: &random) }
    }

    /// A body with everything that makes splitting hard: text fields, a binary file full of near-delimiters and
    /// CRs, padding after a boundary, an empty file, a preamble and an epilogue.
    static let hardFile: [UInt8] = {
        var random = SeededRandom(seed: 7)
        var file: [UInt8] = (0..<3000).map { _ in UInt8.random(in: 0...255, using: &random) }
        for tricky in ["\r\n--" + boundary.dropLast(), "\r\n--" + boundary + "X", "\r\n--" + boundary + " \t x",
                       "\r\n--" + boundary + "-x", "\r\r\n\r\n-", "\r\n--" + boundary + "\rz"] {
            file.insert(contentsOf: Array(tricky.utf8), at: Int.random(in: 0...file.count, using: &random))
        }
        return file + Array("\r".utf8)
    }()

    static let hardBody: [UInt8] = {
        var body = Array("preamble \r\n--\(boundary)  \r\n".utf8)
        body += Array("Content-Disposition: form-data; name=\"message\"\r\n\r\n".utf8)
        body += Array("Zeile 1\r\nZeile 2\r\n--\(boundary)\r\n".utf8)
        body += Array(("Content-Disposition: form-data; name=\"attachments\"; filename=\"leak.jpg\"\r\n"
            + "Content-Type: image/jpeg\r\n\r\n").utf8)
        body += hardFile
        body += Array("\r\n--\(boundary)\r\n".utf8)
        body += Array(("Content-Disposition: form-data; name=\"attachments\"; filename=\"\"\r\n"
            + "Content-Type: application/octet-stream\r\n\r\n").utf8)
        body += Array("\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"e\"\r\n\r\n".utf8)
        body += Array("\r\n--\(boundary)--\r\nepi".utf8)
        return body
    }()

    @Test func hardBodyParts() throws {
        let parts = try Self.parse(Self.hardBody).get()
        #expect(parts.map(\.name) == ["message", "attachments", "attachments", "e"])
        #expect(parts[0].bytes == Array("Zeile 1\r\nZeile 2".utf8))
        #expect(parts[0].filename == nil && parts[0].contentType == nil && !parts[0].isFile)
        #expect(parts[1].filename == "leak.jpg" && parts[1].contentType == "image/jpeg" && parts[1].isFile)
        #expect(parts[1].bytes == Self.hardFile)
        #expect(parts[2].filename == "" && parts[2].bytes.isEmpty)
        #expect(parts[3].bytes.isEmpty)
        #expect(MultipartDecoder.parts(Self.hardBody, boundary: Self.boundary) == .success(parts))
    }

    /// The header line of a text field named "a".
    static let fieldA = "Content-Disposition: form-data; name=\"a\"\r\n"

    static let splitBodies: [String: [UInt8]] = [
        "hard": hardBody,
        "empty part before close": Array("--b\r\n\(fieldA)\r\n1\r\n--b\r\n--b--".utf8),
        "headers cut": Array("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n--b--".utf8),
        "bad header line": Array("--b\r\n\(fieldA)X-Broken\r\n\r\n1\r\n--b--".utf8),
        "no headers": Array("--b\r\n\r\n--b--".utf8),
        "long padding": Array("--b\r\n\(fieldA)\r\n1\r\n--b\(String(repeating: " ", count: 65))\r\n".utf8),
        "near delimiters": Array("x\r\n--b\r\n\(fieldA)\r\n\r\n--b --\r\n--b\t\r\n\r\n--b-".utf8),
    ]

    /// The parser's promise: however the input is cut, the same parts with the same bytes, or the same error.
    @Test(arguments: splitBodies.keys.sorted())
    func anySplitGivesTheSameResult(name: String) throws {
        let body = try #require(Self.splitBodies[name])
        let boundary = name == "hard" ? Self.boundary : "b"
        let whole = Self.parse(body, boundary: boundary)
        var random = SeededRandom(seed: UInt64(body.count))
        for round in 0..<300 {
            let cuts = Self.randomCuts(body.count, pieces: round % 2 == 0 ? 3 : 40, using: &random)
            let split = Self.parse(body, boundary: boundary, cuts: cuts)
            if split != whole {
                Issue.record("cuts \(cuts.sorted()) give \(split), not \(whole)")
                return
            }
        }
        // Byte by byte, and every single cut of the shorter bodies.
        #expect(Self.parse(body, boundary: boundary, cuts: Array(0..<body.count)) == whole)
        if body.count < 300 {
            for cut in 0...body.count {
                #expect(Self.parse(body, boundary: boundary, cuts: [cut]) == whole)
            }
        }
    }

    @Test func eventsInOrder() throws {
        var parser = try MultipartStreamParser(boundary: "b")
        let body = Array(("--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.pdf\"\r\n"
            + "Content-Type:  application/pdf \r\n\r\n%PDF-1.4\r\n--b\r\nContent-Disposition: form-data; name=\"t\"\r\n"
            + "\r\nhi\r\n--b--\r\nignored").utf8)
        let events = try parser.feed(body)
        #expect(events == [
            .partStart(MultipartPartHead(name: "f", filename: "a.pdf", contentType: "application/pdf")),
            .partData(Array("%PDF-1.4".utf8)[...]), .partEnd,
            .partStart(MultipartPartHead(name: "t")), .partData(Array("hi".utf8)[...]), .partEnd, .end,
        ])
        // The epilogue, and anything fed after it, is ignored.
        #expect(try parser.feed(Array("--b\r\nmore".utf8)) == [])
        try parser.finish()
    }

    /// A file part's data comes out while it arrives; only a delimiter's worth of bytes is held back.
    @Test func fileDataIsStreamedWithABoundedHoldBack() throws {
        var parser = try MultipartStreamParser(boundary: Self.boundary)
        let head = "--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\n"
        _ = try parser.feed(Array(head.utf8))
        var random = SeededRandom(seed: 1)
        var fed = 0
        var received = 0
        for round in 0..<256 {
            // Every chunk ends in something that could start a delimiter.
            var chunk: [UInt8] = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &random) }
            chunk += Array(("\r\n--" + Self.boundary).utf8.prefix(round % 40))
            fed += chunk.count
            for event in try parser.feed(chunk) {
                switch event {
                case .partData(let data): received += data.count
                case .partStart(let head): #expect(round == 0 && head.filename == "x")
                default: Issue.record("unexpected \(event)")
                }
            }
            #expect(fed - received <= 4 + Self.boundary.count + MultipartStreamParser.maxTransportPadding + 2)
        }
        let events = try parser.feed(Array("\r\n--\(Self.boundary)--".utf8))
        for case .partData(let data) in events {
            received += data.count
        }
        #expect(received == fed)
        #expect(events.suffix(2) == [.partEnd, .end])
        try parser.finish()
    }

    @Test func anErrorSticks() throws {
        var parser = try MultipartStreamParser(boundary: "b")
        let error = DecodeError.malformed("malformed header line in a multipart part")
        #expect(throws: error) { _ = try parser.feed(Array("--b\r\nX\r\n\r\nbody".utf8)) }
        #expect(throws: error) { _ = try parser.feed(Array("\r\n--b--".utf8)) }
        #expect(throws: error) { try parser.finish() }
    }

    @Test func rawBufferInput() throws {
        var parser = try MultipartStreamParser(boundary: "b")
        let body = Array("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b--".utf8)
        let events = try body.withUnsafeBytes { (raw) throws(DecodeError) in try parser.feed(raw) }
        #expect(events.count == 4)
        try parser.finish()
    }

    @Test(arguments: [
        // RFC 7578 quoted-string escapes
        (#"form-data; name="f"; filename="a \"b\" \\c.jpg""#, #"a "b" \c.jpg"#),
        (#"form-data; name="f"; filename=plain.png"#, "plain.png"),
        (#"form-data; name="f"; filename="""#, ""),
        ("form-data; name=\"f\"; filename*=UTF-8''b%C3%A4r.jpg", "bär.jpg"),
        ("form-data; name=\"f\"; filename*=utf-8'de'x%20y.pdf", "x y.pdf"),
        // filename wins over filename*
        ("form-data; name=\"f\"; filename*=UTF-8''b%C3%A4r.jpg; filename=\"bar.jpg\"", "bar.jpg"),
        // unreadable filename*: still a file, without a name
        ("form-data; name=\"f\"; filename*=ISO-8859-1''b%E4r.jpg", ""),
        ("form-data; name=\"f\"; filename*=UTF-8''b%Er.jpg", ""),
        ("form-data; name=\"f\"; filename*=nonsense", ""),
        ("form-data; name=\"f\"; filename=\"grüße.heic\"", "grüße.heic"),
    ])
    func fileNames(disposition: String, filename: String) throws {
        let body = Array("--b\r\nContent-Disposition: \(disposition)\r\n\r\nx\r\n--b--".utf8)
        let parts = try Self.parse(body, boundary: "b").get()
        #expect(parts == [MultipartPart(name: "f", filename: filename, bytes: [0x78])])
    }

    @Test func headerBlockLimits() {
        let limits = MultipartStreamParser.Limits(maxParts: 2, maxHeaderBytes: 100, maxHeaderLines: 3)
        let disposition = "Content-Disposition: form-data; name=\"a\"\r\n"
        func body(_ headers: String) -> [UInt8] { Array("--b\r\n\(headers)\r\n1\r\n--b--".utf8) }

        // Exactly 100 bytes before the empty line (its CRLF and the last line's do not count) and three lines pass.
        let filler = "X: " + String(repeating: "y", count: 102 - disposition.utf8.count - 5) + "\r\n"
        #expect(Self.parse(body(disposition + filler), boundary: "b", limits: limits).map(\.count) == .success(1))
        #expect(Self.parse(body(disposition + filler.replacingOccurrences("X:", "XX:")), boundary: "b", limits: limits)
            == .failure(.malformed("multipart part headers longer than 100 bytes")))
        #expect(Self.parse(body(disposition + "A: 1\r\nB: 2\r\n"), boundary: "b", limits: limits).map(\.count)
            == .success(1))
        #expect(Self.parse(body(disposition + "A: 1\r\nB: 2\r\nC: 3\r\n"), boundary: "b", limits: limits)
            == .failure(.malformed("multipart part with more than 3 header lines")))
        // A header block that never ends is refused once it is too long, before the body ends.
        #expect(Self.parse(Array(("--b\r\n" + String(repeating: "z", count: 200)).utf8), boundary: "b", limits: limits)
            == .failure(.malformed("multipart part headers longer than 100 bytes")))

        let three = Array("--b\r\n\(disposition)\r\n1\r\n--b\r\n\(disposition)\r\n2\r\n--b\r\n".utf8)
            + Array("\(disposition)\r\n3\r\n--b--".utf8)
        #expect(Self.parse(three, boundary: "b", limits: limits)
            == .failure(.malformed("multipart body has more than 2 parts")))
    }

    @Test func defaultLimits() {
        let limits = MultipartStreamParser.Limits()
        #expect(limits.maxParts == 100 && limits.maxHeaderBytes == 8192 && limits.maxHeaderLines == 16)
        let manyLines = String(repeating: "X-A: 1\r\n", count: 16)
        let body = Array("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\(manyLines)\r\n1\r\n--b--".utf8)
        #expect(Self.parse(body, boundary: "b")
            == .failure(.malformed("multipart part with more than 16 header lines")))
    }

    @Test func transportPadding() {
        let sixtyFour = String(repeating: " \t", count: 32)
        let part = "Content-Disposition: form-data; name=\"a\"\r\n\r\n1"
        let ok = Array("--b\(sixtyFour)\r\n\(part)\r\n--b\(sixtyFour)\r\n\(part)\r\n--b--".utf8)
        let one = MultipartPart(name: "a", bytes: [0x31])
        #expect(Self.parse(ok, boundary: "b") == .success([one, one]))
        // Padding belongs after the close delimiter's "--", not before: "--b --" is content.
        let notClosed = Array("--b\r\n\(part)\r\n--b --\r\n--b--".utf8)
        #expect(Self.parse(notClosed, boundary: "b")
            == .success([MultipartPart(name: "a", bytes: Array("1\r\n--b --".utf8))]))
        let tooLong = Array("--b\(sixtyFour) \r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b--".utf8)
        #expect(Self.parse(tooLong, boundary: "b")
            == .failure(.malformed("multipart boundary followed by more than 64 bytes of padding")))
    }

    @Test(arguments: [
        ("", "multipart body does not contain the boundary"),
        ("--b", "multipart body does not contain the boundary"),
        ("--b \t", "multipart body does not contain the boundary"),
        ("--b\r", "multipart body does not contain the boundary"),
        ("--b\r\n", "multipart body is missing the final boundary"),
        ("--b\r\nContent-Disposition: form-data; name=\"a\"", "multipart body is missing the final boundary"),
        ("--b\r\n\(fieldA)\r\n1\r\n--b-", "multipart body is missing the final boundary"),
        ("--b\r\n\(fieldA)\r\n1\r\n--b  ", "multipart body is missing the final boundary"),
        ("--b\r\n\r\n", "multipart body is missing the final boundary"),  // the CRLF could begin a delimiter
        ("--b\r\n\r\nx", "multipart part without Content-Disposition: form-data"),
        ("--b\r\n\r\n--b--", "multipart part without Content-Disposition: form-data"),
        ("--b\r\n\r\n--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b--",
         "multipart part without Content-Disposition: form-data"),
        ("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n--b--",
         "multipart part headers are not terminated by an empty line"),
        ("--b\r\nX\r\n--b--", "multipart part headers are not terminated by an empty line"),
        ("--b\r\n\(fieldA)NoColon\r\n\r\n\r\n--b--", "malformed header line in a multipart part"),
    ])
    func rejects(body: String, message: String) {
        #expect(Self.parse(Array(body.utf8), boundary: "b") == .failure(.malformed(message)))
    }

    @Test func invalidUTF8InHeaders() {
        let latin1 = Array("--b\r\nContent-Disposition: form-data; name=\"a\"; filename=\"".utf8) + [0xFC]
            + Array("\"\r\n\r\n\r\n--b--".utf8)
        #expect(Self.parse(latin1, boundary: "b") == .failure(.malformed("invalid UTF-8 in multipart part headers")))
    }

    @Test(arguments: [
        (nil, "multipart/form-data without a boundary parameter"),
        ("", "multipart/form-data without a boundary parameter"),
        (String(repeating: "x", count: 71), "multipart boundary longer than 70 characters"),
        ("a\r\nb", "multipart boundary contains characters RFC 2046 does not allow"),
        ("ends with space ", "multipart boundary contains characters RFC 2046 does not allow"),
    ] as [(String?, String)])
    func rejectsBoundaries(boundary: String?, message: String) {
        #expect(throws: DecodeError.malformed(message)) { _ = try MultipartStreamParser(boundary: boundary) }
    }

    @Test func partsKeepsFilesAndDuplicates() {
        var body = Array("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b\r\n".utf8)
        body += Array("Content-Disposition: form-data; name=\"f\"; filename=\"p.png\"\r\n".utf8)
        body += Array("Content-Type: image/png\r\n\r\n".utf8)
        body += [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0xFF, 0x00]
        body += Array("\r\n--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n2\r\n--b--".utf8)
        #expect(MultipartDecoder.parts(body, boundary: "b") == .success([
            MultipartPart(name: "a", bytes: [0x31]),
            MultipartPart(name: "f", filename: "p.png", contentType: "image/png",
                          bytes: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0xFF, 0x00]),
            MultipartPart(name: "a", bytes: [0x32]),
        ]))
        #expect(MultipartDecoder.decode(body, boundary: "b") == .success(["a": "1"]))
        #expect(MultipartDecoder.parts(Array(body.dropLast(2)), boundary: "b")
            == .failure(.malformed("multipart body is missing the final boundary")))
        #expect(MultipartDecoder.parts(body, boundary: nil)
            == .failure(.malformed("multipart/form-data without a boundary parameter")))
    }
}

extension String {
    fileprivate func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
