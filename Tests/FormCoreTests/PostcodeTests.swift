import Testing
import FormCore

@Suite struct PostcodeTests {
    @Test(arguments: [
        ("30449", "DE", true), ("01067", "DE", true), ("3044", "DE", false), ("304490", "DE", false),
        ("3044a", "DE", false), ("30 449", "DE", false), ("", "DE", false), ("١٢٣٤٥", "DE", false),
        ("１２３４５", "DE", false), ("3044\u{0}", "DE", false), ("30449\r\n", "DE", false),
        ("1010", "AT", true), ("8001", "CH", true), ("9490", "LI", true), ("1000", "BE", true), ("2100", "DK", true),
        ("1009", "LU", true), ("0150", "NO", true), ("1051", "HU", true), ("10100", "AT", false), ("101", "CH", false),
        ("A101", "LU", false), ("30449", "HU", false),
        ("1234 AB", "NL", true), ("1234AB", "NL", true), ("1234 ab", "NL", true), ("1234  AB", "NL", false),
        ("0123 AB", "NL", false), ("1234 A1", "NL", false), ("1234", "NL", false), ("1234 ABC", "NL", false),
        ("12345AB", "NL", false), ("1234-AB", "NL", false),
        ("SW1A 1AA", "GB", true), ("EC1A 1BB", "GB", true), ("M1 1AE", "GB", true), ("00-950", "PL", true),
        ("75008", "FR", true), ("10001", "US", true), ("10001-1234", "US", true), ("D02 X285", "IE", true),
        ("100-0001", "JP", true), ("12345", "XX", true),
        ("ABCDE", "FR", false), ("12345678901", "US", false), ("<script>", "FR", false), ("1'; DROP", "US", false),
        ("", "FR", false), ("12_34", "PL", false), ("12345\u{202E}", "US", false), ("12.345", "US", false),
    ])
    func formats(code: String, country: String, valid: Bool) {
        #expect(Postcode.isValid(code, country: country) == valid)
    }

    @Test func fourDigitCountries() {
        #expect(Postcode.fourDigitCountries == ["AT", "CH", "LI", "BE", "DK", "LU", "NO", "HU"])
    }

    @Test func megabyteInput() {
        #expect(!Postcode.isValid(String(repeating: "1", count: 1_000_000), country: "GB"))
        #expect(!Postcode.isValid(String(repeating: "1", count: 1_000_000), country: "NL"))
    }
}
