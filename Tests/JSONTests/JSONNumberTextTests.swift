import Testing
import JSON

@Suite struct JSONNumberTextTests {
    static func text(_ literal: String) -> String? {
        JSONNumberText.plainDecimal(Array(literal.utf8))
    }

    @Test(arguments: [
        ("0", "0"), ("-0", "0"), ("7", "7"), ("-42", "-42"), ("30449", "30449"),
        ("9223372036854775807", "9223372036854775807"), ("-9223372036854775808", "-9223372036854775808"),
        // Beyond Int64 and a Double's 53 bits, digit for digit.
        ("12345678901234567890", "12345678901234567890"), ("9007199254740993", "9007199254740993"),
    ])
    func integersStayAsWritten(literal: String, expected: String) {
        #expect(Self.text(literal) == expected)
    }

    @Test(arguments: [
        ("1.0", "1"), ("1e3", "1000"), ("1E2", "100"), ("1e+2", "100"), ("-0.0", "0"), ("0e5", "0"), ("0.000", "0"),
        ("1.5", "1.5"), ("0.1", "0.1"), ("3.14159", "3.14159"), ("0.50", "0.5"), ("-1.25e+1", "-12.5"),
        ("1e-7", "0.0000001"), ("12.5e-1", "1.25"), ("125e-2", "1.25"), ("1.25e2", "125"), ("100e-2", "1"),
        ("9007199254740993.0", "9007199254740993"), ("12345678901234567890.0", "12345678901234567890"),
    ])
    func fractionsAndExponentsBecomePlainDecimals(literal: String, expected: String) {
        #expect(Self.text(literal) == expected)
    }

    @Test func theExponentRangeIsDecimals() {
        #expect(Self.text("1e127") == "1" + String(repeating: "0", count: 127))
        #expect(Self.text("1e128") == nil)
        #expect(Self.text("10e127") == nil)
        #expect(Self.text("1e-128") == "0." + String(repeating: "0", count: 127) + "1")
        #expect(Self.text("1e-129") == nil)
        #expect(Self.text("1e400") == nil)
        #expect(Self.text("-1e400") == nil)
        // Zero is zero whatever its exponent; an exponent of a thousand digits neither overflows nor traps.
        #expect(Self.text("0e999999999999") == "0")
        #expect(Self.text("1e" + String(repeating: "9", count: 1000)) == nil)
        #expect(Self.text("1e-" + String(repeating: "9", count: 1000)) == nil)
    }

    @Test(arguments: ["", "-", "+1", "01", "-01", "1.", ".5", "1e", "1e+", "1e-", "1.e3", "0x10", "1 ", " 1", "NaN",
                      "Infinity", "1_000", "1,5", "--1", "1ee3", "1e3.5", "١"])
    func refusesWhatIsNotAJSONNumber(literal: String) {
        #expect(Self.text(literal) == nil)
    }

    @Test func readsAnyCollectionOfBytes() {
        let body = Array(#"{"a":-12.50e1}"#.utf8)
        #expect(JSONNumberText.plainDecimal(body[5..<13]) == "-125")
    }
}
