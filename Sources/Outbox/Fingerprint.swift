import CryptoPrimitives

/// Identifies "the same submission" (a double click, a reloaded POST) without keeping a second copy of the data:
/// SHA-256 over the form id and the normalized fields.
package enum Fingerprint {
    package static func of(formID: String, fields: [String: String]) -> String {
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
        value.utf8.allSatisfy { $0 < 0x80 } ? normalizeASCII(value) : normalizeUnicode(value)
    }

    static func normalizeUnicode(_ value: String) -> String {
        value.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// The same for ASCII text, on bytes: most leads are ASCII, and this runs for every lead stored.
    static func normalizeASCII(_ value: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(value.utf8.count)
        var pendingSpace = false
        for byte in value.utf8 {
            // ASCII's White_Space characters: tab, line feed, vertical tab, form feed, carriage return, space.
            if byte == 0x20 || (0x09...0x0D).contains(byte) {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace {
                out.append(0x20)
                pendingSpace = false
            }
            out.append(byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
