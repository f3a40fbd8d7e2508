/// A parsed Content-Type: `type/subtype` lower-cased, plus parameters.
package struct MediaType: Equatable, Sendable {
    package let type: String
    package let subtype: String
    package let parameters: [String: String]

    package var essence: String { type + "/" + subtype }

    package init?(_ header: String) {
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
        guard parts.count == 2, HTTPToken.isToken(parts[0].utf8), HTTPToken.isToken(parts[1].utf8) else { return nil }
        type = String(parts[0])
        subtype = String(parts[1])
        parameters = parsed.parameters
    }

    /// The Content-Type values browsers and scripts send most, each parsed by the same rules as any other.
    private static let common: [String: MediaType] = {
        let headers = [
            "application/json", "application/json; charset=utf-8", "application/json; charset=UTF-8",
            "application/json;charset=UTF-8", "application/x-www-form-urlencoded",
            "application/x-www-form-urlencoded; charset=UTF-8",
            "application/x-www-form-urlencoded;charset=UTF-8",
        ]
        let parsed = headers.compactMap { header in MediaType(parsing: header).map { (header, $0) } }
        return Dictionary(parsed, uniquingKeysWith: { first, _ in first })
    }()

    /// Absent charset means UTF-8 for our types (HTML forms and JSON, RFC 8259 §8.1).
    package var isUTF8: Bool {
        guard let charset = parameters["charset"]?.lowercased() else { return true }
        return charset == "utf-8" || charset == "utf8"
    }

    /// `application/json` or any type with the `+json` suffix (RFC 6839): the one rule for "this is JSON", for
    /// reading a body and for choosing the format of an answer alike.
    package var isJSON: Bool { Self.isJSON(essence: essence[...].utf8) }

    /// `isJSON` for a Content-Type as sent, read in place without parsing, as every submission asks: parameters
    /// and optional whitespace ignored, any ASCII case.
    package static func isJSON(_ header: String) -> Bool {
        let utf8 = header.utf8
        var essence = utf8[..<(utf8.firstIndex(of: UInt8(ascii: ";")) ?? utf8.endIndex)]
        while let first = essence.first, first == 0x20 || first == 0x09 { essence = essence.dropFirst() }
        while let last = essence.last, last == 0x20 || last == 0x09 { essence = essence.dropLast() }
        return isJSON(essence: essence)
    }

    private static func isJSON(essence: Substring.UTF8View) -> Bool {
        equalsIgnoringCase(essence, "application/json") || equalsIgnoringCase(essence.suffix(5), "+json")
    }

    private static func equalsIgnoringCase(_ bytes: Substring.UTF8View, _ lowercase: StaticString) -> Bool {
        let expected = UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
        guard bytes.count == expected.count else { return false }
        for (byte, wanted) in zip(bytes, expected) {
            let folded: UInt8 = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
            if folded != wanted { return false }
        }
        return true
    }
}
