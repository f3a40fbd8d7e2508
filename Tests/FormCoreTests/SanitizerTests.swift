import Testing
@testable import FormCore

@Suite struct SanitizerTests {
    /// Hostile and unusual inputs, reused by the property tests below.
    static let hostile: [String] = [
        "<script>alert('x')</script>", "Robert'); DROP TABLE leads;--", "\" OR \"1\"=\"1",
        "max@example.de\r\nBcc: victim@example.org", "a\u{0}b", "\u{202E}gnp.exe", "Ma\u{200B}x\u{200D}\u{FEFF}",
        "\u{2066}isolate\u{2069}", "line\u{2028}sep\u{2029}para", "\u{1B}[31mred\u{7F}", "tab\there",
        "  \n\r\t  ", "", "Mu\u{0308}ller", "e\u{200B}\u{0301}", "Иван  Петров", "محمد\u{200F} علي", "山田\u{3000}太郎",
        "O’Brien", "a\u{E0041}\u{E007F}b", "\r\r\n\n\n\n\n\nx", "\u{85}next", "ǅ", "ß", "sw1a 1aa", "de",
        String(repeating: "\u{0301}", count: 50),
    ]

    @Test(arguments: [
        ("  Max   Mustermann  ", "Max Mustermann"),
        ("Max\tMustermann", "Max Mustermann"),
        ("Max\r\nMustermann", "Max Mustermann"),
        ("Max\nMustermann", "Max Mustermann"),
        ("Max\u{00A0}Mustermann", "Max Mustermann"),
        ("山田\u{3000}太郎", "山田 太郎"),
        ("line\u{2028}sep", "line sep"),
        ("a\u{85}b", "a b"),
        ("O'Brien", "O'Brien"),
        ("N’Diaye", "N’Diaye"),
        ("Иван  Петров", "Иван Петров"),
        ("محمد   علي", "محمد علي"),
        ("Ma\u{200B}x", "Max"),
        ("\u{FEFF}Max", "Max"),
        ("Max\u{200C}\u{200D}\u{200E}\u{200F}", "Max"),
        ("\u{202A}a\u{202B}b\u{202C}c\u{202D}d\u{202E}e", "abcde"),
        ("\u{2066}a\u{2067}b\u{2068}c\u{2069}", "abc"),
        ("a\u{00AD}b\u{2060}c", "abc"),
        ("a\u{E0041}\u{E007F}b", "ab"),
        ("Max\u{0}Mustermann", "MaxMustermann"),
        ("\u{1B}[31mRed\u{7F}", "[31mRed"),
        ("a\u{0}\u{1}\u{8}\u{1F}\u{80}\u{9F}b", "ab"),
        ("a \u{200B} b", "a b"),
        ("\n\t ", ""),
        ("", ""),
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),
        ("Robert'); DROP TABLE leads;--", "Robert'); DROP TABLE leads;--"),
    ])
    func singleLine(input: String, expected: String) {
        #expect(Sanitizer.clean(input, for: .lastName) == expected)
        #expect(Sanitizer.clean(input, for: .street) == expected)
    }

    @Test(arguments: [
        ("Mu\u{0308}ller", "Müller"),
        ("e\u{200B}\u{0301}", "é"),
        ("Zo\u{0065}\u{0308}", "Zoë"),
        ("A\u{030A}ngstro\u{0308}m", "Ångström"),
        ("\u{1100}\u{1161}", "가"),
    ])
    func composesToNFC(input: String, expected: String) {
        let cleaned = Sanitizer.clean(input, for: .firstName)
        #expect(Array(cleaned.unicodeScalars) == Array(expected.unicodeScalars))
    }

    @Test(arguments: [
        ("Hallo\r\nWelt", "Hallo\nWelt"),
        ("Hallo\rWelt", "Hallo\nWelt"),
        ("a\r\r\nb", "a\n\nb"),
        ("a\u{2028}b\u{2029}c\u{0B}d\u{0C}e\u{85}f", "a\nb\nc\nd\ne\nf"),
        ("a\n\nb", "a\n\nb"),
        ("a\n\n\nb", "a\n\n\nb"),
        ("a\n\n\n\n\n\n\nb", "a\n\n\nb"),
        ("a\r\n\r\n\r\n\r\n\r\nb", "a\n\n\nb"),
        ("a\n \n\t\n  \n\nb", "a\n\n\nb"),
        ("\n\n  Hallo  \n\n", "Hallo"),
        ("a\tb", "a b"),
        ("  indented\n    code", "indented\n    code"),
        ("a   \nb", "a\nb"),
        ("Viele   Leerzeichen", "Viele   Leerzeichen"),
        ("Hi\u{0}\u{202E}there\u{200B}", "Hithere"),
        ("Bcc: x\r\nTo: y", "Bcc: x\nTo: y"),
        ("Привет,\nمرحبا\n你好", "Привет,\nمرحبا\n你好"),
        ("", ""),
    ])
    func message(input: String, expected: String) {
        #expect(Sanitizer.clean(input, for: .message) == expected)
    }

    @Test(arguments: [
        ("Max.Muster@Example.DE", "Max.Muster@example.de"),
        ("MAX@MÜLLER.DE", "MAX@müller.de"),
        ("Ivan@ПОЧТА.РФ", "Ivan@почта.рф"),
        ("a@B@C.DE", "a@B@c.de"),
        (" max@example.de ", "max@example.de"),
        ("NOAT", "NOAT"),
        ("Max.Muster@example.de", "Max.Muster@example.de"),
        ("max@example.de\r\nBcc: X@Y.DE", "max@example.de Bcc: X@y.de"),
    ])
    func emailLowercasesOnlyTheDomain(input: String, expected: String) {
        #expect(Sanitizer.clean(input, for: .email) == expected)
    }

    @Test(arguments: [
        (Field.countryCode, "de", "DE"), (.countryCode, " at ", "AT"), (.projectCountryCode, "ch", "CH"),
        (.countryCode, "ß", "ß"), (.countryCode, "dé", "Dé"), (.zipcode, "sw1a 1aa", "SW1A 1AA"),
        (.projectZipcode, "1234 ab", "1234 AB"), (.zipcode, "30449", "30449"), (.city, "hannover", "hannover"),
    ])
    func uppercasesCodesASCIIOnly(field: Field, input: String, expected: String) {
        #expect(Sanitizer.clean(input, for: field) == expected)
    }

    @Test(arguments: hostile)
    func isIdempotent(input: String) {
        for field in Field.allCases {
            let once = Sanitizer.clean(input, for: field)
            #expect(Sanitizer.clean(once, for: field) == once, "\(field): \(input.debugDescription)")
        }
    }

    @Test(arguments: hostile)
    func leavesNoInvisibleOrControlCharacters(input: String) {
        for field in Field.allCases {
            let cleaned = Sanitizer.clean(input, for: field)
            for scalar in cleaned.unicodeScalars {
                let category = scalar.properties.generalCategory
                let allowedNewline = field.isMultiline && scalar == "\n"
                #expect(allowedNewline || (category != .control && category != .format), "\(field): \(input.debugDescription)")
                #expect(field.isMultiline || !scalar.properties.isWhitespace || scalar == " ")
            }
            #expect(cleaned.first?.isWhitespace != true)
            #expect(cleaned.last?.isWhitespace != true)
            #expect(!cleaned.contains("  ") || field.isMultiline)
        }
    }

    @Test func megabyteInputs() {
        let words = String(repeating: "ab \t\n", count: 200_000)  // 1 MB
        let single = Sanitizer.clean(words, for: .lastName)
        #expect(single.count == 200_000 * 3 - 1)
        #expect(single.hasPrefix("ab ab ab"))

        let lines = String(repeating: "Zeile\r\n\r\n\r\n\r\n", count: 100_000)
        let message = Sanitizer.clean(lines, for: .message)
        #expect(message.count == 100_000 * 5 + 99_999 * 3)

        let invisible = String(repeating: "\u{200B}\u{202E}\u{0}", count: 300_000)
        #expect(Sanitizer.clean(invisible, for: .message) == "")
        #expect(Sanitizer.clean(invisible, for: .email) == "")
    }
}

@Suite struct SanitizerFastPathTests {
    @Test func tidyASCIIIsRecognised() {
        for tidy in ["", "a", "Max Mustermann", "a b c", "max@example.org", "30449"] {
            #expect(Sanitizer.isTidySingleLineASCII(tidy), "\(tidy)")
        }
        for untidy in [" a", "a ", "a  b", " ", "a\tb", "a\nb", "a\u{7f}b", "a\u{0}b", "Müller", "a\u{200B}b"] {
            #expect(!Sanitizer.isTidySingleLineASCII(untidy), "\(untidy.debugDescription)")
        }
    }

    @Test func theFastPathAgreesWithTheFullPasses() {
        // Whatever the shortcut lets through must be exactly what the full normalization would have made of it.
        var generator = SystemRandomNumberGenerator()
        let alphabet: [String] = [" ", " ", "a", "Z", "@", ".", "\t", "\r\n", "\u{7f}", "\u{1b}", "é", "\u{00A0}", "\u{200B}"]
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...6, using: &generator)
            let value = (0..<length).map { _ in alphabet.randomElement(using: &generator) ?? "" }.joined()
            if Sanitizer.isTidySingleLineASCII(value) {
                #expect(Sanitizer.normalized(value, for: .city) == value, "\(value.debugDescription)")
            }
            #expect(Sanitizer.clean(value, for: .city) == Sanitizer.normalized(value, for: .city), "\(value.debugDescription)")
        }
    }
}
