import WebText

/// Decodes `application/x-www-form-urlencoded` bodies (WHATWG URL standard), strictly:
/// a broken escape or invalid UTF-8 is an error rather than silently replaced text.
package enum URLEncodedDecoder: Sendable {
    /// Duplicate keys: the first wins. Keys without "=" get "". Empty pairs ("a=1&&b=2") are skipped.
    package static func decode(_ body: [UInt8]) -> Result<[String: String], DecodeError> {
        decodeAll(body).map { $0.compactMapValues(\.first) }
    }

    /// Every value of each key, in body order (checkboxes of one name send several).
    package static func decodeAll(_ body: [UInt8]) -> Result<[String: [String]], DecodeError> {
        var fields: [String: [String]] = [:]
        for pair in body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let eq = pair.firstIndex(of: UInt8(ascii: "="))
            let rawKey = eq.map { pair[pair.startIndex..<$0] } ?? pair
            let rawValue = eq.map { pair[($0 + 1)...] } ?? []

            let key: String
            switch PercentDecoding.decode(rawKey, plusIsSpace: true) {
            case .success(let decoded): key = decoded
            case .failure(.badEscape): return .failure(.malformed("invalid percent escape in a field name"))
            case .failure(.invalidUTF8): return .failure(.malformed("invalid UTF-8 in a field name"))
            }
            switch PercentDecoding.decode(rawValue, plusIsSpace: true) {
            case .success(let value):
                fields[key, default: []].append(value)
            case .failure(.badEscape):
                return .failure(.malformed(field: key, "invalid percent escape"))
            case .failure(.invalidUTF8):
                return .failure(.malformed(field: key, "invalid UTF-8"))
            }
        }
        return .success(fields)
    }
}
