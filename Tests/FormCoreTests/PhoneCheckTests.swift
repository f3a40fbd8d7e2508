import Testing
import FormCore

@Suite struct PhoneCheckTests {
    @Test(arguments: [
        "+49 511 123456", "0511/123456", "(0511) 12 34-56", "+1 (555) 123.4567", "12345", "+44 20 7946 0958",
        "0049-511-123456", String(repeating: "1", count: 40),
    ])
    func valid(phone: String) {
        #expect(PhoneCheck.isValid(phone))
    }

    @Test(arguments: [
        "", "1234", "+4 (5) 1-2", "+49 511 CALL-NOW", "0511 123456 ext. 5", "<script>", "0511\n123456",
        "0511\r\nBcc: x", "١٢٣٤٥٦", "０５１１１２３４５６", "0511#123456", "0511*123", "'; DROP TABLE--",
        "05111\u{0}23456", "05111\u{202E}23456", String(repeating: "1", count: 41), "+++++", "( ) / - .",
    ])
    func invalid(phone: String) {
        #expect(!PhoneCheck.isValid(phone))
    }

    @Test func megabyteInput() {
        #expect(!PhoneCheck.isValid(String(repeating: "1", count: 1_000_000)))
    }
}
