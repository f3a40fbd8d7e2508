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
}
