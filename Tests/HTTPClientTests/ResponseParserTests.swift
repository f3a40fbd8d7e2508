import Foundation
import Testing
@testable import HTTPClient

/// What feeding one response produced, in a form that compares equal across different splits of the same bytes.
private enum Outcome: Equatable, CustomStringConvertible {
    case complete(status: Int, headers: [String], body: String, reusable: Bool)
    case incomplete
    case failed(HTTPClientError)

    var description: String {
        switch self {
        case .complete(let status, let headers, let body, let reusable):
            return "complete(\(status), \(headers), body: \(body.debugDescription), reusable: \(reusable))"
        case .incomplete: return "incomplete"
        case .failed(let error): return "failed(\(error))"
        }
    }
}

/// Feeds `bytes` in pieces of `pieceSize` (all at once when nil), then `finish()` when `close` says the peer closed.
private func parse(_ bytes: [UInt8], method: String, limits: ResponseParser.Limits, close: Bool,
                   pieceSize: Int?) -> Outcome {
    var parser = ResponseParser(method: method, limits: limits)
    let size = pieceSize ?? max(1, bytes.count)
    do throws(HTTPClientError) {
        var offset = 0
        while offset < bytes.count {
            try parser.feed(bytes[offset..<min(offset + size, bytes.count)])
            offset += size
        }
        if close { try parser.finish() }
    } catch {
        return .failed(error)
    }
    guard let response = parser.response else { return .incomplete }
    return .complete(status: response.status, headers: response.headers.map { "\($0.name): \($0.value)" },
                     body: String(decoding: response.body, as: UTF8.self), reusable: parser.connectionReusable)
}

/// Parses `bytes` whole, then in pieces of 1, 2, 3, 7 and 64 bytes, expects every split to give the same outcome
/// as the whole, and returns that outcome.
private func parseInAllSplits(_ bytes: [UInt8], method: String = "GET",
                              limits: ResponseParser.Limits = ResponseParser.Limits(), close: Bool = false,
                              sourceLocation: SourceLocation = #_sourceLocation) -> Outcome {
    let whole = parse(bytes, method: method, limits: limits, close: close, pieceSize: nil)
    for size in [1, 2, 3, 7, 64] {
        let split = parse(bytes, method: method, limits: limits, close: close, pieceSize: size)
        #expect(split == whole, "fed in \(size)-byte pieces", sourceLocation: sourceLocation)
    }
    return whole
}

private func parseInAllSplits(_ text: String, method: String = "GET",
                              limits: ResponseParser.Limits = ResponseParser.Limits(), close: Bool = false,
                              sourceLocation: SourceLocation = #_sourceLocation) -> Outcome {
    parseInAllSplits(Array(text.utf8), method: method, limits: limits, close: close, sourceLocation: sourceLocation)
}

private func malformed(_ reason: String) -> Outcome { .failed(.malformedResponse(reason)) }

/// The head of a chunked 200 answer; chunks follow.
private let chunkedHead = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"

@Suite struct ResponseParserTests {
    // MARK: Content-Length

    @Test func readsABodyOfExactlyContentLengthBytes() {
        let outcome = parseInAllSplits("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
        #expect(outcome == .complete(status: 200, headers: ["Content-Length: 5"], body: "hello", reusable: true))
    }

    @Test func waitsForTheRestOfAContentLengthBody() {
        #expect(parseInAllSplits("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhell") == .incomplete)
    }

    @Test func completesAZeroLengthBodyAtTheEndOfTheHead() {
        let outcome = parseInAllSplits("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        #expect(outcome == .complete(status: 200, headers: ["Content-Length: 0"], body: "", reusable: true))
    }

    @Test func readsNoBodyForHEADEvenWithAContentLength() {
        let outcome = parseInAllSplits("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", method: "HEAD")
        #expect(outcome == .complete(status: 200, headers: ["Content-Length: 5"], body: "", reusable: true))
    }

    @Test func readsNoBodyForHEADEvenWithChunkedFraming() {
        let outcome = parseInAllSplits(chunkedHead, method: "HEAD")
        #expect(outcome == .complete(status: 200, headers: ["Transfer-Encoding: chunked"], body: "", reusable: true))
    }

    @Test func readsNoBodyFor204() {
        let outcome = parseInAllSplits("HTTP/1.1 204 No Content\r\n\r\n")
        #expect(outcome == .complete(status: 204, headers: [], body: "", reusable: true))
    }

    @Test func readsNoBodyFor304EvenWithAContentLength() {
        // A 304's Content-Length is that of the representation it stands for, not of a body that follows.
        let outcome = parseInAllSplits("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n")
        #expect(outcome == .complete(status: 304, headers: ["Content-Length: 10"], body: "", reusable: true))
    }

    // MARK: Chunked

    @Test func readsAChunkedBody() {
        let outcome = parseInAllSplits(
            chunkedHead + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
        #expect(outcome == .complete(status: 200, headers: ["Transfer-Encoding: chunked"], body: "hello world",
                                     reusable: true))
    }

    @Test func ignoresChunkExtensions() {
        let outcome = parseInAllSplits(
            chunkedHead + "5;ext=1\r\nhello\r\n3 ; a=\"b\"\r\nabc\r\n0;last\r\n\r\n")
        #expect(outcome == .complete(status: 200, headers: ["Transfer-Encoding: chunked"], body: "helloabc",
                                     reusable: true))
    }

    @Test func readsChunkSizesInUpperAndLowerCaseHex() {
        let ten = "0123456789"
        let outcome = parseInAllSplits(
            chunkedHead + "A\r\n\(ten)\r\na\r\n\(ten)\r\n0000000B\r\n\(ten)x\r\n0\r\n\r\n")
        #expect(outcome == .complete(status: 200, headers: ["Transfer-Encoding: chunked"],
                                     body: ten + ten + ten + "x", reusable: true))
    }

    @Test func readsPastTrailersAfterTheLastChunk() {
        let outcome = parseInAllSplits(
            chunkedHead + "2\r\nok\r\n0\r\nX-Checksum: abc\r\nX-More: 1\r\n\r\n")
        // Trailers are not added to the headers.
        #expect(outcome == .complete(status: 200, headers: ["Transfer-Encoding: chunked"], body: "ok", reusable: true))
    }

    @Test func waitsForTheBlankLineAfterTheLastChunk() {
        #expect(parseInAllSplits(chunkedHead + "2\r\nok\r\n0\r\n") == .incomplete)
    }

    @Test func rejectsAChunkLongerThanItsSize() {
        let outcome = parseInAllSplits(chunkedHead + "5\r\nhelloX\r\n0\r\n\r\n")
        #expect(outcome == malformed("chunk data longer than its size"))
    }

    @Test func rejectsAChunkWithoutCRLFAfterItsData() {
        let outcome = parseInAllSplits(chunkedHead + "5\r\nhello0\r\n\r\n")
        #expect(outcome == malformed("chunk data longer than its size"))
    }

    @Test func rejectsABareLFAfterChunkData() {
        let outcome = parseInAllSplits(chunkedHead + "5\r\nhello\n0\r\n\r\n")
        #expect(outcome == malformed("chunk line without CRLF"))
    }

    @Test func rejectsAChunkSizeLineEndedByABareLF() {
        let outcome = parseInAllSplits(chunkedHead + "5\nhello\r\n0\r\n\r\n")
        #expect(outcome == malformed("chunk line without CRLF"))
    }

    @Test(arguments: ["zz", "", ";ext", "123456789", "0x5", "5z", "-5", "+5", "-0"])
    func rejectsABadChunkSize(size: String) {
        let outcome = parseInAllSplits(chunkedHead + "\(size)\r\nhello\r\n0\r\n\r\n")
        #expect(outcome == malformed("bad chunk size"))
    }

    @Test func acceptsAChunkSizeOfEightHexDigits() {
        let outcome = parseInAllSplits(chunkedHead + "00000002\r\nok\r\n0\r\n\r\n")
        #expect(outcome == .complete(status: 200, headers: ["Transfer-Encoding: chunked"], body: "ok", reusable: true))
    }

    @Test func rejectsAChunkLineOfMoreThan4096BytesWithoutANewline() {
        let line = "5;" + String(repeating: "e", count: 4100)
        let outcome = parseInAllSplits(chunkedHead + line)
        #expect(outcome == malformed("chunk line too long"))
    }

    @Test func rejectsAChunkLineOfMoreThan4096BytesEvenWhenItsNewlineCameAlong() {
        // 4097 bytes before the LF (the CR counted): too long whether it arrives whole or in pieces.
        let line = "5;" + String(repeating: "e", count: 4094) + "\r\n"
        let outcome = parseInAllSplits(chunkedHead + "\(line)hello\r\n0\r\n\r\n")
        #expect(outcome == malformed("chunk line too long"))
    }

    @Test func acceptsAChunkLineOf4096BytesBeforeItsNewline() {
        let line = "5;" + String(repeating: "e", count: 4093) + "\r\n"
        let outcome = parseInAllSplits(chunkedHead + "\(line)hello\r\n0\r\n\r\n")
        #expect(outcome == .complete(status: 200, headers: ["Transfer-Encoding: chunked"], body: "hello",
                                     reusable: true))
    }

    // MARK: Close-delimited

    @Test func aBodyWithoutLengthIsIncompleteUntilTheConnectionCloses() {
        #expect(parseInAllSplits("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nhello") == .incomplete)
    }

    @Test func aBodyWithoutLengthIsCompleteAfterFinishAndNotReusable() {
        let outcome = parseInAllSplits("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nhello", close: true)
        #expect(outcome == .complete(status: 200, headers: ["Content-Type: text/plain"], body: "hello",
                                     reusable: false))
    }

    @Test func aBodyWithoutLengthMayBeEmpty() {
        let outcome = parseInAllSplits("HTTP/1.1 200 OK\r\n\r\n", close: true)
        #expect(outcome == .complete(status: 200, headers: [], body: "", reusable: false))
    }

    // MARK: finish()

    @Test func finishBeforeAnyByteThrowsConnectionClosed() {
        var parser = ResponseParser(method: "GET")
        #expect(throws: HTTPClientError.connectionClosed) { try parser.finish() }
        #expect(parser.response == nil)
    }

    @Test func finishMidHeadThrowsConnectionClosed() {
        #expect(parseInAllSplits("HTTP/1.1 200 OK\r\nContent-Le", close: true) == .failed(.connectionClosed))
    }

    @Test func finishMidContentLengthBodyThrowsConnectionClosed() {
        let outcome = parseInAllSplits("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel", close: true)
        #expect(outcome == .failed(.connectionClosed))
    }

    @Test func finishMidChunkedBodyThrowsConnectionClosed() {
        let outcome = parseInAllSplits(chunkedHead + "5\r\nhello\r\n", close: true)
        #expect(outcome == .failed(.connectionClosed))
    }

    @Test func finishAfterTrailersBeganThrowsConnectionClosed() {
        let outcome = parseInAllSplits(
            chunkedHead + "0\r\nX-Trailer: 1\r\n", close: true)
        #expect(outcome == .failed(.connectionClosed))
    }

    @Test func finishAfterACompleteResponseKeepsIt() throws {
        var parser = ResponseParser(method: "GET")
        try parser.feed(Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".utf8)[...])
        try parser.finish()
        #expect(parser.response?.body == Array("ok".utf8))
        #expect(parser.connectionReusable)
    }

    // MARK: Interim answers

    @Test func skips100ContinueBeforeTheRealAnswer() {
        let outcome = parseInAllSplits(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok")
        #expect(outcome == .complete(status: 201, headers: ["Content-Length: 2"], body: "ok", reusable: true))
    }

    @Test func skips103EarlyHintsAndItsHeaders() {
        let outcome = parseInAllSplits(
            "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
                + "HTTP/1.1 100 Continue\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        #expect(outcome == .complete(status: 200, headers: ["Content-Length: 2"], body: "ok", reusable: true))
    }

    @Test func anInterimAnswerAloneIsNotAResponse() {
        #expect(parseInAllSplits("HTTP/1.1 100 Continue\r\n\r\n") == .incomplete)
        #expect(parseInAllSplits("HTTP/1.1 100 Continue\r\n\r\n", close: true) == .failed(.connectionClosed))
    }

    @Test func rejects101SwitchingProtocols() {
        let outcome = parseInAllSplits("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n")
        #expect(outcome == malformed("unexpected protocol switch"))
    }

    // MARK: Status line

    @Test(arguments: [
        "HTTP/2 200 OK", "HTTP/1.1 2000 OK", "HTTP/1.1 099 Low", "HTTP/1.1 600 High", "FOO", "HTTP/1.2 200 OK",
        "HTTP/1.1  200 OK", "HTTP/1.1 20 OK", "http/1.1 200 OK", "HTTP/1.1 2x0 OK", "HTTP/1.1 +20 OK",
        "HTTP/1.1\t200 OK", "HTTP/1.10 200 OK", "",
    ])
    func rejectsABadStatusLine(line: String) {
        #expect(parseInAllSplits("\(line)\r\nContent-Length: 0\r\n\r\n") == malformed("bad status line"))
    }

    @Test func acceptsAStatusLineWithoutReason() {
        let outcome = parseInAllSplits("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n")
        #expect(outcome == .complete(status: 200, headers: ["Content-Length: 0"], body: "", reusable: true))
    }

    @Test func acceptsAnEmptyReasonAfterTheSpace() {
        let outcome = parseInAllSplits("HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n")
        #expect(outcome == .complete(status: 404, headers: ["Content-Length: 0"], body: "", reusable: true))
    }

    @Test func keepsTheStatusCodeAsSent() {
        let outcome = parseInAllSplits("HTTP/1.1 599 Whatever It Says\r\nContent-Length: 0\r\n\r\n")
        #expect(outcome == .complete(status: 599, headers: ["Content-Length: 0"], body: "", reusable: true))
    }

    @Test func acceptsHTTP10() {
        let outcome = parseInAllSplits("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
        #expect(outcome == .complete(status: 200, headers: ["Content-Length: 2"], body: "ok", reusable: false))
    }

    // MARK: Header fields

    @Test func rejectsAHeaderLineWithoutColon() {
        let outcome = parseInAllSplits("HTTP/1.1 200 OK\r\nNoColonHere\r\nContent-Length: 0\r\n\r\n")
        #expect(outcome == malformed("header without colon"))
    }

    @Test func rejectsAnObsFoldedContinuationLine() {
        let outcome = parseInAllSplits("HTTP/1.1 200 OK\r\nX-A: one\r\n two\r\nContent-Length: 0\r\n\r\n")
        #expect(outcome == malformed("header without colon"))
    }

    @Test func rejectsAFieldLineStartingWithWhiteSpace() {
        let outcome = parseInAllSplits("HTTP/1.1 200 OK\r\n Content-Length: 0\r\n\r\n")
        #expect(outcome == malformed("bad header name"))
    }

    @Test(arguments: ["Bad Name: x", "Content-Length : 0", ": x", "X\u{1}: x", "Bad\"Name: x"])
    func rejectsAHeaderNameThatIsNotAToken(line: String) {
        let outcome = parseInAllSplits("HTTP/1.1 200 OK\r\n\(line)\r\nContent-Length: 0\r\n\r\n")
        #expect(outcome == malformed("bad header name"))
    }

    @Test(arguments: ["X-A: a\rb", "X-A: a\u{0}b"])
    func rejectsAHeaderValueWithCROrNUL(line: String) {
        let outcome = parseInAllSplits("HTTP/1.1 200 OK\r\n\(line)\r\nContent-Length: 0\r\n\r\n")
        #expect(outcome == malformed("bad header value"))
    }

    @Test func trimsSpacesAndTabsAroundHeaderValuesButNotInside() {
        let outcome = parseInAllSplits(
            "HTTP/1.1 200 OK\r\nX-A: \t a  b \t\r\nX-Empty:\r\nX-Tight:v\r\nContent-Length: 0\r\n\r\n")
        #expect(outcome == .complete(status: 200,
                                     headers: ["X-A: a  b", "X-Empty: ", "X-Tight: v", "Content-Length: 0"],
                                     body: "", reusable: true))
    }

    @Test func looksUpHeadersWithoutCaseAndReturnsTheFirstValue() throws {
        var parser = ResponseParser(method: "GET")
        let text = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Dup: first\r\nx-dup: second\r\n"
            + "Content-Length: 0\r\n\r\n"
        try parser.feed(Array(text.utf8)[...])
        let response = try #require(parser.response)
        #expect(response.header("content-type") == "text/plain")
        #expect(response.header("CONTENT-TYPE") == "text/plain")
        #expect(response.header("X-DUP") == "first")
        #expect(response.header("content-typ") == nil)
        #expect(response.header("missing") == nil)
    }

    @Test func acceptsBareLFLineEndingsInTheHead() {
        let outcome = parseInAllSplits("HTTP/1.1 200 OK\nContent-Length: 2\nX-A: 1\n\nok")
        #expect(outcome == .complete(status: 200, headers: ["Content-Length: 2", "X-A: 1"], body: "ok", reusable: true))
    }

    @Test func acceptsMixedLineEndingsInTheHead() {
        let outcome = parseInAllSplits("HTTP/1.1 200 OK\r\nContent-Length: 2\nX-A: 1\r\n\nok")
        #expect(outcome == .complete(status: 200, headers: ["Content-Length: 2", "X-A: 1"], body: "ok", reusable: true))
    }

    // MARK: Content-Length values

    @Test func rejectsDifferingContentLengths() {
        let outcome = parseInAllSplits("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!")
        #expect(outcome == malformed("bad Content-Length"))
    }

    @Test func rejectsDifferingContentLengthsInOneList() {
        let outcome = parseInAllSplits("HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello!")
        #expect(outcome == malformed("bad Content-Length"))
    }

    @Test func acceptsIdenticalContentLengths() {
        let outcome = parseInAllSplits("HTTP/1.1 200 OK\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\nhello")
        #expect(outcome == .complete(status: 200, headers: ["Content-Length: 5", "content-length: 5"], body: "hello",
                                     reusable: true))
    }

    @Test func acceptsIdenticalContentLengthsInOneList() {
        let outcome = parseInAllSplits("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello")
        #expect(outcome == .complete(status: 200, headers: ["Content-Length: 5, 5"], body: "hello", reusable: true))
    }

    @Test(arguments: ["+5", "-1", "5 5", "12345678901234567890", "0x5", "five", "5.0", "", ","])
    func rejectsAContentLengthThatIsNotDigits(value: String) {
        let outcome = parseInAllSplits("HTTP/1.1 200 OK\r\nContent-Length: \(value)\r\n\r\nhello")
        #expect(outcome == malformed("bad Content-Length"))
    }

    @Test func rejectsAContentLengthBeyondTheBodyLimit() {
        let limits = ResponseParser.Limits(headBytes: 1024, bodyBytes: 10)
        let outcome = parseInAllSplits("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", limits: limits)
        #expect(outcome == .failed(.responseTooLarge))
    }

    @Test func acceptsAContentLengthAtTheBodyLimit() {
        let limits = ResponseParser.Limits(headBytes: 1024, bodyBytes: 10)
        let outcome = parseInAllSplits("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789", limits: limits)
        #expect(outcome == .complete(status: 200, headers: ["Content-Length: 10"], body: "0123456789", reusable: true))
    }

    @Test func rejectsAChunkedBodyBeyondTheBodyLimit() {
        let limits = ResponseParser.Limits(headBytes: 1024, bodyBytes: 10)
        let outcome = parseInAllSplits(
            chunkedHead + "6\r\nabcdef\r\n5\r\nghijk\r\n0\r\n\r\n", limits: limits)
        #expect(outcome == .failed(.responseTooLarge))
    }

    @Test func acceptsAChunkedBodyAtTheBodyLimit() {
        let limits = ResponseParser.Limits(headBytes: 1024, bodyBytes: 10)
        let outcome = parseInAllSplits(
            chunkedHead + "6\r\nabcdef\r\n4\r\nghij\r\n0\r\n\r\n", limits: limits)
        #expect(outcome == .complete(status: 200, headers: ["Transfer-Encoding: chunked"], body: "abcdefghij",
                                     reusable: true))
    }

    @Test func rejectsAHugeChunkSizeBeforeItsDataArrives() {
        let limits = ResponseParser.Limits(headBytes: 1024, bodyBytes: 10)
        let outcome = parseInAllSplits(chunkedHead + "FFFFFFFF\r\n", limits: limits)
        #expect(outcome == .failed(.responseTooLarge))
    }

    @Test func rejectsACloseDelimitedBodyBeyondTheBodyLimit() {
        let limits = ResponseParser.Limits(headBytes: 1024, bodyBytes: 10)
        let outcome = parseInAllSplits("HTTP/1.1 200 OK\r\n\r\n0123456789X", limits: limits, close: true)
        #expect(outcome == .failed(.responseTooLarge))
    }

    @Test func acceptsACloseDelimitedBodyAtTheBodyLimit() {
        let limits = ResponseParser.Limits(headBytes: 1024, bodyBytes: 10)
        let outcome = parseInAllSplits("HTTP/1.1 200 OK\r\n\r\n0123456789", limits: limits, close: true)
        #expect(outcome == .complete(status: 200, headers: [], body: "0123456789", reusable: false))
    }

    // MARK: Head size

    /// A head of exactly `size` bytes, its final blank line included: 47 bytes and an `X-Pad` value of the rest.
    private func head(ofSize size: Int) -> String {
        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Pad: \(String(repeating: "p", count: size - 47))\r\n\r\n"
    }

    @Test func acceptsAHeadAtTheHeadLimit() {
        let limits = ResponseParser.Limits(headBytes: 100, bodyBytes: 10)
        let outcome = parseInAllSplits(head(ofSize: 100), limits: limits)
        let pad = String(repeating: "p", count: 53)
        #expect(outcome == .complete(status: 200, headers: ["Content-Length: 0", "X-Pad: \(pad)"], body: "",
                                     reusable: true))
    }

    @Test func rejectsAHeadBeyondTheHeadLimit() {
        let limits = ResponseParser.Limits(headBytes: 100, bodyBytes: 10)
        #expect(parseInAllSplits(head(ofSize: 101), limits: limits) == malformed("head too large"))
    }

    @Test func rejectsAHeadThatNeverEndsOnceItPassesTheLimit() {
        let limits = ResponseParser.Limits(headBytes: 100, bodyBytes: 10)
        let unended = "HTTP/1.1 200 OK\r\nX-Pad: " + String(repeating: "p", count: 200)
        #expect(unended.utf8.count > 100)
        let outcome = parseInAllSplits(unended, limits: limits)
        #expect(outcome == malformed("head too large"))
    }

    // MARK: Transfer-Encoding

    @Test func readsByChunksAndDoesNotReuseWhenBothTransferEncodingAndContentLengthCome() {
        let outcome = parseInAllSplits(
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
        #expect(outcome == .complete(status: 200, headers: ["Content-Length: 3", "Transfer-Encoding: chunked"],
                                     body: "hello", reusable: false))
    }

    @Test func readsUntilCloseWhenTheLastTransferCodingIsNotChunked() {
        let outcome = parseInAllSplits("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n5\r\nraw\r\n", close: true)
        #expect(outcome == .complete(status: 200, headers: ["Transfer-Encoding: gzip"], body: "5\r\nraw\r\n",
                                     reusable: false))
    }

    @Test func readsByChunksWhenChunkedIsTheLastOfSeveralCodings() {
        let outcome = parseInAllSplits(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: Chunked\r\n\r\n2\r\nzz\r\n0\r\n\r\n")
        #expect(outcome == .complete(status: 200, headers: ["Transfer-Encoding: gzip", "Transfer-Encoding: Chunked"],
                                     body: "zz", reusable: true))
    }

    @Test func readsUntilCloseWhenChunkedIsNotTheLastCoding() {
        let outcome = parseInAllSplits("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nabc", close: true)
        #expect(outcome == .complete(status: 200, headers: ["Transfer-Encoding: chunked, gzip"], body: "abc",
                                     reusable: false))
    }

    @Test func doesNotReuseAnHTTP10ConnectionAfterTransferEncoding() {
        // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message is faulty framing; close after it.
        let outcome = parseInAllSplits(
            "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n")
        #expect(outcome == .complete(status: 200, headers: ["Connection: keep-alive", "Transfer-Encoding: chunked"],
                                     body: "ok", reusable: false))
    }

    // MARK: Keep-alive

    @Test func reusesAnHTTP11ConnectionByDefault() {
        #expect(parseInAllSplits("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            == .complete(status: 200, headers: ["Content-Length: 0"], body: "", reusable: true))
    }

    @Test(arguments: ["close", "Close", "keep-alive, close", "  CLOSE  "])
    func doesNotReuseAfterConnectionClose(value: String) {
        let outcome = parseInAllSplits("HTTP/1.1 200 OK\r\nConnection: \(value)\r\nContent-Length: 0\r\n\r\n")
        #expect(outcome == .complete(status: 200, headers: ["Connection: \(value.trimmingCharacters(in: .whitespaces))",
                                                            "Content-Length: 0"], body: "", reusable: false))
    }

    @Test func doesNotTakeCloseAsASubstringOfAnotherToken() {
        let outcome = parseInAllSplits("HTTP/1.1 200 OK\r\nConnection: closed-ish\r\nContent-Length: 0\r\n\r\n")
        #expect(outcome == .complete(status: 200, headers: ["Connection: closed-ish", "Content-Length: 0"], body: "",
                                     reusable: true))
    }

    @Test func doesNotReuseAnHTTP10ConnectionByDefault() {
        let outcome = parseInAllSplits("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")
        #expect(outcome == .complete(status: 200, headers: ["Content-Length: 0"], body: "", reusable: false))
    }

    @Test func reusesAnHTTP10ConnectionWithKeepAlive() {
        let outcome = parseInAllSplits("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n")
        #expect(outcome == .complete(status: 200, headers: ["Connection: Keep-Alive", "Content-Length: 0"], body: "",
                                     reusable: true))
    }

    @Test func doesNotReuseAfterBytesBeyondTheResponse() {
        let outcome = parseInAllSplits("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA")
        #expect(outcome == .complete(status: 200, headers: ["Content-Length: 2"], body: "ok", reusable: false))
    }

    @Test func doesNotReuseAfterBytesBeyondAChunkedResponse() {
        let outcome = parseInAllSplits(chunkedHead + "0\r\n\r\nX")
        #expect(outcome == .complete(status: 200, headers: ["Transfer-Encoding: chunked"], body: "", reusable: false))
    }

    @Test func doesNotReuseAfterBytesInALaterFeed() throws {
        var parser = ResponseParser(method: "GET")
        try parser.feed(Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".utf8)[...])
        #expect(parser.connectionReusable)
        try parser.feed(Array("HTTP/1.1 200 OK\r\n".utf8)[...])
        #expect(parser.connectionReusable == false)
        #expect(parser.response?.body == Array("ok".utf8))
    }

    @Test func isNotReusableBeforeTheResponseIsComplete() throws {
        var parser = ResponseParser(method: "GET")
        #expect(parser.connectionReusable == false)
        try parser.feed(Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\no".utf8)[...])
        #expect(parser.connectionReusable == false)
        #expect(parser.response == nil)
    }

    // MARK: Endless input within the per-head limits

    @Test func stopsAfterEightInterimAnswers() {
        let eight = String(repeating: "HTTP/1.1 100 Continue\r\n\r\n", count: 8)
        #expect(parseInAllSplits(eight + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            == .complete(status: 200, headers: ["Content-Length: 0"], body: "", reusable: true))
        #expect(parseInAllSplits(eight + "HTTP/1.1 100 Continue\r\n\r\n") == malformed("too many interim answers"))
    }

    @Test func trailersTogetherCountAgainstTheHeadLimit() {
        let limits = ResponseParser.Limits(headBytes: 100, bodyBytes: 10)
        let trailers = String(repeating: "X-T: 123456789\r\n", count: 6)
        #expect(parseInAllSplits("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + trailers + "\r\n", limits: limits)
            == .complete(status: 200, headers: ["Transfer-Encoding: chunked"], body: "", reusable: true))
        #expect(parseInAllSplits("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + trailers + trailers, limits: limits)
            == malformed("trailers too large"))
    }
}
