import WebText

/// An incremental HTTP/1.1 request parser (RFC 9112).
///
/// Feed it bytes as they arrive with `append`, then pull events with `next()` until it returns nil.
/// Any split of the same input yields the same events (body bytes may come in different pieces).
/// After an `.error` the parser stays failed: the stream's framing can no longer be trusted.
package struct HTTPRequestParser: Sendable {
    package enum Event: Equatable, Sendable {
        case head(HTTPRequestHead)
        case body([UInt8])
        case end(trailers: HTTPHeaders)
        case error(HTTPParseError)
    }

    private enum State: Sendable {
        case requestLine
        case headers(RequestLine, fields: [HTTPHeaders.Field], bytes: Int)
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers(fields: [HTTPHeaders.Field], bytes: Int)
        case messageEnd(HTTPHeaders)
        case failed
    }

    private struct RequestLine: Sendable {
        var method: HTTPMethod
        var target: String
        var path: String
        var query: String?
        var version: HTTPVersion
    }

    private enum Line {
        case complete(ArraySlice<UInt8>, endedWithCR: Bool, totalLength: Int)
        case incomplete
        case tooLong
    }

    package let limits: HTTPParserLimits
    private var buffer: [UInt8] = []
    private var index = 0
    /// Where the search for the current line's LF resumes, so byte-by-byte input stays linear.
    private var scanned = 0
    private var state: State = .requestLine
    /// Empty lines before the current request line, and chunk extension bytes of the current message: both are
    /// consumed without producing anything, so they are bounded separately.
    private var skippedBytes = 0
    private var extensionBytes = 0

    package init(limits: HTTPParserLimits = HTTPParserLimits()) {
        self.limits = limits
    }

    package mutating func append<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        buffer.append(contentsOf: bytes)
    }

    /// Bytes received but not yet turned into events.
    package var bufferedByteCount: Int { buffer.count - index }

    /// True between messages with nothing of the next one received yet.
    package var isAtMessageBoundary: Bool {
        if case .requestLine = state {
            return buffer[index...].allSatisfy { $0 == HTTPSyntax.cr || $0 == HTTPSyntax.lf }
        }
        return false
    }

    package var hasFailed: Bool {
        if case .failed = state { return true }
        return false
    }

    package mutating func next() -> Event? {
        // Consumed bytes are dropped as parsing goes, not only between messages, so a long body of tiny chunks
        // or a flood of empty lines cannot pile up in memory.
        if index > 16 * 1024 { discardConsumed() }
        while true {
            switch state {
            case .failed:
                return nil

            case .requestLine:
                switch takeLine(maxContent: limits.maxRequestLineLength) {
                case .incomplete: return nil
                case .tooLong: return fail(.requestLineTooLong)
                case .complete(let line, let endedWithCR, let length):
                    // RFC 9112 §2.2 lets a server take a bare LF as a line end; heroform does not, anywhere in the
                    // head: a front proxy that reads the bytes differently would disagree about where a request
                    // ends, the stuff request smuggling is made of. Clients all send CRLF.
                    guard endedWithCR else { return fail(.badRequest(Self.bareLF)) }
                    // RFC 9112 §2.2: empty lines before a request line are ignored — a few of them.
                    if line.isEmpty {
                        skippedBytes += length
                        if skippedBytes > limits.maxRequestLineLength {
                            return fail(.badRequest("too many empty lines"))
                        }
                        continue
                    }
                    skippedBytes = 0
                    extensionBytes = 0
                    switch parseRequestLine(line) {
                    case .success(let requestLine): state = .headers(requestLine, fields: [], bytes: 0)
                    case .failure(let error): return fail(error)
                    }
                }

            case .headers(let requestLine, var fields, let bytes):
                switch takeLine(maxContent: limits.maxHeaderBytes - bytes, fullLimit: limits.maxHeaderBytes - bytes) {
                case .incomplete: return nil
                case .tooLong:
                    return fail(.headerFieldsTooLarge("header fields larger than \(limits.maxHeaderBytes) bytes"))
                case .complete(let line, let endedWithCR, let length):
                    guard endedWithCR else { return fail(.badRequest(Self.bareLF)) }
                    if line.isEmpty {
                        switch makeHead(requestLine, fields: fields) {
                        case .success(let head):
                            switch head.framing {
                            case .none, .length(0): state = .messageEnd(HTTPHeaders())
                            case .length(let count): state = .fixedBody(remaining: count)
                            case .chunked: state = .chunkSize
                            }
                            return .head(head)
                        case .failure(let error):
                            return fail(error)
                        }
                    }
                    if fields.count >= limits.maxHeaderCount {
                        return fail(.headerFieldsTooLarge("more than \(limits.maxHeaderCount) header fields"))
                    }
                    switch parseField(line) {
                    case .success(let field): fields.append(field)
                    case .failure(let error): return fail(error)
                    }
                    state = .headers(requestLine, fields: fields, bytes: bytes + length)
                }

            case .fixedBody(let remaining):
                guard bufferedByteCount > 0 else { return nil }
                let count = min(remaining, bufferedByteCount)
                let chunk = Array(buffer[index..<index + count])
                index += count
                state = count == remaining ? .messageEnd(HTTPHeaders()) : .fixedBody(remaining: remaining - count)
                return .body(chunk)

            case .chunkSize:
                switch takeLine(maxContent: limits.maxChunkLineLength) {
                case .incomplete: return nil
                case .tooLong: return fail(.badRequest("chunk size line too long"))
                case .complete(let line, let endedWithCR, let length):
                    guard endedWithCR else { return fail(.badRequest("chunk size line must end with CRLF")) }
                    extensionBytes += length
                    if extensionBytes > limits.maxChunkMetadata { return fail(.badRequest("too much chunk framing")) }
                    guard let size = parseChunkSize(line) else { return fail(.badRequest("invalid chunk size")) }
                    state = size == 0 ? .trailers(fields: [], bytes: 0) : .chunkData(remaining: size)
                }

            case .chunkData(let remaining):
                guard bufferedByteCount > 0 else { return nil }
                let count = min(remaining, bufferedByteCount)
                let chunk = Array(buffer[index..<index + count])
                index += count
                state = count == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - count)
                return .body(chunk)

            case .chunkDataEnd:
                guard bufferedByteCount >= 1 else { return nil }
                guard buffer[index] == HTTPSyntax.cr else {
                    return fail(.badRequest("chunk data longer than its size"))
                }
                guard bufferedByteCount >= 2 else { return nil }
                guard buffer[index + 1] == HTTPSyntax.lf else {
                    return fail(.badRequest("chunk data must end with CRLF"))
                }
                index += 2
                scanned = index
                state = .chunkSize

            case .trailers(var fields, let bytes):
                switch takeLine(maxContent: limits.maxHeaderBytes - bytes, fullLimit: limits.maxHeaderBytes - bytes) {
                case .incomplete: return nil
                case .tooLong: return fail(.headerFieldsTooLarge("trailer fields too large"))
                case .complete(let line, let endedWithCR, let length):
                    guard endedWithCR else { return fail(.badRequest("trailer lines must end with CRLF")) }
                    if line.isEmpty {
                        state = .messageEnd(HTTPHeaders(fields: fields))
                        continue
                    }
                    if fields.count >= limits.maxHeaderCount {
                        return fail(.headerFieldsTooLarge("too many trailer fields"))
                    }
                    switch parseField(line) {
                    case .success(let field): fields.append(field)
                    case .failure(let error): return fail(error)
                    }
                    state = .trailers(fields: fields, bytes: bytes + length)
                }

            case .messageEnd(let trailers):
                state = .requestLine
                compact()
                return .end(trailers: trailers)
            }
        }
    }

    static let bareLF = "lines of the request head must end with CRLF"

    // MARK: - Lines

    /// Takes one line ended by LF (an optional CR before it is not content). `maxContent` bounds the content;
    /// `fullLimit`, when given, bounds content plus line end. Limits are checked before content, and on
    /// partial input as soon as they are certainly exceeded, so every split of the input fails alike.
    private mutating func takeLine(maxContent: Int, fullLimit: Int? = nil) -> Line {
        var position = max(scanned, index)
        while position < buffer.count, buffer[position] != HTTPSyntax.lf { position += 1 }
        guard position < buffer.count else {
            scanned = position
            let pending = buffer.count - index
            let content = pending - (buffer.last == HTTPSyntax.cr ? 1 : 0)
            if content > maxContent { return .tooLong }
            if let fullLimit, pending + 1 > fullLimit { return .tooLong }
            return .incomplete
        }
        let endedWithCR = position > index && buffer[position - 1] == HTTPSyntax.cr
        let contentEnd = endedWithCR ? position - 1 : position
        let total = position + 1 - index
        if contentEnd - index > maxContent { return .tooLong }
        if let fullLimit, total > fullLimit { return .tooLong }
        let line = buffer[index..<contentEnd]
        index = position + 1
        scanned = index
        return .complete(line, endedWithCR: endedWithCR, totalLength: total)
    }

    private mutating func fail(_ error: HTTPParseError) -> Event {
        state = .failed
        buffer = []
        index = 0
        scanned = 0
        return .error(error)
    }

    private mutating func discardConsumed() {
        buffer.removeFirst(index)
        scanned = max(0, scanned - index)
        index = 0
    }

    /// Drops consumed bytes between messages so a long keep-alive connection does not grow its buffer.
    private mutating func compact() {
        if index == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 64 * 1024)
        } else if index > 0 {
            buffer.removeFirst(index)
        }
        scanned -= index
        index = 0
    }

    // MARK: - Request line

    private func parseRequestLine(_ line: ArraySlice<UInt8>) -> Result<RequestLine, HTTPParseError> {
        if line.contains(HTTPSyntax.cr) { return .failure(.badRequest("bare CR in request line")) }
        let parts = line.split(separator: HTTPSyntax.space, maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return .failure(.badRequest("malformed request line")) }
        let methodBytes = parts[0]
        let targetBytes = parts[1]
        let versionBytes = parts[2]

        guard HTTPSyntax.isToken(methodBytes) else { return .failure(.badRequest("invalid method")) }
        let method = HTTPMethod(String(decoding: methodBytes, as: UTF8.self))

        guard let version = parseVersion(versionBytes) else { return .failure(.badRequest("malformed HTTP version")) }
        guard version.major == 1 else { return .failure(.versionNotSupported) }
        // A later 1.x minor version is read as the highest one we implement (RFC 9110 §2.5).
        let effectiveVersion = version.minor == 0 ? HTTPVersion.http1_0 : HTTPVersion.http1_1

        guard !targetBytes.isEmpty, targetBytes.allSatisfy({ HTTPSyntax.targetTable[Int($0)] }) else {
            return .failure(.badRequest("invalid request target"))
        }
        guard HTTPMethod.known.contains(method) else { return .failure(.notImplemented("method not implemented")) }
        if method == .connect { return .failure(.notImplemented("CONNECT is not supported")) }

        let target = String(decoding: targetBytes, as: UTF8.self)
        var pathAndQuery: Substring
        if target.first == "/" {
            pathAndQuery = Substring(target)
        } else if target == "*" {
            guard method == .options else { return .failure(.badRequest("'*' target is only valid for OPTIONS")) }
            return .success(
                RequestLine(method: method, target: target, path: "*", query: nil, version: effectiveVersion))
        } else if let rest = Self.stripScheme(target) {
            // absolute-form (RFC 9112 §3.2.2): the path starts after the authority.
            let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
            guard authorityEnd > rest.startIndex else { return .failure(.badRequest("absolute target without host")) }
            pathAndQuery = rest[authorityEnd...]
            if pathAndQuery.first != "/" { pathAndQuery = "/" + pathAndQuery }
        } else {
            return .failure(.badRequest("invalid request target"))
        }
        let (path, query) = Self.splitQuery(pathAndQuery)
        return .success(
            RequestLine(method: method, target: target, path: path, query: query, version: effectiveVersion))
    }

    private static func stripScheme(_ target: String) -> Substring? {
        let lower = target.lowercased()
        for scheme in ["http://", "https://"] where lower.hasPrefix(scheme) {
            return target.dropFirst(scheme.count)
        }
        return nil
    }

    private static func splitQuery(_ pathAndQuery: Substring) -> (String, String?) {
        guard let mark = pathAndQuery.firstIndex(of: "?") else { return (String(pathAndQuery), nil) }
        return (String(pathAndQuery[..<mark]), String(pathAndQuery[pathAndQuery.index(after: mark)...]))
    }

    /// `HTTP/` DIGIT `.` DIGIT, case-sensitive (RFC 9112 §2.3).
    private func parseVersion(_ bytes: ArraySlice<UInt8>) -> HTTPVersion? {
        guard bytes.count == 8, bytes.starts(with: "HTTP/".utf8) else { return nil }
        let major = bytes[bytes.startIndex + 5]
        let dot = bytes[bytes.startIndex + 6]
        let minor = bytes[bytes.startIndex + 7]
        let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
        guard digits.contains(major), dot == UInt8(ascii: "."), digits.contains(minor) else { return nil }
        return HTTPVersion(major: Int(major - digits.lowerBound), minor: Int(minor - digits.lowerBound))
    }

    // MARK: - Fields

    private func parseField(_ line: ArraySlice<UInt8>) -> Result<HTTPHeaders.Field, HTTPParseError> {
        guard let first = line.first else { return .failure(.badRequest("empty header line")) }
        if first == HTTPSyntax.space || first == HTTPSyntax.tab {
            return .failure(.badRequest("obsolete line folding is not accepted"))
        }
        guard let colon = line.firstIndex(of: HTTPSyntax.colon) else {
            return .failure(.badRequest("header line without colon"))
        }
        let name = line[line.startIndex..<colon]
        guard HTTPSyntax.isToken(name) else {
            if let last = name.last, last == HTTPSyntax.space || last == HTTPSyntax.tab {
                return .failure(.badRequest("whitespace before colon in header field"))
            }
            return .failure(.badRequest("invalid header field name"))
        }
        var value = line[(colon + 1)...]
        while let byte = value.first, byte == HTTPSyntax.space || byte == HTTPSyntax.tab { value.removeFirst() }
        while let byte = value.last, byte == HTTPSyntax.space || byte == HTTPSyntax.tab { value.removeLast() }
        guard value.allSatisfy({ HTTPSyntax.fieldValueTable[Int($0)] }) else {
            return .failure(.badRequest("invalid character in header field value"))
        }
        return .success(
            HTTPHeaders.Field(
                parsedName: String(decoding: name, as: UTF8.self),
                value: String(decoding: value, as: UTF8.self)))
    }

    /// Checks what the fields say about framing and the host (RFC 9112 §3.2, §6; RFC 9110 §7.2, §10.1.1).
    private func makeHead(_ line: RequestLine, fields: [HTTPHeaders.Field]) -> Result<HTTPRequestHead, HTTPParseError> {
        let headers = HTTPHeaders(fields: fields)

        let hosts = headers.values("host")
        if hosts.count > 1 { return .failure(.badRequest("more than one Host header")) }
        if line.version == .http1_1 && hosts.isEmpty { return .failure(.badRequest("missing Host header")) }
        if let host = hosts.first, !host.utf8.allSatisfy({ HTTPSyntax.hostTable[Int($0)] }) {
            return .failure(.badRequest("invalid Host header"))
        }

        let lengths = headers.values("content-length")
        let codingFields = headers.values("transfer-encoding")
        var framing = HTTPRequestHead.BodyFraming.none

        if !codingFields.isEmpty {
            if !lengths.isEmpty { return .failure(.badRequest("both Content-Length and Transfer-Encoding")) }
            if line.version == .http1_0 { return .failure(.badRequest("Transfer-Encoding in an HTTP/1.0 request")) }
            let codings = codingFields.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
                .map {
                    $0.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first.map {
                        $0.trimmingWhitespace().lowercased()
                    } ?? ""
                }
            if codings.allSatisfy(\.isEmpty) { return .failure(.badRequest("empty Transfer-Encoding")) }
            let listed = codings.filter { !$0.isEmpty }
            if listed.contains(where: { !HTTPSyntax.isToken($0.utf8) }) {
                return .failure(.badRequest("invalid Transfer-Encoding"))
            }
            if listed.contains(where: { !Self.knownCodings.contains($0) }) {
                return .failure(.notImplemented("transfer coding not implemented"))
            }
            guard listed.last == "chunked", listed.filter({ $0 == "chunked" }).count == 1 else {
                return .failure(.badRequest("chunked must be the final transfer coding, once"))
            }
            if listed.count > 1 { return .failure(.notImplemented("only the chunked transfer coding is implemented")) }
            framing = .chunked
        } else if !lengths.isEmpty {
            if lengths.count > 1 { return .failure(.badRequest("more than one Content-Length")) }
            guard let length = Self.parseContentLength(lengths[0]) else {
                return .failure(.badRequest("invalid Content-Length"))
            }
            framing = .length(length)
        }

        var expectsContinue = false
        let expectations = headers.values("expect")
        if !expectations.isEmpty && line.version == .http1_1 {
            // Only 100-continue is defined (RFC 9110 §10.1.1); anything else cannot be met.
            guard expectations.count == 1, expectations[0].lowercased() == "100-continue" else {
                return .failure(.expectationFailed)
            }
            expectsContinue = true
        }

        return .success(
            HTTPRequestHead(
                method: line.method, target: line.target, path: line.path, query: line.query,
                version: line.version, headers: headers, framing: framing,
                expectsContinue: expectsContinue))
    }

    private static let knownCodings: Set<String> = ["chunked", "gzip", "x-gzip", "deflate", "compress", "x-compress"]

    /// 1*DIGIT and nothing else: no sign, no list, no whitespace, no overflow.
    static func parseContentLength(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return nil
        }
        return Int(text)
    }

    /// 1*HEXDIG, then optional extensions `;name[=value]` made of visible characters and whitespace.
    private func parseChunkSize(_ line: ArraySlice<UInt8>) -> Int? {
        let digits = line.prefix { HTTPSyntax.isHexDigit($0) }
        // 15 hex digits stay well inside Int; a body that large is refused by the limits anyway.
        guard !digits.isEmpty, digits.count <= 15 else { return nil }
        var rest = line[digits.endIndex...]
        while let byte = rest.first, byte == HTTPSyntax.space || byte == HTTPSyntax.tab { rest.removeFirst() }
        if let first = rest.first {
            guard first == UInt8(ascii: ";"), rest.allSatisfy({ HTTPSyntax.fieldValueTable[Int($0)] }) else {
                return nil
            }
        }
        var size = 0
        for byte in digits { size = size << 4 | Int(HexDigit.value(byte) ?? 0) }
        return size
    }
}
