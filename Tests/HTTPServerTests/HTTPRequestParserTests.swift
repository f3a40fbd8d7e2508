import Testing
@testable import HTTPServer

/// What a parse produced, with body pieces merged, so different splits of one input compare equal.
enum Outcome: Equatable, CustomStringConvertible {
    case head(method: String, path: String, query: String?, version: String, framing: HTTPRequestHead.BodyFraming)
    case body(String)
    case end(trailers: [String])
    case error(Int)

    var description: String {
        switch self {
        case .head(let method, let path, let query, let version, let framing):
            return "head(\(method) \(path)\(query.map { "?\($0)" } ?? "") \(version) \(framing))"
        case .body(let text): return "body(\(text.debugDescription))"
        case .end(let trailers): return "end(\(trailers))"
        case .error(let status): return "error(\(status))"
        }
    }
}

/// Feeds `input` in pieces of `pieceSize` bytes (all at once when nil) and collects the outcomes.
func parse(_ input: [UInt8], pieceSize: Int? = nil, limits: HTTPParserLimits = HTTPParserLimits()) -> [Outcome] {
    var parser = HTTPRequestParser(limits: limits)
    var outcomes: [Outcome] = []
    func drain() {
        while let event = parser.next() {
            switch event {
            case .head(let head):
                outcomes.append(.head(method: head.method.rawValue, path: head.path, query: head.query,
                                      version: head.version.description, framing: head.framing))
            case .body(let bytes):
                if case .body(let previous) = outcomes.last {
                    outcomes[outcomes.count - 1] = .body(previous + String(decoding: bytes, as: UTF8.self))
                } else {
                    outcomes.append(.body(String(decoding: bytes, as: UTF8.self)))
                }
            case .end(let trailers):
                outcomes.append(.end(trailers: trailers.map { "\($0.name): \($0.value)" }))
            case .error(let error):
                outcomes.append(.error(error.status.code))
            }
        }
    }
    let size = pieceSize ?? max(1, input.count)
    var offset = 0
    while offset < input.count {
        parser.append(input[offset..<min(offset + size, input.count)])
        drain()
        offset += size
    }
    drain()
    return outcomes
}

func parse(_ text: String, pieceSize: Int? = nil) -> [Outcome] { parse(Array(text.utf8), pieceSize: pieceSize) }

struct ParserCase: Sendable, CustomTestStringConvertible {
    let name: String
    let input: [UInt8]
    let expected: Int?   // the error status, or nil for a request that parses

    init(_ name: String, _ input: String, _ expected: Int?) {
        self.name = name
        self.input = Array(input.utf8)
        self.expected = expected
    }

    init(_ name: String, bytes: [UInt8], _ expected: Int?) {
        self.name = name
        self.input = bytes
        self.expected = expected
    }

    var testDescription: String { name }
}

let longTarget = "/" + String(repeating: "a", count: 8 * 1024)
let manyFields = (0..<101).map { "X-F\($0): v\r\n" }.joined()
let bigField = "X-Big: " + String(repeating: "b", count: 16 * 1024) + "\r\n"

let rejectedRequests: [ParserCase] = [
    ParserCase("request line over 8 KiB", "GET \(longTarget) HTTP/1.1\r\nHost: a\r\n\r\n", 414),
    ParserCase("header block over 16 KiB", "GET / HTTP/1.1\r\nHost: a\r\n\(bigField)\r\n", 431),
    ParserCase("over 100 header fields", "GET / HTTP/1.1\r\nHost: a\r\n\(manyFields)\r\n", 431),
    ParserCase("Content-Length with Transfer-Encoding", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
    ParserCase("Content-Length +5", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello", 400),
    ParserCase("Content-Length -1", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400),
    ParserCase("Content-Length 5 5", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5 5\r\n\r\nhello", 400),
    ParserCase("Content-Length list 5, 5", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\nhello", 400),
    ParserCase("Content-Length hex", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\nhello", 400),
    ParserCase("Content-Length overflow", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400),
    ParserCase("Content-Length empty", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n", 400),
    ParserCase("conflicting Content-Length fields", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400),
    ParserCase("repeated Content-Length fields", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", 400),
    ParserCase("chunk size not hex", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", 400),
    ParserCase("chunk size empty", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n\r\nhello\r\n0\r\n\r\n", 400),
    ParserCase("chunk size negative", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n", 400),
    ParserCase("chunk size 0x prefix", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n", 400),
    ParserCase("chunk size overflow", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nhello\r\n0\r\n\r\n", 400),
    ParserCase("chunk size with leading space", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n0\r\n\r\n", 400),
    ParserCase("chunk longer than its size", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n", 400),
    ParserCase("chunk size line with bare LF", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n", 400),
    ParserCase("chunk extension with control byte", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\u{1}\r\nhello\r\n0\r\n\r\n", 400),
    ParserCase("obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX-A: one\r\n two\r\n\r\n", 400),
    ParserCase("whitespace before first header", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400),
    ParserCase("whitespace before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400),
    ParserCase("tab before colon", "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", 400),
    ParserCase("header without colon", "GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", 400),
    ParserCase("empty header name", "GET / HTTP/1.1\r\nHost: a\r\n: x\r\n\r\n", 400),
    ParserCase("bare CR in header value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: a\rb\r\n\r\n", 400),
    ParserCase("bare CR in request line", "GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ParserCase("NUL in header value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: a\u{0}b\r\n\r\n", 400),
    ParserCase("control byte in header value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: a\u{1}b\r\n\r\n", 400),
    ParserCase("DEL in header value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: a\u{7F}b\r\n\r\n", 400),
    ParserCase("NUL in header name", "GET / HTTP/1.1\r\nHost: a\r\nX-\u{0}A: b\r\n\r\n", 400),
    ParserCase("missing Host on 1.1", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", 400),
    ParserCase("repeated Host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
    ParserCase("invalid Host", "GET / HTTP/1.1\r\nHost: a b/c\r\n\r\n", 400),
    ParserCase("non-token method", "G(ET / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ParserCase("method with NUL", "GE\u{0}T / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ParserCase("unknown method", "BREW / HTTP/1.1\r\nHost: a\r\n\r\n", 501),
    ParserCase("lowercase method", "get / HTTP/1.1\r\nHost: a\r\n\r\n", 501),
    ParserCase("CONNECT", "CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n", 501),
    ParserCase("unknown transfer coding", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: foo\r\n\r\n", 501),
    ParserCase("gzip then chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
    ParserCase("chunked not final", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400),
    ParserCase("chunked twice", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400),
    ParserCase("empty Transfer-Encoding", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \r\n\r\n", 400),
    ParserCase("Transfer-Encoding on HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ParserCase("HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505),
    ParserCase("HTTP/0.9 style", "GET / HTTP/0.9\r\nHost: a\r\n\r\n", 505),
    ParserCase("lowercase version", "GET / http/1.1\r\nHost: a\r\n\r\n", 400),
    ParserCase("version with junk", "GET / HTTP/1.1x\r\nHost: a\r\n\r\n", 400),
    ParserCase("missing version", "GET /\r\nHost: a\r\n\r\n", 400),
    ParserCase("double space", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ParserCase("space in target", "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ParserCase("relative target", "GET index.html HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ParserCase("fragment in target", "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ParserCase("asterisk target for GET", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ParserCase("unsupported Expect", "POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\nx", 417),
    ParserCase("bare LF line ends in head", "GET / HTTP/1.1\nHost: a\n\n", 400),
    ParserCase("bare LF after the request line", "GET / HTTP/1.1\nHost: a\r\n\r\n", 400),
    ParserCase("bare LF after a header line", "GET / HTTP/1.1\r\nHost: a\nX-A: b\r\n\r\n", 400),
    ParserCase("bare LF ending the head", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\nok", 400),
    ParserCase("bare LF empty line before the request", "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ParserCase("non-ASCII in target", bytes: Array("GET /".utf8) + [0xC3, 0xA4] + Array(" HTTP/1.1\r\nHost: a\r\n\r\n".utf8), 400),
]

let acceptedRequests: [ParserCase] = [
    ParserCase("simple GET", "GET /forms/a?x=1&y=2 HTTP/1.1\r\nHost: example.org\r\nAccept: */*\r\n\r\n", nil),
    ParserCase("POST with Content-Length", "POST /leads HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world", nil),
    ParserCase("chunked with extension and trailers", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n6 ; x\r\n world\r\n0\r\nX-Checksum: 42\r\n\r\n", nil),
    ParserCase("Transfer-Encoding case-insensitive", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n", nil),
    ParserCase("HTTP/1.0 without Host", "GET / HTTP/1.0\r\n\r\n", nil),
    ParserCase("HTTP/1.2 read as 1.1", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", nil),
    ParserCase("absolute-form target", "GET http://example.org/p?q=1 HTTP/1.1\r\nHost: example.org\r\n\r\n", nil),
    ParserCase("OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", nil),
    ParserCase("empty lines before request line", "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", nil),
    ParserCase("obs-text in a value", "GET / HTTP/1.1\r\nHost: a\r\nX-Name: M\u{FC}ller\r\n\r\n", nil),
    ParserCase("Expect 100-continue", "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 2\r\n\r\nok", nil),
    ParserCase("Content-Length 0", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", nil),
    ParserCase("empty Host", "GET / HTTP/1.1\r\nHost:\r\n\r\n", nil),
    ParserCase("IPv6 Host with port", "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", nil),
    ParserCase("exactly 100 fields", "GET / HTTP/1.1\r\nHost: a\r\n" + (0..<99).map { "X-F\($0): v\r\n" }.joined() + "\r\n", nil),
    ParserCase("two pipelined requests", "GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n", nil),
]

@Suite struct HTTPRequestParserTests {
    @Test(arguments: rejectedRequests)
    func rejects(_ testCase: ParserCase) {
        let whole = parse(testCase.input)
        #expect(whole.last == .error(testCase.expected ?? 0), "\(whole)")
        #expect(parse(testCase.input, pieceSize: 1) == whole, "byte by byte differs")
    }

    @Test(arguments: acceptedRequests)
    func accepts(_ testCase: ParserCase) {
        let whole = parse(testCase.input)
        #expect(!whole.contains { if case .error = $0 { return true } else { return false } }, "\(whole)")
        #expect(whole.last == .end(trailers: []) || whole.last == .end(trailers: ["X-Checksum: 42"]), "\(whole)")
        #expect(parse(testCase.input, pieceSize: 1) == whole, "byte by byte differs")
        for size in [2, 3, 7, 64] {
            #expect(parse(testCase.input, pieceSize: size) == whole, "pieces of \(size) differ")
        }
    }

    @Test func readsRequestLineAndQuery() {
        #expect(parse("GET /forms/a?x=1&y=2 HTTP/1.1\r\nHost: example.org\r\n\r\n") == [
            .head(method: "GET", path: "/forms/a", query: "x=1&y=2", version: "HTTP/1.1", framing: .none),
            .end(trailers: []),
        ])
    }

    @Test func readsFixedLengthBody() {
        #expect(parse("POST /leads HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world", pieceSize: 1) == [
            .head(method: "POST", path: "/leads", query: nil, version: "HTTP/1.1", framing: .length(11)),
            .body("hello world"),
            .end(trailers: []),
        ])
    }

    @Test func decodesChunkedBodyWithTrailers() {
        let input = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n6 ; x\r\n world\r\n0\r\nX-Checksum: 42\r\n\r\n"
        #expect(parse(input, pieceSize: 1) == [
            .head(method: "POST", path: "/", query: nil, version: "HTTP/1.1", framing: .chunked),
            .body("hello world"),
            .end(trailers: ["X-Checksum: 42"]),
        ])
    }

    @Test func absoluteFormTakesPathAfterAuthority() {
        #expect(parse("GET http://example.org HTTP/1.1\r\nHost: example.org\r\n\r\n").first
                == .head(method: "GET", path: "/", query: nil, version: "HTTP/1.1", framing: .none))
        #expect(parse("GET HTTPS://example.org/a/b?c HTTP/1.1\r\nHost: example.org\r\n\r\n").first
                == .head(method: "GET", path: "/a/b", query: "c", version: "HTTP/1.1", framing: .none))
    }

    @Test func pipelinedRequestsComeOutInOrder() {
        let outcomes = parse("GET /a HTTP/1.1\r\nHost: a\r\n\r\nPOST /b HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhiGET /c HTTP/1.0\r\n\r\n", pieceSize: 5)
        #expect(outcomes == [
            .head(method: "GET", path: "/a", query: nil, version: "HTTP/1.1", framing: .none), .end(trailers: []),
            .head(method: "POST", path: "/b", query: nil, version: "HTTP/1.1", framing: .length(2)), .body("hi"), .end(trailers: []),
            .head(method: "GET", path: "/c", query: nil, version: "HTTP/1.0", framing: .none), .end(trailers: []),
        ])
    }

    @Test func stopsForGoodAfterAnError() {
        var parser = HTTPRequestParser()
        parser.append(Array("GET / HTTP/1.1\r\nHost : a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8))
        #expect(parser.next() == .error(.badRequest("whitespace before colon in header field")))
        #expect(parser.next() == nil)
        parser.append(Array("GET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8))
        #expect(parser.next() == nil)
        #expect(parser.hasFailed)
    }

    @Test func detectsOversizedHeadBeforeItEnds() {
        // No line end ever comes: the limit must still trip, not buffer forever.
        var parser = HTTPRequestParser()
        parser.append(Array("GET /".utf8) + Array(repeating: UInt8(ascii: "a"), count: 9000))
        #expect(parser.next() == .error(.requestLineTooLong))

        var headers = HTTPRequestParser()
        headers.append(Array("GET / HTTP/1.1\r\nX-A: ".utf8) + Array(repeating: UInt8(ascii: "a"), count: 17000))
        #expect(headers.next()?.errorStatus == 431)
    }

    @Test func requestLineAtTheLimitIsAccepted() {
        let target = "/" + String(repeating: "a", count: 8 * 1024 - "GET  HTTP/1.1".count - 1)
        let line = "GET \(target) HTTP/1.1"
        #expect(line.utf8.count == 8 * 1024)
        #expect(parse("\(line)\r\nHost: a\r\n\r\n").last == .end(trailers: []))
        #expect(parse("GET \(target)a HTTP/1.1\r\nHost: a\r\n\r\n").last == .error(414))
    }

    @Test func keepAliveFollowsVersionAndConnectionHeader() {
        func head(_ text: String) -> HTTPRequestHead? {
            var parser = HTTPRequestParser()
            parser.append(Array(text.utf8))
            if case .head(let head) = parser.next() { return head }
            return nil
        }
        #expect(head("GET / HTTP/1.1\r\nHost: a\r\n\r\n")?.keepAlive == true)
        #expect(head("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")?.keepAlive == false)
        #expect(head("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, Close\r\n\r\n")?.keepAlive == false)
        #expect(head("GET / HTTP/1.0\r\n\r\n")?.keepAlive == false)
        #expect(head("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")?.keepAlive == true)
        #expect(head("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n")?.expectsContinue == true)
        #expect(head("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n")?.expectsContinue == false)
    }

    @Test func contentLengthSyntax() {
        #expect(HTTPRequestParser.parseContentLength("0") == 0)
        #expect(HTTPRequestParser.parseContentLength("00012") == 12)
        #expect(HTTPRequestParser.parseContentLength("123456789012345678") == 123456789012345678)
        for bad in ["", "+1", "-1", "1 ", " 1", "1,1", "0x1", "1e3", "١٢", "1234567890123456789"] {
            #expect(HTTPRequestParser.parseContentLength(bad) == nil, "\(bad)")
        }
    }
}

extension HTTPRequestParser.Event {
    var errorStatus: Int? {
        if case .error(let error) = self { return error.status.code }
        return nil
    }
}

/// Limits on bytes that are consumed without producing anything.
@Suite struct ParserResourceTests {
    @Test func floodOfEmptyLinesIsRefused() {
        let flood = String(repeating: "\r\n", count: 5000) + "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
        #expect(parse(flood).last == .error(400))
        #expect(parse(flood, pieceSize: 7) == parse(flood))
        #expect(parse(String(repeating: "\r\n", count: 10) + "GET / HTTP/1.1\r\nHost: a\r\n\r\n").last == .end(trailers: []))
    }

    @Test func absurdChunkFramingIsRefused() {
        let extensionChunk = "1;" + String(repeating: "x", count: 4000) + "\r\na\r\n"
        let body = String(repeating: extensionChunk, count: 70) + "0\r\n\r\n"
        let outcome = parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
        #expect(outcome.last == .error(400))
    }

    @Test func manySmallChunksDoNotPileUpInTheBuffer() {
        var parser = HTTPRequestParser()
        parser.append(Array("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n".utf8))
        var bodyBytes = 0
        for _ in 0..<20_000 {
            parser.append(Array("1\r\na\r\n".utf8))
            while let event = parser.next() {
                if case .body(let bytes) = event { bodyBytes += bytes.count }
            }
        }
        #expect(bodyBytes == 20_000)
        #expect(parser.bufferedByteCount == 0)
        #expect(!parser.hasFailed)
    }
}
