/// Why the bytes between a JSON string's quotes do not make a string, and where: the byte offset into them.
package struct JSONStringError: Error, Equatable, Sendable {
    package enum Kind: Sendable {
        case controlCharacter, invalidEscape, invalidUnicodeEscape, loneSurrogate, invalidUTF8
    }

    package let kind: Kind
    /// From the first byte after the opening quote. For `invalidUTF8`, the end of the string.
    package let offset: Int

    /// For a person: what is wrong, without the position.
    package var reason: String {
        switch kind {
        case .controlCharacter: return "control character in a string (write it as \\u00XX)"
        case .invalidEscape: return "invalid escape in a string"
        case .invalidUnicodeEscape: return "invalid \\u escape"
        case .loneSurrogate: return "lone surrogate in a \\u escape"
        case .invalidUTF8: return "invalid UTF-8 in a string"
        }
    }
}

/// The rules of RFC 8259 §7 for a string's contents, in one place for both of heroform's JSON readers: the document
/// parser here and the form-body scanner in FormCore.
package enum JSONStringDecoding {
    /// The text of `raw` (a string's bytes between its quotes) with its escapes resolved; UTF-8 must be valid, raw
    /// control characters and lone surrogates are refused.
    package static func decode(_ raw: some Collection<UInt8>) -> Result<String, JSONStringError> {
        let raw = Array(raw)
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var position = 0
        func failure(_ kind: JSONStringError.Kind, at offset: Int) -> Result<String, JSONStringError> {
            .failure(JSONStringError(kind: kind, offset: offset))
        }
        /// Four hex digits at `position`, which moves past them; nil (and `position` unmoved) otherwise.
        func hex4() -> UInt32? {
            guard raw.count - position >= 4 else { return nil }
            var value: UInt32 = 0
            for byte in raw[position..<(position + 4)] {
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: return nil
                }
                value = value << 4 | UInt32(digit)
            }
            position += 4
            return value
        }
        while position < raw.count {
            let byte = raw[position]
            guard byte >= 0x20 else { return failure(.controlCharacter, at: position) }
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                position += 1
                continue
            }
            guard position + 1 < raw.count else { return failure(.invalidEscape, at: position) }
            let escaped = raw[position + 1]
            switch escaped {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escaped)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                position += 2
                guard var value = hex4() else { return failure(.invalidUnicodeEscape, at: position) }
                if (0xD800...0xDBFF).contains(value) {
                    // A high surrogate must be followed by an escaped low one.
                    guard raw.count - position >= 2, raw[position] == UInt8(ascii: "\\"),
                        raw[position + 1] == UInt8(ascii: "u")
                    else { return failure(.loneSurrogate, at: position) }
                    position += 2
                    guard let low = hex4() else { return failure(.invalidUnicodeEscape, at: position) }
                    guard (0xDC00...0xDFFF).contains(low) else { return failure(.loneSurrogate, at: position) }
                    value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(value) {
                    return failure(.loneSurrogate, at: position)
                }
                guard let scalar = Unicode.Scalar(value) else { return failure(.invalidUnicodeEscape, at: position) }
                out.append(contentsOf: String(Character(scalar)).utf8)
                continue
            default:
                return failure(.invalidEscape, at: position)
            }
            position += 2
        }
        guard let text = String(validating: out, as: UTF8.self) else { return failure(.invalidUTF8, at: raw.count) }
        return .success(text)
    }
}
