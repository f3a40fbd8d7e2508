import Testing
import WebText

@Suite struct HexDigitTests {
    @Test func everyDigitHasItsValue() {
        for (offset, byte) in "0123456789".utf8.enumerated() { #expect(HexDigit.value(byte) == UInt8(offset)) }
        for (offset, byte) in "abcdef".utf8.enumerated() { #expect(HexDigit.value(byte) == UInt8(10 + offset)) }
        for (offset, byte) in "ABCDEF".utf8.enumerated() { #expect(HexDigit.value(byte) == UInt8(10 + offset)) }
    }

    @Test func nothingElseIsADigit() {
        let digits = Set("0123456789abcdefABCDEF".utf8)
        for byte in UInt8.min...UInt8.max where !digits.contains(byte) { #expect(HexDigit.value(byte) == nil) }
    }
}
