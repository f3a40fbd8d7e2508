/// The exact decimal text of a JSON number (RFC 8259 §6), for a reader that keeps numbers as text, as the form-body
/// scanner does: someone typed a postcode or a phone number, and a `Double` would turn 12345678901234567890 into
/// 12345678901234567000. No exponent and no needless zeros: `1.0` and `1e3` become `1` and `1000`, `1e-7` becomes
/// `0.0000001`, `-0` becomes `0`.
package enum JSONNumberText {
    /// The exponent of the last significant digit (trailing zeros folded in) must lie here, as it had to with
    /// Foundation's `Decimal`, which did this before; it also bounds the zeros written for `1e999999999`.
    package static let exponentRange = -128...127

    /// The decimal text of `literal`; nil when it is not a JSON number or out of `exponentRange`.
    package static func plainDecimal(_ literal: some Collection<UInt8>) -> String? {
        guard let number = Digits(literal) else { return nil }
        var digits = number.digits[...]
        var exponent = number.exponent
        while let first = digits.first, first == UInt8(ascii: "0") { digits = digits.dropFirst() }
        guard !digits.isEmpty else { return "0" }
        while let last = digits.last, last == UInt8(ascii: "0") {
            digits = digits.dropLast()
            exponent += 1
        }
        guard exponentRange.contains(exponent) else { return nil }

        var text: [UInt8] = []
        text.reserveCapacity(digits.count + abs(exponent) + 3)
        if number.isNegative { text.append(UInt8(ascii: "-")) }
        if exponent >= 0 {
            text += digits
            text += repeatElement(UInt8(ascii: "0"), count: exponent)
        } else if digits.count > -exponent {
            let point = digits.endIndex + exponent
            text += digits[..<point]
            text.append(UInt8(ascii: "."))
            text += digits[point...]
        } else {
            text += "0.".utf8
            text += repeatElement(UInt8(ascii: "0"), count: -exponent - digits.count)
            text += digits
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// A number literal taken apart: its digits (integer and fraction part, as written) times ten to `exponent`.
    private struct Digits {
        var isNegative = false
        var digits: [UInt8] = []
        var exponent = 0

        /// Nil unless `literal` is exactly `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
        init?(_ literal: some Collection<UInt8>) {
            var bytes = literal.makeIterator()
            var next = bytes.next()
            if next == UInt8(ascii: "-") {
                isNegative = true
                next = bytes.next()
            }
            guard let first = next, Self.isDigit(first) else { return nil }
            digits.append(first)
            next = bytes.next()
            if first != UInt8(ascii: "0") {
                while let byte = next, Self.isDigit(byte) {
                    digits.append(byte)
                    next = bytes.next()
                }
            }
            if next == UInt8(ascii: ".") {
                next = bytes.next()
                var fractionDigits = 0
                while let byte = next, Self.isDigit(byte) {
                    digits.append(byte)
                    fractionDigits += 1
                    next = bytes.next()
                }
                guard fractionDigits > 0 else { return nil }
                exponent = -fractionDigits
            }
            if next == UInt8(ascii: "e") || next == UInt8(ascii: "E") {
                next = bytes.next()
                let isNegativeExponent = next == UInt8(ascii: "-")
                if next == UInt8(ascii: "-") || next == UInt8(ascii: "+") { next = bytes.next() }
                guard let digit = next, Self.isDigit(digit) else { return nil }
                var written = 0
                while let byte = next, Self.isDigit(byte) {
                    // Capped: far beyond any range a caller checks, and no overflow for a thousand digits.
                    written = min(written * 10 + Int(byte - UInt8(ascii: "0")), 1_000_000_000)
                    next = bytes.next()
                }
                exponent += isNegativeExponent ? -written : written
            }
            guard next == nil else { return nil }
        }

        private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    }
}
