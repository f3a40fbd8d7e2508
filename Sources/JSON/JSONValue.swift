/// A JSON document as a value (RFC 8259), read strictly and written with sorted keys. Pure Swift: heroform needs
/// JSON for its config, HERO's answers, alerts and logs, and Foundation's `JSONSerialization` alone would pull
/// Foundation (with ICU) into the binary.
package enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The value at `key` of an object; nil for a missing key or when this is not an object.
    package subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members[key]
    }

    package var string: String? {
        guard case .string(let text) = self else { return nil }
        return text
    }

    /// A number without a fractional part that fits an `Int`.
    package var integer: Int? {
        guard case .number(let number) = self else { return nil }
        return Int(exactly: number)
    }

    package var bool: Bool? {
        guard case .bool(let value) = self else { return nil }
        return value
    }

    package var isNull: Bool { self == .null }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    package init(stringLiteral value: String) { self = .string(value) }
    package init(integerLiteral value: Int) { self = .number(Double(value)) }
    package init(booleanLiteral value: Bool) { self = .bool(value) }
    package init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    package init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    package init(nilLiteral: ()) { self = .null }
}

extension JSONValue: ExpressibleByFloatLiteral {
    package init(floatLiteral value: Double) { self = .number(value) }
}

extension JSONValue {
    /// An object of strings, as an answer's `errors` by field: `["errors": JSONValue(problems)]`.
    package init(_ members: [String: String]) {
        self = .object(members.mapValues(JSONValue.string))
    }
}

extension JSONValue {
    /// The document's text: object keys sorted (stable output for logs, alerts and tests), `/` not escaped,
    /// control characters as `\uXXXX`. `pretty` indents by two spaces, one member or element per line.
    package func serialized(pretty: Bool = false) -> String {
        String(decoding: serializedBytes(pretty: pretty), as: UTF8.self)
    }

    /// The document's text as UTF-8, for a body or a file: written straight into one buffer, no `String` between.
    package func serializedBytes(pretty: Bool = false) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(128)
        write(to: &output, pretty: pretty, indent: 0)
        return output
    }

    /// Appends the document's text to `output`, for a caller that writes more around it.
    package func write(to output: inout [UInt8], pretty: Bool = false) {
        write(to: &output, pretty: pretty, indent: 0)
    }

    private func write(to output: inout [UInt8], pretty: Bool, indent: Int) {
        switch self {
        case .null: output += "null".utf8
        case .bool(let value): output += (value ? "true" : "false").utf8
        case .number(let number): output += Self.text(of: number).utf8
        case .string(let text): JSONStringEncoding.write(text, to: &output)
        case .array(let elements):
            guard !elements.isEmpty else {
                output += "[]".utf8
                return
            }
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                if pretty { Self.newline(&output, indent + 1) }
                element.write(to: &output, pretty: pretty, indent: indent + 1)
            }
            if pretty { Self.newline(&output, indent) }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            guard !members.isEmpty else {
                output += "{}".utf8
                return
            }
            output.append(UInt8(ascii: "{"))
            // Sorted as pairs: no second lookup of each key.
            for (index, member) in members.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                if pretty { Self.newline(&output, indent + 1) }
                JSONStringEncoding.write(member.key, to: &output)
                output += (pretty ? ": " : ":").utf8
                member.value.write(to: &output, pretty: pretty, indent: indent + 1)
            }
            if pretty { Self.newline(&output, indent) }
            output.append(UInt8(ascii: "}"))
        }
    }

    private static func newline(_ output: inout [UInt8], _ indent: Int) {
        output.append(UInt8(ascii: "\n"))
        output += repeatElement(UInt8(ascii: " "), count: 2 * indent)
    }

    /// Whole numbers without a fraction (`7`, not `7.0`); JSON has no NaN or infinity, so those become `null`.
    private static func text(of number: Double) -> String {
        guard number.isFinite else { return "null" }
        // Up to 2^53 every whole Double converts to Int64 exactly; beyond, Swift's own text (with an exponent).
        if number == number.rounded(), abs(number) <= 9_007_199_254_740_992 { return String(Int64(number)) }
        return "\(number)"
    }
}
