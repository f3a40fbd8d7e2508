import Testing
@testable import FormCore

@Suite struct UTF8ValidationTests {
    @Test(arguments: ["", "plain", "Müller", "Иван", "محمد", "山田", "😀", "\u{0}", "\u{10FFFF}"])
    func acceptsWellFormed(text: String) {
        #expect(String.fromValidUTF8(Array(text.utf8)) == text)
        #expect(String.fromValidUTF8(Array(text.utf8)[...]) == text)
    }

    @Test(arguments: [
        [0xFF], [0xC3], [0xC3, 0x28], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
        [0xF0, 0x9F, 0x98], [0x61, 0x80], [0xFE, 0xFF], [0x4D, 0xFC, 0x6C, 0x6C, 0x65, 0x72],
    ] as [[UInt8]])
    func rejectsIllFormed(bytes: [UInt8]) {
        #expect(String.fromValidUTF8(bytes) == nil)
    }
}
