/// Percent-decoding (RFC 3986 §2.1) for paths, query strings and `application/x-www-form-urlencoded` bodies,
/// strictly: a broken escape or bytes that are not UTF-8 are an error, never replaced text.
package enum PercentDecoding {
    package enum Failure: Error, Equatable, Sendable {
        /// `%` not followed by two hex digits.
        case badEscape
        /// The decoded bytes are not well-formed UTF-8.
        case invalidUTF8
    }

    /// `%XX` escapes resolved, and `+` as a space when `plusIsSpace` (form bodies and query strings, not paths).
    package static func decode(_ bytes: UnsafeBufferPointer<UInt8>, plusIsSpace: Bool) -> Result<String, Failure> {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                guard bytes.count - index >= 3, let high = HexDigit.value(bytes[index + 1]),
                    let low = HexDigit.value(bytes[index + 2])
                else { return .failure(.badEscape) }
                out.append(high << 4 | low)
                index += 3
                continue
            }
            out.append(plusIsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            index += 1
        }
        guard let text = String(validating: out, as: UTF8.self) else { return .failure(.invalidUTF8) }
        return .success(text)
    }

    package static func decode(_ bytes: ArraySlice<UInt8>, plusIsSpace: Bool) -> Result<String, Failure> {
        bytes.withUnsafeBufferPointer { decode($0, plusIsSpace: plusIsSpace) }
    }

    package static func decode(_ text: some StringProtocol, plusIsSpace: Bool) -> Result<String, Failure> {
        // Native strings and their substrings are contiguous UTF-8: read in place.
        if let decoded = text.utf8.withContiguousStorageIfAvailable({ decode($0, plusIsSpace: plusIsSpace) }) {
            return decoded
        }
        return decode(Array(text.utf8)[...], plusIsSpace: plusIsSpace)
    }
}
