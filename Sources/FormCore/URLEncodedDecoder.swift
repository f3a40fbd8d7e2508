/// Decodes `application/x-www-form-urlencoded` bodies (WHATWG URL standard), strictly:
/// a broken escape or invalid UTF-8 is an error rather than silently replaced text.
public enum URLEncodedDecoder: Sendable {
    enum ComponentError: Error {
        case badEscape
        case invalidUTF8
    }

    /// Duplicate keys: the first wins. Keys without "=" get "". Empty pairs ("a=1&&b=2") are skipped.
    public static func decode(_ body: [UInt8]) -> Result<[String: String], DecodeError> {
        var fields: [String: String] = [:]
        for pair in body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let eq = pair.firstIndex(of: UInt8(ascii: "="))
            let rawKey = eq.map { pair[pair.startIndex..<$0] } ?? pair
            let rawValue = eq.map { pair[($0 + 1)...] } ?? []

            let key: String
            switch decodeComponent(rawKey) {
            case .success(let decoded): key = decoded
            case .failure(.badEscape): return .failure(.malformed("invalid percent escape in a field name"))
            case .failure(.invalidUTF8): return .failure(.malformed("invalid UTF-8 in a field name"))
            }
            switch decodeComponent(rawValue) {
            case .success(let value):
                if fields[key] == nil { fields[key] = value }
            case .failure(.badEscape):
                return .failure(.malformed(field: key, "invalid percent escape"))
            case .failure(.invalidUTF8):
                return .failure(.malformed(field: key, "invalid UTF-8"))
            }
        }
        return .success(fields)
    }

    /// "+" is a space, "%XX" a byte; the bytes must then be valid UTF-8.
    static func decodeComponent(_ bytes: ArraySlice<UInt8>) -> Result<String, ComponentError> {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
                index += 1
            } else if byte == UInt8(ascii: "%") {
                guard bytes.endIndex - index >= 3,
                      let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
                else { return .failure(.badEscape) }
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(byte)
                index += 1
            }
        }
        guard let string = String.fromValidUTF8(out) else { return .failure(.invalidUTF8) }
        return .success(string)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
