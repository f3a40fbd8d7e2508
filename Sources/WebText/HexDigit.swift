// WebText: the text formats of the web that both the HTTP server and the form core read (percent-encoding, HTTP's
// optional whitespace, header values with parameters, media types). A module of its own below both, because the
// form core must not import the HTTP server; pure Swift, no I/O, no Foundation.

/// One hexadecimal digit in ASCII, as percent escapes, chunk sizes and `\u` escapes write them.
package enum HexDigit {
    /// 0...15 for `0`–`9`, `a`–`f` and `A`–`F`; nil for any other byte.
    package static func value(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
