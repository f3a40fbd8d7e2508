extension StringProtocol {
    /// Without HTTP's optional whitespace (SP and HTAB, RFC 9110 §5.6.3) at either end, as header values, list
    /// elements and parameters are read; line breaks and Unicode's other spaces stay (for those, FormCore's
    /// `trimmingWhitespaceAndNewlines`).
    package func trimmingWhitespace() -> String {
        let text = Substring(self)
        let utf8 = text.utf8
        let isOptionalWhitespace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = utf8.firstIndex(where: { !isOptionalWhitespace($0) }),
            let last = utf8.lastIndex(where: { !isOptionalWhitespace($0) })
        else { return "" }
        // After the last kept byte is a space, a tab or the end: always the boundary of a scalar.
        return String(text[first..<utf8.index(after: last)])
    }
}
