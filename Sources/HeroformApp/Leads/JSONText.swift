import JSON

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

    private static func writeString(_ text: String, to out: inout [UInt8]) {
        JSONStringEncoding.write(text, to: &out)
    }
}
