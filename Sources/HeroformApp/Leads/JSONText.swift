/// JSON for heroform's own small answers (strings, numbers, booleans and nested objects), with sorted keys.
/// Foundation's JSONSerialization spent a quarter of a refused submission's time on this; writing UTF-8 bytes
/// straight into one buffer is cheaper still than appending to a `String`.
enum JSONText {
    static func encode(_ value: Any) -> String {
        String(decoding: bytes(value), as: UTF8.self)
    }

    static func bytes(_ value: Any) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, to: &out)
        return out
    }

    private static func write(_ value: Any, to out: inout [UInt8]) {
        // By exact type first: a cast of a [String: String] to [String: Any] converts it element by element, and a
        // failed cast of a [String: Any] to [String: String] checks every element too.
        if type(of: value) == [String: String].self, let strings = value as? [String: String] {
            writeObject(strings, to: &out) { writeString($0, to: &$1) }
            return
        }
        switch value {
        case let text as String:
            writeString(text, to: &out)
        // Before the scalar types: the top level is always an object, and a failed cast to a dictionary type
        // is slow.
        case let object as [String: Any]:
            writeObject(object, to: &out) { write($0, to: &$1) }
        case let flag as Bool:
            out.append(contentsOf: (flag ? "true" : "false").utf8)
        case let number as Int:
            out.append(contentsOf: String(number).utf8)
        case let array as [Any]:
            out.append(UInt8(ascii: "["))
            for (index, element) in array.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                write(element, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        default:
            out.append(contentsOf: "null".utf8)
        }
    }

    /// An object with sorted keys.
    private static func writeObject<Value>(_ object: [String: Value], to out: inout [UInt8],
                                           value writeValue: (Value, inout [UInt8]) -> Void) {
        out.append(UInt8(ascii: "{"))
        for (index, (key, value)) in object.sorted(by: { $0.key < $1.key }).enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            writeString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            writeValue(value, &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// RFC 8259 string escaping: quote, backslash and control characters; U+2028 and U+2029 too, so the text is
    /// also safe inside a script; everything else as UTF-8, copied in runs between the characters that need escaping.
    private static func writeString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                // U+2028 and U+2029 are E2 80 A8 and E2 80 A9; valid UTF-8 never ends inside them.
                let separator = byte == 0xE2 && index + 2 < bytes.count && bytes[index + 1] == 0x80
                    && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9)
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || separator else {
                    index += 1
                    continue
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                    out.append(0x5C)
                    out.append(byte)
                case UInt8(ascii: "\n"): out.append(contentsOf: "\\n".utf8)
                case UInt8(ascii: "\r"): out.append(contentsOf: "\\r".utf8)
                case UInt8(ascii: "\t"): out.append(contentsOf: "\\t".utf8)
                case 0xE2:
                    out.append(contentsOf: (bytes[index + 2] == 0xA8 ? "\\u2028" : "\\u2029").utf8)
                    index += 2
                default:
                    out.append(contentsOf: "\\u00".utf8)
                    out.append(hexDigits[Int(byte >> 4)])
                    out.append(hexDigits[Int(byte & 0xF)])
                }
                index += 1
                runStart = index
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
        }
        out.append(UInt8(ascii: "\""))
    }
}
