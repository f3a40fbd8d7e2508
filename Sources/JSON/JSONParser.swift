/// Why a text is not the JSON it should be, and where (line and column count from 1), for a person fixing a file.
package struct JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
    package let reason: String
    package let line: Int
    package let column: Int

    package var description: String { "\(reason) at line \(line), column \(column)" }
}

extension JSONValue {
    /// Reads one JSON document (RFC 8259): exactly one value, surrounded by nothing but white space. Strict: no
    /// comments, trailing commas, single quotes, NaN, invalid UTF-8 or lone surrogates. A key twice in one object
    /// is refused (in a config file, which one was meant is anybody's guess) unless `lastKeyWins`, for answers
    /// from other programs, which JSON allows to repeat keys. Nesting deeper than `maxDepth` is refused, so a
    /// hostile document cannot exhaust the stack (each level is one stack frame of a few hundred bytes).
    package static func parse(
        _ bytes: some Collection<UInt8>, maxDepth: Int = 64,
        lastKeyWins: Bool = false
    ) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(bytes: Array(bytes), maxDepth: maxDepth, lastKeyWins: lastKeyWins)
        return try parser.document()
    }

    package static func parse(
        _ text: String, maxDepth: Int = 64,
        lastKeyWins: Bool = false
    ) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8), maxDepth: maxDepth, lastKeyWins: lastKeyWins)
    }
}

private struct JSONParser {
    let bytes: [UInt8]
    let maxDepth: Int
    let lastKeyWins: Bool
    var index = 0
    var depth = 0

    init(bytes: [UInt8], maxDepth: Int, lastKeyWins: Bool) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        self.lastKeyWins = lastKeyWins
    }

    mutating func document() throws(JSONParseError) -> JSONValue {
        // A UTF-8 byte order mark is tolerated (RFC 8259 §8.1), as editors on Windows write one.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        skipSpace()
        let value = try self.value()
        skipSpace()
        guard index == bytes.count else { throw failure("unexpected text after the end") }
        return value
    }

    private mutating func value() throws(JSONParseError) -> JSONValue {
        guard index < bytes.count else { throw failure("unexpected end") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw failure("unexpected character")
        }
    }

    private mutating func object() throws(JSONParseError) -> JSONValue {
        try enter()
        index += 1
        var members: [String: JSONValue] = [:]
        skipSpace()
        if peek(UInt8(ascii: "}")) {
            index += 1
            depth -= 1
            return .object(members)
        }
        while true {
            skipSpace()
            guard peek(UInt8(ascii: "\"")) else { throw failure("expected a key in double quotes") }
            let keyStart = index
            let key = try string()
            guard lastKeyWins || members[key] == nil else {
                index = keyStart
                throw failure("the key \"\(key)\" appears twice")
            }
            skipSpace()
            guard peek(UInt8(ascii: ":")) else { throw failure("expected ':' after a key") }
            index += 1
            skipSpace()
            members[key] = try value()
            skipSpace()
            if peek(UInt8(ascii: ",")) {
                index += 1
                continue
            }
            guard peek(UInt8(ascii: "}")) else { throw failure("expected ',' or '}'") }
            index += 1
            depth -= 1
            return .object(members)
        }
    }

    private mutating func array() throws(JSONParseError) -> JSONValue {
        try enter()
        index += 1
        var elements: [JSONValue] = []
        skipSpace()
        if peek(UInt8(ascii: "]")) {
            index += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipSpace()
            elements.append(try value())
            skipSpace()
            if peek(UInt8(ascii: ",")) {
                index += 1
                continue
            }
            guard peek(UInt8(ascii: "]")) else { throw failure("expected ',' or ']'") }
            index += 1
            depth -= 1
            return .array(elements)
        }
    }

    private mutating func enter() throws(JSONParseError) {
        depth += 1
        guard depth <= maxDepth else { throw failure("nested deeper than \(maxDepth) levels") }
    }

    /// After the opening quote: the string up to its closing quote, decoded by the rules both JSON readers share.
    private mutating func string() throws(JSONParseError) -> String {
        index += 1 // the opening quote
        let start = index
        while true {
            guard index < bytes.count else { throw failure("unterminated string") }
            switch bytes[index] {
            case UInt8(ascii: "\""): break
            case UInt8(ascii: "\\"):
                index += 2
                continue // the escaped byte cannot end the string
            default:
                index += 1
                continue
            }
            break
        }
        let end = index
        index += 1 // the closing quote
        switch JSONStringDecoding.decode(bytes[start..<end]) {
        case .success(let text):
            return text
        case .failure(let error):
            // Invalid UTF-8 is found when the whole string is read: reported after it, the rest where it is.
            if error.kind != .invalidUTF8 { index = start + error.offset }
            throw failure(error.reason)
        }
    }

    /// RFC 8259 §6: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    private mutating func number() throws(JSONParseError) -> Double {
        let start = index
        if peek(UInt8(ascii: "-")) { index += 1 }
        if peek(UInt8(ascii: "0")) {
            index += 1
        } else {
            guard digits() > 0 else { throw failure("invalid number") }
        }
        if peek(UInt8(ascii: ".")) {
            index += 1
            guard digits() > 0 else { throw failure("invalid number") }
        }
        if peek(UInt8(ascii: "e")) || peek(UInt8(ascii: "E")) {
            index += 1
            if peek(UInt8(ascii: "+")) || peek(UInt8(ascii: "-")) { index += 1 }
            guard digits() > 0 else { throw failure("invalid number") }
        }
        guard let number = Double(String(decoding: bytes[start..<index], as: UTF8.self)), number.isFinite else {
            index = start
            throw failure("number out of range")
        }
        return number
    }

    private mutating func digits() -> Int {
        let start = index
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        return index - start
    }

    private mutating func literal(_ word: String) throws(JSONParseError) {
        let expected = Array(word.utf8)
        guard bytes[index...].starts(with: expected) else { throw failure("unexpected character") }
        index += expected.count
    }

    private func peek(_ byte: UInt8) -> Bool { index < bytes.count && bytes[index] == byte }

    private mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    /// The error at the current position, as a line and a column (in bytes, from 1).
    private func failure(_ reason: String) -> JSONParseError {
        let upTo = bytes[..<min(index, bytes.count)]
        let line = upTo.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
        let lineStart = upTo.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        return JSONParseError(reason: reason, line: line, column: min(index, bytes.count) - lineStart + 1)
    }
}
