extension String {
    /// The bytes as a String, or nil unless they are well-formed UTF-8 (no overlongs, surrogates or
    /// truncated sequences). Stands in for `String(validating:as:)`, which needs macOS 15.
    static func fromValidUTF8<Bytes: Collection>(_ bytes: Bytes) -> String? where Bytes.Element == UInt8 {
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return String(decoding: bytes, as: UTF8.self)
            case .error: return nil
            }
        }
    }
}
