import WebText

/// `application/x-www-form-urlencoded` query strings; the percent-decoding itself is WebText's, shared with the
/// form-body decoder.
package enum FormURLEncoding {
    /// Decodes `%XX` escapes (and `+` as space when `plusIsSpace`). Nil for a broken escape or bytes
    /// that are not UTF-8. For the router's path segments, which take no error reason.
    package static func percentDecode<S: StringProtocol>(_ text: S, plusIsSpace: Bool = false) -> String? {
        try? PercentDecoding.decode(text, plusIsSpace: plusIsSpace).get()
    }

    /// Parses `a=1&b=2`; pairs that do not decode are skipped, the first of repeated names wins.
    package static func decode(_ query: String) -> [String: String] {
        var items: [String: String] = [:]
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = percentDecode(parts[0], plusIsSpace: true),
                let value = percentDecode(parts.count > 1 ? parts[1] : "", plusIsSpace: true)
            else { continue }
            if items[name] == nil { items[name] = value }
        }
        return items
    }
}
