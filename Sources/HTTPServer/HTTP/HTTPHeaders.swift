/// Header fields in the order they came, with case-insensitive lookup (RFC 9110 §5.1).
public struct HTTPHeaders: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    public struct Field: Sendable, Equatable {
        public var name: String
        public var value: String
        /// Lowercased once on insert, so lookups need not fold case again.
        let key: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
            self.key = name.asciiLowercased()
        }
    }

    public private(set) var fields: [Field] = []

    public init() {}

    public init(_ pairs: [(String, String)]) {
        fields = pairs.map { Field(name: $0.0, value: $0.1) }
    }

    /// Fields already made (their keys are folded once, in the parser).
    init(fields: [Field]) {
        self.fields = fields
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    public var count: Int { fields.count }
    public func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }

    /// The first value of `name`, or nil.
    public subscript(name: String) -> String? {
        let key = name.asciiLowercased()
        return fields.first { $0.key == key }?.value
    }

    public func values(_ name: String) -> [String] {
        let key = name.asciiLowercased()
        return fields.filter { $0.key == key }.map(\.value)
    }

    public func contains(_ name: String) -> Bool {
        let key = name.asciiLowercased()
        return fields.contains { $0.key == key }
    }

    /// The comma-separated list elements of every `name` field, trimmed, lowercased, empty ones dropped
    /// (RFC 9110 §5.6.1).
    public func tokens(_ name: String) -> [String] {
        values(name).flatMap { $0.split(separator: ",") }
            .map { $0.trimmingWhitespace().lowercased() }
            .filter { !$0.isEmpty }
    }

    public mutating func add(_ name: String, _ value: String) {
        fields.append(Field(name: name, value: value))
    }

    /// Replaces every `name` field with one holding `value`.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        add(name, value)
    }

    public mutating func remove(_ name: String) {
        let key = name.asciiLowercased()
        guard fields.contains(where: { $0.key == key }) else { return }
        fields.removeAll { $0.key == key }
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

extension StringProtocol {
    /// Trims optional whitespace (SP and HTAB) as HTTP defines it.
    public func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
