import Testing
@testable import Outbox

@Suite struct FingerprintTests {
    @Test func sameSubmissionSameFingerprint() {
        let a = Fingerprint.of(formID: "default", fields: ["email": "Max@Example.org", "message": "Hallo  Welt"])
        let b = Fingerprint.of(formID: "default", fields: ["message": "hallo welt", "email": "max@example.org", "phone": ""])
        #expect(a == b)
        #expect(a.count == 64)
    }

    @Test func anyDifferenceChangesIt() {
        let base = Fingerprint.of(formID: "default", fields: ["email": "a@b.de"])
        #expect(base != Fingerprint.of(formID: "other", fields: ["email": "a@b.de"]))
        #expect(base != Fingerprint.of(formID: "default", fields: ["email": "a@b.de", "city": "Köln"]))
        #expect(base != Fingerprint.of(formID: "default", fields: ["email": "b@b.de"]))
        // Field boundaries cannot be shifted to forge a match.
        #expect(Fingerprint.of(formID: "f", fields: ["a": "b\u{1E}c\u{1F}d"]) != Fingerprint.of(formID: "f", fields: ["a": "b", "c": "d"]))
    }

    @Test func asciiNormalizationIsTheUnicodeOneOnBytes() {
        // Fingerprints are stored: the byte path must give exactly what the general one gives, or a double click
        // across an upgrade would be stored twice.
        var generator = SystemRandomNumberGenerator()
        let alphabet: [String] = [" ", " ", "a", "Z", "q", "@", ".", "\t", "\n", "\r\n", "\u{0B}", "\u{0C}", "\u{1C}", "\u{1F}", "0", "\u{7F}"]
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...8, using: &generator)
            let value = (0..<length).map { _ in alphabet.randomElement(using: &generator) ?? "" }.joined()
            #expect(Fingerprint.normalizeASCII(value) == Fingerprint.normalizeUnicode(value), "\(value.debugDescription)")
        }
        #expect(Fingerprint.normalize("  Max \t MUSTERMANN\r\n") == "max mustermann")
        #expect(Fingerprint.normalize("MÜLLER  Straße") == "müller straße")
    }
}
