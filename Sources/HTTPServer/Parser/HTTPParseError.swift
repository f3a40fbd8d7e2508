/// Why a request cannot be read. Each case maps to the status RFC 9110/9112/6585 asks for; after any of them
/// the framing of the rest of the stream is in doubt, so the connection is closed after the answer.
package enum HTTPParseError: Error, Equatable, Sendable, CustomStringConvertible {
    case requestLineTooLong
    case headerFieldsTooLarge(String)
    case badRequest(String)
    case notImplemented(String)
    case versionNotSupported
    case expectationFailed

    package var status: HTTPStatus {
        switch self {
        case .requestLineTooLong: return .uriTooLong
        case .headerFieldsTooLarge: return .headerFieldsTooLarge
        case .badRequest: return .badRequest
        case .notImplemented: return .notImplemented
        case .versionNotSupported: return .versionNotSupported
        case .expectationFailed: return .expectationFailed
        }
    }

    /// A short explanation for the client; it never quotes the request's bytes back.
    package var description: String {
        switch self {
        case .requestLineTooLong: return "request line too long"
        case .headerFieldsTooLarge(let why), .badRequest(let why), .notImplemented(let why): return why
        case .versionNotSupported: return "only HTTP/1.0 and HTTP/1.1 are supported"
        case .expectationFailed: return "only 'Expect: 100-continue' is supported"
        }
    }
}

/// The parser's limits; the defaults are the ones heroform promises.
package struct HTTPParserLimits: Sendable, Equatable {
    /// Longest request line, without CRLF (→ 414).
    package var maxRequestLineLength = 8 * 1024
    /// Largest header block, field lines with their line ends (→ 431). Also bounds the trailer block.
    package var maxHeaderBytes = 16 * 1024
    /// Most header fields (→ 431). Also bounds the trailer fields.
    package var maxHeaderCount = 100
    /// Longest chunk-size line with its extensions (→ 400).
    package var maxChunkLineLength = 4 * 1024
    /// All chunk-size lines of one message together (→ 400): a body cut into absurdly many chunks is refused.
    package var maxChunkMetadata = 256 * 1024

    package init() {}
}
