/// Reads one HTTP/1.1 response from bytes as they arrive (RFC 9112): the status line and headers, then the body
/// framed by `Transfer-Encoding: chunked`, `Content-Length`, or the end of the connection. Interim (1xx) answers
/// are skipped. Pure: no I/O, so every framing rule is tested on bytes alone.
struct ResponseParser {
    struct Limits {
        var headBytes = 64 * 1024
        var bodyBytes = 1024 * 1024
    }

    private enum State {
        case head
        case fixed(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkEnd
        case trailers
        case untilClose
        case done
    }

    private let limits: Limits
    private let bodyless: Bool
    private var state = State.head
    private var buffer: [UInt8] = []
    private var status = 0
    private var headers: [(name: String, value: String)] = []
    private var body: [UInt8] = []
    private var closeAfter = false
    /// How far into the unfinished head the search for its end got: a head that trickles in byte by byte is then
    /// searched once, not once per byte.
    private var headSearched = 0
    /// Interim answers and trailer bytes so far: both could otherwise go on for ever within the limits per head.
    private var interimAnswers = 0
    private var trailerBytes = 0
    static let maxInterimAnswers = 8

    /// `method` decides whether a body can follow (`HEAD` never has one).
    init(method: String, limits: Limits = Limits()) {
        self.limits = limits
        bodyless = method == "HEAD"
    }

    /// The response, once complete.
    private(set) var response: HTTPClientResponse?
    /// Whether the connection may carry another request: HTTP/1.1 without `Connection: close`, framed by length
    /// or chunks, and nothing beyond the response's end.
    var connectionReusable: Bool {
        guard response != nil else { return false }
        return !closeAfter && buffer.isEmpty
    }

    /// Takes the next bytes. Throws on anything that is not a well-formed response within the limits.
    mutating func feed(_ bytes: ArraySlice<UInt8>) throws(HTTPClientError) {
        guard !bytes.isEmpty else { return }
        if case .done = state {
            // Bytes after a complete answer: the connection is out of step and is not reused.
            buffer.append(contentsOf: bytes.prefix(1))
            return
        }
        buffer.append(contentsOf: bytes)
        try advance()
    }

    /// The connection ended. A body that runs until the end is complete now; anything else is cut short.
    mutating func finish() throws(HTTPClientError) {
        switch state {
        case .done:
            return
        case .untilClose:
            complete()
        default:
            throw .connectionClosed
        }
    }

    private mutating func advance() throws(HTTPClientError) {
        var offset = 0
        defer { buffer.removeFirst(min(offset, buffer.count)) }
        while true {
            switch state {
            case .head:
                guard let end = headEnd(searchingFrom: offset + headSearched) else {
                    guard buffer.count - offset <= limits.headBytes else { throw .malformedResponse("head too large") }
                    // The end may start in the last two bytes ("\n\r" waiting for "\n").
                    headSearched = max(0, buffer.count - offset - 2)
                    return
                }
                headSearched = 0
                guard end.bodyStart - offset <= limits.headBytes else { throw .malformedResponse("head too large") }
                try parseHead(buffer[offset..<end.headEnd])
                offset = end.bodyStart
            case .fixed(let remaining):
                let take = min(remaining, buffer.count - offset)
                body.append(contentsOf: buffer[offset..<(offset + take)])
                offset += take
                if take == remaining {
                    complete()
                } else {
                    state = .fixed(remaining: remaining - take)
                    return
                }
            case .untilClose:
                let take = buffer.count - offset
                guard body.count + take <= limits.bodyBytes else { throw .responseTooLarge }
                body.append(contentsOf: buffer[offset...])
                offset += take
                return
            case .chunkSize:
                guard let line = try nextLine(from: &offset) else { return }
                // The size, in hex, before any `;extension`.
                let digits = line.prefix {
                    $0 != UInt8(ascii: ";") && $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t")
                }
                // Hex digits only: `Int(_:radix:)` alone would take a sign, and a negative size would trap below.
                guard !digits.isEmpty, digits.count <= 8, digits.allSatisfy(Self.isHexDigit),
                    let size = Int(String(decoding: digits, as: UTF8.self), radix: 16)
                else {
                    throw .malformedResponse("bad chunk size")
                }
                guard body.count + size <= limits.bodyBytes else { throw .responseTooLarge }
                state = size == 0 ? .trailers : .chunkData(remaining: size)
            case .chunkData(let remaining):
                let take = min(remaining, buffer.count - offset)
                body.append(contentsOf: buffer[offset..<(offset + take)])
                offset += take
                if take == remaining {
                    state = .chunkEnd
                } else {
                    state = .chunkData(remaining: remaining - take)
                    return
                }
            case .chunkEnd:
                guard let line = try nextLine(from: &offset) else { return }
                guard line.isEmpty else { throw .malformedResponse("chunk data longer than its size") }
                state = .chunkSize
            case .trailers:
                // Trailer fields are read past, never used; together they count against the head's limit.
                guard let line = try nextLine(from: &offset) else { return }
                trailerBytes += line.count + 2
                guard trailerBytes <= limits.headBytes else { throw .malformedResponse("trailers too large") }
                if line.isEmpty { complete() }
            case .done:
                // Anything left after the end stays in the buffer, which keeps the connection from being reused.
                return
            }
        }
    }

    /// The end of the head (before its blank line) and where the body starts. Lines end in CRLF; a bare LF is
    /// read as a line end too, as RFC 9112 §2.2 allows.
    private func headEnd(searchingFrom start: Int) -> (headEnd: Int, bodyStart: Int)? {
        var index = start
        while let newline = buffer[index...].firstIndex(of: UInt8(ascii: "\n")) {
            let next = newline + 1
            if next < buffer.count, buffer[next] == UInt8(ascii: "\n") { return (newline, next + 1) }
            if next + 1 < buffer.count, buffer[next] == UInt8(ascii: "\r"), buffer[next + 1] == UInt8(ascii: "\n") {
                return (newline, next + 2)
            }
            index = next
        }
        return nil
    }

    /// One CRLF-ended line of chunk framing, without its ending; nil until it is all here.
    private func nextLine(from offset: inout Int) throws(HTTPClientError) -> ArraySlice<UInt8>? {
        guard let newline = buffer[offset...].firstIndex(of: UInt8(ascii: "\n")) else {
            guard buffer.count - offset <= 4096 else { throw .malformedResponse("chunk line too long") }
            return nil
        }
        // The same limit with the newline here, so a line's fate does not depend on how its bytes were split.
        guard newline - offset <= 4096 else { throw .malformedResponse("chunk line too long") }
        guard newline > offset, buffer[newline - 1] == UInt8(ascii: "\r") else {
            throw .malformedResponse("chunk line without CRLF")
        }
        let line = buffer[offset..<(newline - 1)]
        offset = newline + 1
        return line
    }

    private mutating func parseHead(_ head: ArraySlice<UInt8>) throws(HTTPClientError) {
        var lines = head.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
            line.last == UInt8(ascii: "\r") ? line.dropLast() : line
        }
        guard !lines.isEmpty else { throw .malformedResponse("no status line") }
        let statusLine = lines.removeFirst()
        // "HTTP/1.x NNN reason"
        guard statusLine.count >= 12, statusLine.starts(with: Array("HTTP/1.".utf8)),
            let minor = statusLine.dropFirst(7).first, minor == UInt8(ascii: "0") || minor == UInt8(ascii: "1"),
            statusLine[statusLine.startIndex + 8] == UInt8(ascii: " "),
            let code = Int(String(decoding: statusLine.dropFirst(9).prefix(3), as: UTF8.self)),
            (100...599).contains(code),
            statusLine.count == 12 || statusLine[statusLine.startIndex + 12] == UInt8(ascii: " ")
        else {
            throw .malformedResponse("bad status line")
        }
        var fields: [(name: String, value: String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                throw .malformedResponse("header without colon")
            }
            let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self)
            // A folded line (starting with white space) or a name with spaces: RFC 9112 §5.1-5.2 say reject.
            guard RequestEncoder.isToken(name) else { throw .malformedResponse("bad header name") }
            let value = line[(colon + 1)...].drop { $0 == 0x20 || $0 == 0x09 }
            let trimmed = value.reversed().drop { $0 == 0x20 || $0 == 0x09 }.reversed()
            // RFC 9110 §5.5: a field value with CR or NUL is rejected (LF cannot be in one: it ends the line).
            guard !trimmed.contains(where: { $0 == 0x0D || $0 == 0x00 }) else {
                throw .malformedResponse("bad header value")
            }
            fields.append((name, String(decoding: trimmed, as: UTF8.self)))
        }
        if (100...199).contains(code) {
            guard code != 101 else { throw .malformedResponse("unexpected protocol switch") }
            // An interim answer (100 Continue, 103 Early Hints): the real one follows.
            interimAnswers += 1
            guard interimAnswers <= Self.maxInterimAnswers else { throw .malformedResponse("too many interim answers") }
            return
        }
        status = code
        headers = fields
        let tokens = fields.filter { $0.name.caseInsensitiveEquals("Connection") }
            .flatMap { $0.value.lowercased().split(separator: ",").map { $0.trimmingSpaces } }
        closeAfter = minor == UInt8(ascii: "0") ? !tokens.contains("keep-alive") : tokens.contains("close")

        if bodyless || code == 204 || code == 304 {
            complete()
            return
        }
        let codings = fields.filter { $0.name.caseInsensitiveEquals("Transfer-Encoding") }
            .flatMap { $0.value.lowercased().split(separator: ",").map { $0.trimmingSpaces } }
        let lengthFields = fields.filter { $0.name.caseInsensitiveEquals("Content-Length") }
        let lengths = lengthFields.flatMap { $0.value.split(separator: ",").map { $0.trimmingSpaces } }
        if !codings.isEmpty {
            // Both framings at once is a smuggling pattern (RFC 9112 §6.3): read by the chunks, never reuse.
            if !lengthFields.isEmpty { closeAfter = true }
            // Transfer-Encoding in HTTP/1.0 is faulty framing: close after this answer (RFC 9112 §6.1).
            if minor == UInt8(ascii: "0") { closeAfter = true }
            if codings.last == "chunked" {
                state = .chunkSize
            } else {
                closeAfter = true
                state = .untilClose
            }
        } else if !lengthFields.isEmpty {
            // An empty `Content-Length:` is invalid too, not the same as none (which would read until close).
            guard let first = lengths.first, lengths.allSatisfy({ $0 == first }),
                first.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), first.utf8.count <= 15,
                let length = Int(first)
            else {
                throw .malformedResponse("bad Content-Length")
            }
            guard length <= limits.bodyBytes else { throw .responseTooLarge }
            body.reserveCapacity(length)
            if length == 0 { complete() } else { state = .fixed(remaining: length) }
        } else {
            closeAfter = true
            state = .untilClose
        }
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
            UInt8(ascii: "A")...UInt8(ascii: "F"):
            return true
        default:
            return false
        }
    }

    private mutating func complete() {
        state = .done
        response = HTTPClientResponse(status: status, headers: headers, body: body)
    }
}

extension Substring {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
