/// A header value of the form `token; key=value; key="quoted value"`, as used by
/// Content-Type and Content-Disposition (RFC 9110 §5.6.6). Keys are lower-cased; the first
/// occurrence of a key wins.
struct HeaderValue: Equatable {
    var value: String
    var parameters: [String: String]

    init(_ header: String) {
        let pieces = Self.splitOutsideQuotes(header)
        value = (pieces.first ?? "").trimmingASCIIWhitespace()
        parameters = [:]
        for piece in pieces.dropFirst() {
            guard let eq = piece.firstIndex(of: "=") else { continue }
            let key = piece[..<eq].trimmingASCIIWhitespace().lowercased()
            guard !key.isEmpty, parameters[key] == nil else { continue }
            parameters[key] = Self.unquote(piece[piece.index(after: eq)...].trimmingASCIIWhitespace())
        }
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

/// A parsed Content-Type: `type/subtype` lower-cased, plus parameters.
struct MediaType: Equatable {
    var type: String
    var subtype: String
    var parameters: [String: String]

    var essence: String { type + "/" + subtype }

    init?(_ header: String) {
        // Almost every request sends one of a handful of exact values: parsed once, looked up after that.
        if let known = Self.common[header] {
            self = known
            return
        }
        self.init(parsing: header)
    }

    private init?(parsing header: String) {
        let parsed = HeaderValue(header)
        let parts = parsed.value.lowercased().split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, Self.isToken(parts[0]), Self.isToken(parts[1]) else { return nil }
        type = String(parts[0])
        subtype = String(parts[1])
        parameters = parsed.parameters
    }

    /// The Content-Type values browsers and scripts send most, each parsed by the same rules as any other.
    private static let common: [String: MediaType] = {
        let headers = ["application/json", "application/json; charset=utf-8", "application/json; charset=UTF-8",
                       "application/json;charset=UTF-8", "application/x-www-form-urlencoded",
                       "application/x-www-form-urlencoded; charset=UTF-8", "application/x-www-form-urlencoded;charset=UTF-8"]
        return Dictionary(uniqueKeysWithValues: headers.compactMap { header in MediaType(parsing: header).map { (header, $0) } })
    }()

    /// RFC 9110 `token`: rejects spaces, control characters and anything else a client shouldn't send.
    static func isToken(_ text: Substring) -> Bool {
        !text.isEmpty && text.unicodeScalars.allSatisfy { scalar in
            ("0"..."9").contains(scalar) || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                || tokenPunctuation.contains(scalar)
        }
    }

    private static let tokenPunctuation = Set("!#$%&'*+-.^_`|~".unicodeScalars)

    /// Absent charset means UTF-8 for our types (HTML forms and JSON, RFC 8259 §8.1).
    var isUTF8: Bool {
        guard let charset = parameters["charset"]?.lowercased() else { return true }
        return charset == "utf-8" || charset == "utf8"
    }
}

extension StringProtocol {
    /// Only SP and HTAB count as optional whitespace in HTTP headers.
    func trimmingASCIIWhitespace() -> String {
        let isOWS: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isOWS($0) }), let last = lastIndex(where: { !isOWS($0) }) else { return "" }
        return String(self[first...last])
    }
}
