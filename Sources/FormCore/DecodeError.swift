/// Why a request body could not be turned into fields. Messages are English, for developers
/// embedding the form; visitors see a generic localized text instead.
package enum DecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Content-Type missing or not one we read (the original header value, if any).
    case unsupportedMediaType(String?)
    /// The body does not match its Content-Type.
    case malformed(String)
    /// The text fields together are longer than `limit` bytes (a multipart body may be large for its files only).
    case textTooLarge(limit: Int)

    package var statusCode: Int {
        switch self {
        case .unsupportedMediaType: 415
        case .malformed: 400
        case .textTooLarge: 413
        }
    }

    package var description: String {
        switch self {
        case .unsupportedMediaType(let type):
            "unsupported media type \(type.map(Self.quoted) ?? "(none)"); "
                + "use application/x-www-form-urlencoded, multipart/form-data or application/json"
        case .malformed(let message):
            message
        case .textTooLarge(let limit):
            "the text fields are longer than \(limit) bytes together"
        }
    }

    static let maxQuotedLength = 64

    /// A client-supplied name made safe for messages and logs: quoted, non-printable and
    /// non-ASCII scalars escaped (no CRLF log injection, no bidi tricks), and shortened.
    static func quoted(_ name: String) -> String {
        var out = "\""
        for (index, scalar) in name.unicodeScalars.enumerated() {
            if index == maxQuotedLength {
                out += "…"
                break
            }
            switch scalar.value {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x20...0x7E: out.unicodeScalars.append(scalar)
            default: out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            }
        }
        return out + "\""
    }

    static func malformed(field: String, _ problem: String) -> DecodeError {
        .malformed("field \(quoted(field)): \(problem)")
    }
}
