import WebText

/// Header fields in the order they came, with case-insensitive lookup (RFC 9110 §5.1).
package struct HTTPHeaders: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    package struct Field: Sendable, Equatable {
        package let name: String
        package let value: String
        /// Lowercased once on insert, so lookups need not fold case again.
        let key: String
        /// Whether the field can go out in a response as it is: a token name and a value without CR, LF or NUL
        /// (response splitting). Checked once when the field is made, not every time it is sent.
        let isWritable: Bool

        package init(name: String, value: String) {
            self.name = name
            self.value = value
            self.key = name.asciiLowercased()
            self.isWritable =
                HTTPSyntax.isToken(name.utf8) && value.utf8.allSatisfy { HTTPSyntax.fieldValueTable[Int($0)] }
        }

        /// A field whose name the parser found to be a token and whose value it found free of CR, LF and NUL.
        init(parsedName name: String, value: String) {
            self.name = name
            self.value = value
            self.key = name.asciiLowercased()
            self.isWritable = true
        }

        package static func == (lhs: Field, rhs: Field) -> Bool {
            lhs.name == rhs.name && lhs.value == rhs.value
        }

        /// Whether this field is called `name`, ignoring ASCII case, without making a folded copy of `name`.
        func hasName(_ name: String) -> Bool {
            // Most fields of a lookup are another name, and most of those differ in length: an O(1) answer.
            guard key.utf8.count == name.utf8.count else { return false }
            var other = name.utf8.makeIterator()
            for byte in key.utf8 {
                guard let next = other.next() else { return false }
                let folded = next >= 0x41 && next <= 0x5A ? next + 0x20 : next
                if folded != byte { return false }
            }
            return other.next() == nil
        }
    }

    package private(set) var fields: [Field] = []

    package init() {}

    package init(_ pairs: [(String, String)]) {
        fields = pairs.map { Field(name: $0.0, value: $0.1) }
    }

    /// Fields already made (their keys are folded once, in the parser).
    init(fields: [Field]) {
        self.fields = fields
    }

    package init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    package var count: Int { fields.count }
    package func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }

    /// The first value of `name`, or nil.
    package subscript(name: String) -> String? {
        fields.first { $0.hasName(name) }?.value
    }

    package func values(_ name: String) -> [String] {
        fields.filter { $0.hasName(name) }.map(\.value)
    }

    package func contains(_ name: String) -> Bool {
        fields.contains { $0.hasName(name) }
    }

    /// The comma-separated list elements of every `name` field, trimmed, lowercased, empty ones dropped
    /// (RFC 9110 §5.6.1).
    package func tokens(_ name: String) -> [String] {
        values(name).flatMap { $0.split(separator: ",") }
            .map { $0.trimmingWhitespace().lowercased() }
            .filter { !$0.isEmpty }
    }

    package mutating func add(_ name: String, _ value: String) {
        fields.append(Field(name: name, value: value))
    }

    /// Adds a field made once, for headers added to many answers.
    package mutating func add(_ field: Field) {
        fields.append(field)
    }

    /// Replaces every `name` field with one holding `value`.
    package mutating func set(_ name: String, _ value: String) {
        set(Field(name: name, value: value))
    }

    /// Replaces every field of the same name with `field` (made once, its name folded once, for headers that are
    /// set on every answer).
    package mutating func set(_ field: Field) {
        let key = field.key
        let length = key.utf8.count
        // Lengths first: most fields have another name, and most of those another length.
        if fields.contains(where: { $0.key.utf8.count == length && $0.key == key }) {
            fields.removeAll { $0.key == key }
        }
        fields.append(field)
    }

    package mutating func remove(_ name: String) {
        guard fields.contains(where: { $0.hasName(name) }) else { return }
        fields.removeAll { $0.hasName(name) }
    }
}

extension String {
    /// Field names are tokens (ASCII): folding A–Z is all that case-insensitivity needs, and much cheaper than
    /// Unicode lowercasing on every header of every request.
    func asciiLowercased() -> String {
        guard utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else { return self }
        let count = utf8.count
        return String(unsafeUninitializedCapacity: count) { buffer in
            var index = 0
            for byte in utf8 {
                buffer[index] = byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte
                index += 1
            }
            return count
        }
    }
}
