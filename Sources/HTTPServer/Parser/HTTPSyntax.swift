import WebText

/// Byte classes from RFC 9110 §5.6 and RFC 3986, as lookup tables for the parser.
enum HTTPSyntax {
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let colon = UInt8(ascii: ":")

    /// tchar: the characters of a token (methods, field names, transfer codings).
    static let tokenTable: [Bool] = table(HTTPToken.isTokenByte)

    /// Bytes allowed in a field value: VCHAR, obs-text, SP and HTAB. No CR, LF, NUL or other controls.
    static let fieldValueTable: [Bool] = table { byte in
        byte == tab || (byte >= 0x20 && byte != 0x7F)
    }

    /// Bytes allowed in a request-target: visible ASCII except `#` (a fragment is never sent).
    static let targetTable: [Bool] = table { byte in
        byte > 0x20 && byte < 0x7F && byte != UInt8(ascii: "#")
    }

    /// Bytes allowed in a Host value: reg-name, IP literal and port characters.
    static let hostTable: [Bool] = table { byte in
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "-._~!$&'()*+,;=:[]%".utf8.contains(byte)
        }
    }

    static func isToken<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        !bytes.isEmpty && bytes.allSatisfy { tokenTable[Int($0)] }
    }

    static func isHexDigit(_ byte: UInt8) -> Bool {
        HexDigit.value(byte) != nil
    }

    private static func table(_ predicate: (UInt8) -> Bool) -> [Bool] {
        (0...255).map { predicate(UInt8($0)) }
    }
}
