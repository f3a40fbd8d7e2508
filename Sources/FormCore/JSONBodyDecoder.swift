import JSON

/// Decodes `application/json` bodies: a flat object whose values become strings.
///
/// A small scanner of its own rather than the JSON module's document parser: it builds no value tree, reads
/// strings in place and checks them lazily, so a broken string (bad escape, invalid UTF-8, a raw control
/// character, a lone surrogate) is reported for its field; numbers stay the digits that were sent. It keeps the
/// rules Foundation's `JSONDecoder` had here: the structure must be valid JSON (nesting at most 512 deep), a
/// trailing comma is tolerated, the last of repeated keys wins, and `true` and `1` stay apart. String escapes
/// and number text follow the JSON module's rules (`JSONStringDecoding`, `JSONNumberText`).
package enum JSONBodyDecoder: Sendable {
    package static func decode(_ body: [UInt8]) -> Result<[String: String], DecodeError> {
        decode(body, lists: false).map { $0.compactMapValues(\.first) }
    }

    /// With `lists`, a member may also be a list of strings, numbers, booleans or null (the values of a
    /// `checkboxes` question); every member comes back as its values.
    package static func decode(_ body: [UInt8], lists: Bool) -> Result<[String: [String]], DecodeError> {
        body.withUnsafeBufferPointer { bytes in
            var scanner = Scanner(bytes: bytes, takesLists: lists)
            return scanner.decodeObject()
        }
    }

    static let notAnObject = DecodeError.malformed("the JSON body must be an object")
    static let invalid = DecodeError.malformed("the body is not valid JSON")
    static func nested(_ key: String) -> DecodeError {
        .malformed(field: key, "arrays and objects are not accepted, only strings, numbers, booleans or null")
    }
    static func nestedInList(_ key: String) -> DecodeError {
        .malformed(field: key, "a list may hold only strings, numbers, booleans or null")
    }
    static func unreadable(_ key: String) -> DecodeError {
        .malformed(field: key, "invalid string or number out of range")
    }

    /// Deeper nesting is refused as invalid JSON (as Foundation does), so no input can exhaust the stack.
    static let maxDepth = 512

    struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        let takesLists: Bool
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>, takesLists: Bool = false) {
            self.bytes = bytes
            self.takesLists = takesLists
        }

        mutating func decodeObject() -> Result<[String: [String]], DecodeError> {
            skipWhitespace()
            guard peek == UInt8(ascii: "{") else {
                // Valid JSON of another kind gets its own message.
                guard index < bytes.count, skipValue(depth: 0), atEndAfterWhitespace() else { return .failure(invalid) }
                return .failure(notAnObject)
            }
            index += 1
            var fields: [String: [String]] = [:]
            // The member whose problem is reported: the first by key, so the error names the same field every time.
            var problem: (key: String, error: DecodeError)?
            skipWhitespace()
            while peek != UInt8(ascii: "}") {
                guard let keyRange = scanString(), let key = Self.text(of: bytes[keyRange]) else {
                    return .failure(invalid)
                }
                skipWhitespace()
                guard peek == UInt8(ascii: ":") else { return .failure(invalid) }
                index += 1
                skipWhitespace()
                guard let value = scanMember() else { return .failure(invalid) }
                switch value {
                case .text(let text):
                    fields[key] = [text]
                case .list(let texts):
                    fields[key] = texts
                case .nested, .nestedInList, .unreadable:
                    fields[key] = nil
                    if problem.map({ key < $0.key }) ?? true {
                        let error =
                            switch value {
                            case .nested: nested(key)
                            case .nestedInList: nestedInList(key)
                            default: unreadable(key)
                            }
                        problem = (key, error)
                    }
                }
                skipWhitespace()
                if peek == UInt8(ascii: ",") {
                    index += 1
                    skipWhitespace()
                } else if peek != UInt8(ascii: "}") {
                    return .failure(invalid)
                }
            }
            index += 1
            guard atEndAfterWhitespace() else { return .failure(invalid) }
            if let problem { return .failure(problem.error) }
            return .success(fields)
        }

        enum Member: Equatable {
            case text(String)
            /// Only when the scanner takes lists; null elements are left out.
            case list([String])
            case nested
            case nestedInList
            case unreadable
        }

        /// One member value, already as the text the form fields use; nil when the JSON is broken.
        private mutating func scanMember() -> Member? {
            guard let first = peek else { return nil }
            switch first {
            case UInt8(ascii: "\""):
                guard let range = scanString() else { return nil }
                return Self.text(of: bytes[range]).map(Member.text) ?? .unreadable
            case UInt8(ascii: "[") where takesLists:
                return scanList()
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                return skipValue(depth: 0) ? .nested : nil
            case UInt8(ascii: "t"):
                return scanLiteral("true") ? .text("true") : nil
            case UInt8(ascii: "f"):
                return scanLiteral("false") ? .text("false") : nil
            case UInt8(ascii: "n"):
                return scanLiteral("null") ? .text("") : nil
            default:
                guard let range = scanNumber() else { return nil }
                return Self.number(bytes[range])
            }
        }

        /// A list member: its scalar elements as text; a nested element makes the whole member `nestedInList`.
        private mutating func scanList() -> Member? {
            let start = index
            index += 1
            skipWhitespace()
            var texts: [String] = []
            while peek != UInt8(ascii: "]") {
                // Checked before scanning, so a nested element is skipped within the depth limit, never recursed.
                if peek == UInt8(ascii: "[") || peek == UInt8(ascii: "{") {
                    index = start
                    return skipValue(depth: 0) ? .nestedInList : nil
                }
                guard let element = scanMember() else { return nil }
                guard case .text(let text) = element else {
                    index = start
                    return skipValue(depth: 0) ? .unreadable : nil
                }
                if !text.isEmpty { texts.append(text) }
                skipWhitespace()
                if peek == UInt8(ascii: ",") {
                    index += 1
                    skipWhitespace()
                } else if peek != UInt8(ascii: "]") {
                    return nil
                }
            }
            index += 1
            return .list(texts)
        }

        // MARK: Structure

        private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        private mutating func skipWhitespace() {
            while let byte = peek, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
        }

        private mutating func atEndAfterWhitespace() -> Bool {
            skipWhitespace()
            return index == bytes.count
        }

        private mutating func scanLiteral(_ literal: StaticString) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard bytes.count - index >= count else { return false }
            for offset in 0..<count where bytes[index + offset] != literal.utf8Start[offset] { return false }
            index += count
            return true
        }

        /// The raw bytes between a string's quotes (escapes not yet resolved); nil when it never ends.
        private mutating func scanString() -> Range<Int>? {
            guard peek == UInt8(ascii: "\"") else { return nil }
            index += 1
            let start = index
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    index += 1
                    return start..<(index - 1)
                case UInt8(ascii: "\\"):
                    index += 2
                default:
                    index += 1
                }
            }
            return nil
        }

        /// A number as JSON writes it: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
        private mutating func scanNumber() -> Range<Int>? {
            let start = index
            if peek == UInt8(ascii: "-") { index += 1 }
            guard let first = peek, Self.isDigit(first) else { return nil }
            index += 1
            if first != UInt8(ascii: "0") { skipDigits() }
            if peek == UInt8(ascii: ".") {
                index += 1
                guard let digit = peek, Self.isDigit(digit) else { return nil }
                skipDigits()
            }
            if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
                index += 1
                if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
                guard let digit = peek, Self.isDigit(digit) else { return nil }
                skipDigits()
            }
            return start..<index
        }

        private mutating func skipDigits() {
            while let byte = peek, Self.isDigit(byte) { index += 1 }
        }

        private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

        /// Checks and skips any JSON value; false when it is broken or nested too deep.
        private mutating func skipValue(depth: Int) -> Bool {
            guard depth < maxDepth, let first = peek else { return false }
            switch first {
            case UInt8(ascii: "\""):
                return scanString() != nil
            case UInt8(ascii: "t"): return scanLiteral("true")
            case UInt8(ascii: "f"): return scanLiteral("false")
            case UInt8(ascii: "n"): return scanLiteral("null")
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isObject = first == UInt8(ascii: "{")
                let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
                index += 1
                skipWhitespace()
                while peek != close {
                    if isObject {
                        guard scanString() != nil else { return false }
                        skipWhitespace()
                        guard peek == UInt8(ascii: ":") else { return false }
                        index += 1
                        skipWhitespace()
                    }
                    guard skipValue(depth: depth + 1) else { return false }
                    skipWhitespace()
                    if peek == UInt8(ascii: ",") {
                        index += 1
                        skipWhitespace()
                    } else if peek != close {
                        return false
                    }
                }
                index += 1
                return true
            default:
                return scanNumber() != nil
            }
        }

        // MARK: Values

        /// A string's text with escapes resolved; nil for a bad escape, a lone surrogate, a raw control character
        /// or invalid UTF-8.
        static func text(of raw: UnsafeBufferPointer<UInt8>.SubSequence) -> String? {
            // Most strings have no escapes: check and take the bytes as they are.
            if !raw.contains(where: { $0 == UInt8(ascii: "\\") || $0 < 0x20 }) {
                return String.fromValidUTF8(raw)
            }
            // Escapes: the rules the config parser follows too.
            return try? JSONStringDecoding.decode(raw).get()
        }

        /// A number as text: integers as written (without a minus on zero); 1.0 and 1e3 as "1" and "1000"; other
        /// numbers with their written digits and without exponent (0.1 stays "0.1"); out of range is unreadable.
        static func number(_ raw: UnsafeBufferPointer<UInt8>.SubSequence) -> Member {
            JSONNumberText.plainDecimal(raw).map(Member.text) ?? .unreadable
        }
    }
}
