import Testing
@testable import FormCore

@Suite struct UTF8BuilderTests {
    @Test(arguments: ["", "a", "ä", "Ж", "山", "€", "😀", "\u{0}", "\u{7F}\u{80}\u{7FF}\u{800}\u{FFFF}\u{10000}\u{10FFFF}",
                      "O'Brien Müller Иван محمد 山田 🇩🇪"])
    func encodesLikeSwift(text: String) {
        var builder = UTF8Builder(capacity: 0)
        #expect(builder.isEmpty)
        for scalar in text.unicodeScalars { builder.append(scalar) }
        #expect(builder.bytes == Array(text.utf8))
        #expect(builder.string == text)
        #expect(builder.isEmpty == text.isEmpty)
    }

    @Test func everyScalarRoundTrips() {
        var builder = UTF8Builder(capacity: 0)
        var expected = ""
        for value in stride(from: UInt32(0), through: 0x10FFFF, by: 97) {
            guard let scalar = Unicode.Scalar(value) else { continue }
            builder.append(scalar)
            expected.unicodeScalars.append(scalar)
        }
        #expect(builder.bytes == Array(expected.utf8))
    }
}
