import CryptoPrimitives

/// Identifies "the same submission" (a double click, a reloaded POST) without keeping a second copy of the data:
/// SHA-256 over the form id and the normalized fields.
public enum Fingerprint {
    public static func of(formID: String, fields: [String: String]) -> String {
        // Length-prefixed parts, so no value can imitate a field boundary.
        func part(_ text: String) -> String { "\(text.utf8.count):\(text);" }
        var canonical = part(formID)
        for key in fields.keys.sorted() {
            let value = normalize(fields[key] ?? "")
            guard !value.isEmpty else { continue }
            canonical += part(key) + part(value)
        }
        return CryptoPrimitives.hex(CryptoPrimitives.sha256(Array(canonical.utf8)))
    }

    /// Case and runs of whitespace do not make a submission different.
    static func normalize(_ value: String) -> String {
        value.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}
