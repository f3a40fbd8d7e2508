import Testing
@testable import FormCore

@Suite struct UnicodeScalarClassesTests {
    @Test(arguments: [
        ("a", true), ("Z", true), ("ß", true), ("Ж", true), ("ع", true), ("山", true), ("ʼ", true), ("ǅ", true),
        ("1", false), ("١", false), ("-", false), (" ", false), ("\u{0301}", false), ("😀", false), ("\u{200B}", false),
    ] as [(Unicode.Scalar, Bool)])
    func letters(scalar: Unicode.Scalar, isLetter: Bool) {
        #expect(scalar.isLetterOfAnyScript == isLetter)
    }

    @Test(arguments: [
        ("\u{0301}", true), ("\u{093F}", true), ("\u{20DD}", true), ("\u{0E31}", true),
        ("a", false), ("\u{200D}", false), ("'", false),
    ] as [(Unicode.Scalar, Bool)])
    func marks(scalar: Unicode.Scalar, isMark: Bool) {
        #expect(scalar.isCombiningMark == isMark)
    }
}

@Suite struct UnicodeScalarFastPathTests {
    /// The ASCII/C1 fast paths must agree with the Unicode properties they stand in for.
    @Test func fastPathsMatchUnicodeProperties() {
        let ranges: [ClosedRange<UInt32>] = [0...0x3100, 0xFE00...0xFFFF, 0xE0000...0xE0080]
        for value in ranges.joined() {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let category = scalar.properties.generalCategory
            #expect(scalar.isWhitespaceFast == scalar.properties.isWhitespace, "U+\(String(value, radix: 16))")
            #expect(scalar.isControlOrFormat == (category == .control || category == .format), "U+\(String(value, radix: 16))")
        }
    }
}
