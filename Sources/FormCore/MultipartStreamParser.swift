import WebText

/// The head of one part of a `multipart/form-data` body: its field name, and for a file part the file name and the
/// Content-Type the client declared (neither to be trusted: the name is not a path, the type not the content).
package struct MultipartPartHead: Equatable, Sendable {
    package var name: String
    /// Present for a file part, possibly empty: browsers send `filename=""` for a file input left empty.
    package var filename: String?
    package var contentType: String?

    package init(name: String, filename: String? = nil, contentType: String? = nil) {
        self.name = name
        self.filename = filename
        self.contentType = contentType
    }

    package var isFile: Bool { filename != nil }
}

/// What the stream parser found in the bytes fed to it, in order. A part's data may come in any number of pieces.
package enum MultipartEvent: Equatable, Sendable {
    case partStart(MultipartPartHead)
    /// Content bytes of the current part: a slice of the chunk that was fed (not a copy), or of the few bytes the
    /// parser held back because a delimiter might have begun there.
    case partData(ArraySlice<UInt8>)
    case partEnd
    /// The close delimiter: anything fed after it is epilogue and ignored.
    case end
}

/// An incremental, push-based `multipart/form-data` parser (RFC 7578 on RFC 2046 §5.1): chunks in, events out,
/// so a request body spooled to disk can be read in pieces and a file part written out as it arrives. Memory is
/// bounded: one part's header block, and in content only the bytes where a delimiter split across chunks might
/// begin. Any split of the same input gives the same parts, the same bytes and the same error.
///
/// The preamble and the epilogue are ignored, transport padding after a boundary is allowed, and a line that starts
/// like a delimiter but goes on (`--boundaryX`) is content, as RFC 2046 §5.1.1 has it.
package struct MultipartStreamParser: Sendable {
    package struct Limits: Equatable, Sendable {
        package var maxParts: Int
        /// Bytes of one part's header block, without the empty line that ends it.
        package var maxHeaderBytes: Int
        package var maxHeaderLines: Int

        package init(maxParts: Int = 100, maxHeaderBytes: Int = 8192, maxHeaderLines: Int = 16) {
            self.maxParts = maxParts
            self.maxHeaderBytes = maxHeaderBytes
            self.maxHeaderLines = maxHeaderLines
        }
    }

    /// RFC 2046 limit; longer boundaries are a sign of a broken or hostile client.
    package static let maxBoundaryLength = 70
    /// Spaces and tabs allowed between a boundary and its line end. RFC 2046 sets no limit, but every byte of it
    /// must be held back until the line ends, so a line that pads on longer is refused.
    package static let maxTransportPadding = 64

    private enum Phase: Sendable {
        case preamble, head, body, done
    }

    private enum Ending {
        /// Padding and CRLF: a part starts at the index.
        case line(Int)
        /// `--`: the close delimiter, the epilogue starts at the index.
        case close(Int)
        case notDelimiter
        case needMore
        /// More spaces and tabs than `maxTransportPadding`.
        case paddingTooLong
    }

    package let limits: Limits
    /// CRLF "--" boundary: every delimiter, the first one included, since the parser reads the body as if a CRLF
    /// came before it.
    private let delimiter: BytePattern
    private var phase = Phase.preamble
    /// Bytes not decided yet at the end of the last chunk: at most a delimiter, its padding and a CR.
    private var pending: [UInt8] = crlf
    /// The current part's header block while it is read.
    private var header: [UInt8] = []
    private var partCount = 0
    private var failure: DecodeError?

    private static let crlf: [UInt8] = [0x0D, 0x0A]
    private static let headerTerminator = BytePattern([0x0D, 0x0A, 0x0D, 0x0A])

    /// `boundary` is the Content-Type parameter, already unquoted.
    package init(boundary: String?, limits: Limits = Limits()) throws(DecodeError) {
        guard let boundary, !boundary.isEmpty else {
            throw .malformed("multipart/form-data without a boundary parameter")
        }
        guard boundary.utf8.count <= Self.maxBoundaryLength else {
            throw .malformed("multipart boundary longer than \(Self.maxBoundaryLength) characters")
        }
        guard Self.isValidBoundary(boundary) else {
            throw .malformed("multipart boundary contains characters RFC 2046 does not allow")
        }
        self.limits = limits
        delimiter = BytePattern(Self.crlf + [0x2D, 0x2D] + Array(boundary.utf8))
    }

    /// How many bytes after a held-back candidate decide it: the delimiter, the padding, CRLF.
    private var lookahead: Int { delimiter.count + Self.maxTransportPadding + 2 }

    /// Reads the next chunk. Data events slice `chunk` itself, so nothing is copied for a part's content. After an
    /// error every later call throws it again.
    package mutating func feed(_ chunk: ArraySlice<UInt8>) throws(DecodeError) -> [MultipartEvent] {
        if let failure { throw failure }
        do {
            return try read(chunk)
        } catch {
            failure = error
            throw error
        }
    }

    private mutating func read(_ chunk: ArraySlice<UInt8>) throws(DecodeError) -> [MultipartEvent] {
        var events: [MultipartEvent] = []
        guard phase != .done else { return events }
        var rest = chunk
        if !pending.isEmpty {
            // The held-back bytes are decided with a window of the new chunk, so the chunk itself is not copied.
            let window = min(rest.count, lookahead)
            let joined = pending + rest.prefix(window)
            let used = try process(joined[...], into: &events)
            guard used >= pending.count else {
                // Still open: the chunk was shorter than the window (the bound above makes anything else impossible).
                pending = Array(joined[used...]) + rest.dropFirst(window)
                return events
            }
            rest = rest.dropFirst(used - pending.count)
            pending = []
            if phase == .done { return events }
        }
        let used = try process(rest, into: &events)
        pending = Array(rest.dropFirst(used))
        return events
    }

    package mutating func feed(_ chunk: [UInt8]) throws(DecodeError) -> [MultipartEvent] {
        try feed(chunk[...])
    }

    /// Copies the bytes once, for callers that read into a raw buffer they reuse.
    package mutating func feed(_ chunk: UnsafeRawBufferPointer) throws(DecodeError) -> [MultipartEvent] {
        try feed([UInt8](chunk)[...])
    }

    /// The input has ended: it must have ended after the close delimiter.
    package mutating func finish() throws(DecodeError) {
        if let failure { throw failure }
        switch phase {
        case .done: return
        case .preamble: throw .malformed("multipart body does not contain the boundary")
        case .head, .body: throw .malformed("multipart body is missing the final boundary")
        }
    }

    /// Finds the delimiters in `buffer` and passes the bytes between them on; returns how many bytes (from the
    /// slice's start) are decided. The rest could begin a delimiter and waits for more input.
    private mutating func process(
        _ buffer: ArraySlice<UInt8>, into events: inout [MultipartEvent]
    ) throws(DecodeError) -> Int {
        let base = buffer.startIndex
        var content = 0 // start of the bytes not passed on yet
        var search = 0
        while phase != .done {
            let from = search
            let found = buffer.withUnsafeBufferPointer { delimiter.firstMatch(in: $0, from: from) }
            guard let match = found else {
                let tail = buffer.withUnsafeBufferPointer { delimiter.partialMatchAtEnd(in: $0, from: from) }
                let decided = tail ?? buffer.count
                try pass(buffer[(base + content)..<(base + decided)], into: &events)
                return decided
            }
            // Whatever the candidate turns out to be, the bytes before it are content: passed on first, so that
            // errors come in the order of the input however it was split.
            try pass(buffer[(base + content)..<(base + match)], into: &events)
            content = match
            let after = match + delimiter.count
            switch buffer.withUnsafeBufferPointer({ Self.ending(in: $0, at: after) }) {
            case .notDelimiter:
                search = match + 1
            case .needMore:
                return match
            case .line(let next):
                try delimiterFound(close: false, into: &events)
                content = next
                search = next
            case .close:
                try delimiterFound(close: true, into: &events)
                return buffer.count
            case .paddingTooLong:
                throw .malformed(
                    "multipart boundary followed by more than \(Self.maxTransportPadding) bytes of padding")
            }
        }
        return buffer.count
    }

    /// Whether what follows a boundary makes it a delimiter: "--" (the last one), or padding and CRLF.
    private static func ending(in bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> Ending {
        guard start < bytes.count else { return .needMore }
        if bytes[start] == 0x2D {
            guard start + 1 < bytes.count else { return .needMore }
            return bytes[start + 1] == 0x2D ? .close(start + 2) : .notDelimiter
        }
        var index = start
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 {
            index += 1
            if index - start > maxTransportPadding { return .paddingTooLong }
        }
        guard index < bytes.count else { return .needMore }
        guard bytes[index] == 0x0D else { return .notDelimiter }
        guard index + 1 < bytes.count else { return .needMore }
        return bytes[index + 1] == 0x0A ? .line(index + 2) : .notDelimiter
    }

    /// Bytes of the current part (or the preamble) between delimiters.
    private mutating func pass(_ bytes: ArraySlice<UInt8>, into events: inout [MultipartEvent]) throws(DecodeError) {
        guard !bytes.isEmpty else { return }
        switch phase {
        case .preamble, .done:
            return
        case .body:
            events.append(.partData(bytes))
        case .head:
            try readHeader(bytes, into: &events)
        }
    }

    private mutating func readHeader(
        _ bytes: ArraySlice<UInt8>, into events: inout [MultipartEvent]
    ) throws(DecodeError) {
        let room = limits.maxHeaderBytes + 4 - header.count
        let taken = bytes.prefix(max(room, 0))
        let searchFrom = max(header.count - 3, 0)
        header += taken
        if header.count >= 2 && header[0] == 0x0D && header[1] == 0x0A {
            throw Self.withoutDisposition // an empty header block
        }
        guard let end = header.firstIndex(of: Self.headerTerminator, from: searchFrom) else {
            if header.count >= limits.maxHeaderBytes + 4 {
                throw .malformed("multipart part headers longer than \(limits.maxHeaderBytes) bytes")
            }
            return
        }
        let head = try parseHead(header[..<end])
        events.append(.partStart(head))
        phase = .body
        let early = header[(end + 4)...]
        header = []
        if !early.isEmpty { events.append(.partData(early)) }
        let rest = bytes.dropFirst(taken.count)
        if !rest.isEmpty { events.append(.partData(rest)) }
    }

    private mutating func delimiterFound(close: Bool, into events: inout [MultipartEvent]) throws(DecodeError) {
        switch phase {
        case .preamble:
            break
        case .head:
            // The part ended before its header block did (RFC 2046: a part with no headers still has the empty line).
            if header.isEmpty { throw Self.withoutDisposition }
            throw .malformed("multipart part headers are not terminated by an empty line")
        case .body:
            events.append(.partEnd)
        case .done:
            return
        }
        if close {
            events.append(.end)
            phase = .done
            return
        }
        partCount += 1
        guard partCount <= limits.maxParts else {
            throw .malformed("multipart body has more than \(limits.maxParts) parts")
        }
        phase = .head
    }

    private static let withoutDisposition = DecodeError.malformed(
        "multipart part without Content-Disposition: form-data")

    /// The header block of a part: its name from Content-Disposition (RFC 7578 §4.2), the file name if it is a
    /// file, and the declared Content-Type.
    private func parseHead(_ bytes: ArraySlice<UInt8>) throws(DecodeError) -> MultipartPartHead {
        guard let text = String.fromValidUTF8(bytes) else {
            throw .malformed("invalid UTF-8 in multipart part headers")
        }
        var disposition: HeaderValue?
        var contentType: String?
        var lines = 0
        for line in text.split(separator: "\r\n", omittingEmptySubsequences: true) {
            lines += 1
            guard lines <= limits.maxHeaderLines else {
                throw .malformed("multipart part with more than \(limits.maxHeaderLines) header lines")
            }
            guard let colon = line.firstIndex(of: ":") else {
                throw .malformed("malformed header line in a multipart part")
            }
            let name = line[..<colon].trimmingWhitespace().lowercased()
            let value = String(line[line.index(after: colon)...])
            if name == "content-disposition" && disposition == nil {
                disposition = HeaderValue(value)
            } else if name == "content-type" && contentType == nil {
                contentType = value.trimmingWhitespace()
            }
        }
        guard let disposition, disposition.value.lowercased() == "form-data" else {
            throw Self.withoutDisposition
        }
        guard let name = disposition.parameters["name"], !name.isEmpty else {
            throw .malformed("multipart part without a name")
        }
        var filename = disposition.parameters["filename"]
        if filename == nil, let extended = disposition.parameters["filename*"] {
            filename = Self.decodeExtendedValue(extended) ?? ""
        }
        return MultipartPartHead(name: name, filename: filename, contentType: contentType)
    }

    /// An RFC 8187 `UTF-8''percent%20encoded` value, or nil for another charset or a broken escape. RFC 7578 asks
    /// senders not to use `filename*`; read anyway, since its presence alone makes a part a file.
    static func decodeExtendedValue(_ value: String) -> String? {
        let pieces = value.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
        guard pieces.count == 3, pieces[0].lowercased() == "utf-8" else { return nil }
        guard case .success(let decoded) = PercentDecoding.decode(pieces[2], plusIsSpace: false) else { return nil }
        return decoded
    }

    /// RFC 2046 `bchars`: digits, letters, `'()+_,-./:=?` and space, but not ending in a space.
    static func isValidBoundary(_ boundary: String) -> Bool {
        guard boundary.last != " " else { return false }
        return boundary.unicodeScalars.allSatisfy { scalar in
            ("0"..."9").contains(scalar) || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                || boundaryPunctuation.contains(scalar)
        }
    }

    private static let boundaryPunctuation = Set("'()+_,-./:=? ".unicodeScalars)
}
