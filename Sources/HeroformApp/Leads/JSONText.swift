/// JSON for heroform's own small answers (strings, numbers, booleans and nested objects), with sorted keys.
/// Foundation's JSONSerialization spent a quarter of a refused submission's time on this.
enum JSONText {
    static func encode(_ value: Any) -> String {
        var out = ""
        write(value, to: &out)
        return out
    }

    private static func write(_ value: Any, to out: inout String) {
        switch value {
        case let text as String:
            writeString(text, to: &out)
        case let flag as Bool:
            out += flag ? "true" : "false"
        case let number as Int:
            out += String(number)
        case let object as [String: String]:
            writeObject(object.mapValues { $0 as Any }, to: &out)
        case let object as [String: Any]:
            writeObject(object, to: &out)
        case let array as [Any]:
            out += "["
            for (index, element) in array.enumerated() {
                if index > 0 { out += "," }
                write(element, to: &out)
            }
            out += "]"
        default:
            out += "null"
        }
    }

    private static func writeObject(_ object: [String: Any], to out: inout String) {
        out += "{"
        for (index, key) in object.keys.sorted().enumerated() {
            if index > 0 { out += "," }
            writeString(key, to: &out)
            out += ":"
            write(object[key] ?? NSNullMarker(), to: &out)
        }
        out += "}"
    }

    private struct NSNullMarker {}

    /// RFC 8259 string escaping: quote, backslash and control characters; everything else as UTF-8.
    private static func writeString(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
