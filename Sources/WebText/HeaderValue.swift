/// A header value of the form `token; key=value; key="quoted value"`, as used by
/// Content-Type and Content-Disposition (RFC 9110 §5.6.6). Keys are lower-cased; the first
/// occurrence of a key wins.
package struct HeaderValue: Equatable, Sendable {
    package let value: String
    package let parameters: [String: String]

    package init(_ header: String) {
        let pieces = Self.splitOutsideQuotes(header)
        value = (pieces.first ?? "").trimmingWhitespace()
        var parameters: [String: String] = [:]
        for piece in pieces.dropFirst() {
            guard let eq = piece.firstIndex(of: "=") else { continue }
            let key = piece[..<eq].trimmingWhitespace().lowercased()
            guard !key.isEmpty, parameters[key] == nil else { continue }
            parameters[key] = Self.unquote(piece[piece.index(after: eq)...].trimmingWhitespace())
        }
        self.parameters = parameters
    }

    /// Splits at ";" except inside double quotes, honouring backslash escapes there.
    static func splitOutsideQuotes(_ header: String) -> [Substring] {
        var pieces: [Substring] = []
        var start = header.startIndex
        var inQuotes = false
        var escaped = false
        var index = header.startIndex
        while index < header.endIndex {
            let char = header[index]
            if escaped {
                escaped = false
            } else if inQuotes && char == "\\" {
                escaped = true
            } else if char == "\"" {
                inQuotes.toggle()
            } else if char == ";" && !inQuotes {
                pieces.append(header[start..<index])
                start = header.index(after: index)
            }
            index = header.index(after: index)
        }
        pieces.append(header[start...])
        return pieces
    }

    static func unquote(_ value: String) -> String {
        guard value.count >= 2, value.first == "\"", value.last == "\"" else { return value }
        var out = ""
        var escaped = false
        for char in value.dropFirst().dropLast() {
            if !escaped && char == "\\" {
                escaped = true
                continue
            }
            escaped = false
            out.append(char)
        }
        return out
    }
}
