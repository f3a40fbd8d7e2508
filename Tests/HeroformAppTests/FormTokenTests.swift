import Foundation
import Testing
@testable import HeroformApp

@Suite struct FormTokenTests {
    let tokens = FormToken(secret: Array("0123456789abcdef0123456789abcdef".utf8), minimumAge: 3, maximumAge: 86400)
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func acceptsATokenBetweenMinimumAndMaximumAge() {
        let token = tokens.issue(formID: "default", at: t0)
        #expect(token.hasPrefix("1800000000."))
        #expect(!token.contains("+") && !token.contains("/") && !token.contains("="))
        #expect(tokens.problem(with: token, formID: "default", now: t0.addingTimeInterval(3)) == nil)
        #expect(tokens.problem(with: token, formID: "default", now: t0.addingTimeInterval(86400)) == nil)
    }

    @Test func refusesEveryKindOfBadToken() {
        let token = tokens.issue(formID: "default", at: t0)
        let later = t0.addingTimeInterval(60)
        #expect(tokens.problem(with: nil, formID: "default", now: later) == .missing)
        #expect(tokens.problem(with: "", formID: "default", now: later) == .missing)
        #expect(tokens.problem(with: "abc", formID: "default", now: later) == .malformed)
        #expect(tokens.problem(with: "1.2.3", formID: "default", now: later) == .malformed)
        #expect(tokens.problem(with: "99999999999999999999.x", formID: "default", now: later) == .malformed)
        #expect(tokens.problem(with: token, formID: "other", now: later) == .forged)
        #expect(tokens.problem(with: "1800000001." + token.split(separator: ".")[1], formID: "default", now: later) == .forged)
        #expect(tokens.problem(with: token + "x", formID: "default", now: later) == .forged)
        let otherKey = FormToken(secret: Array("another-secret-another-secret-xx".utf8), minimumAge: 3, maximumAge: 86400)
        #expect(otherKey.problem(with: token, formID: "default", now: later) == .forged)
        #expect(tokens.problem(with: token, formID: "default", now: t0.addingTimeInterval(2)) == .tooFresh)
        #expect(tokens.problem(with: token, formID: "default", now: t0.addingTimeInterval(86401)) == .expired)
        #expect(tokens.problem(with: token, formID: "default", now: t0.addingTimeInterval(-120)) == .forged)
    }

    @Test func rememberedSignaturesAreTheComputedOnes() {
        // Past the memo's capacity, so it is emptied and refilled on the way; a fresh FormToken has no memory.
        let fresh = { FormToken(secret: Array("0123456789abcdef0123456789abcdef".utf8), minimumAge: 3, maximumAge: 86400) }
        for second in 0..<(RecentSignatures.capacity + 50) {
            let issued = 1_800_000_000 + second
            let form = second % 3 == 0 ? "default" : "roof"
            #expect(tokens.signature(formID: form, issued: issued) == fresh().signature(formID: form, issued: issued))
        }
        // Asked twice, answered the same; and a form's signature is never another form's.
        #expect(tokens.signature(formID: "default", issued: 1_800_000_000) == tokens.signature(formID: "default", issued: 1_800_000_000))
        #expect(tokens.signature(formID: "default", issued: 1_800_000_000) != tokens.signature(formID: "roof", issued: 1_800_000_000))
    }
}

@Suite struct SecretStoreTests {
    @Test func generatesOnceKeepsPrivateAndReuses() throws {
        let dir = NSTemporaryDirectory() + "heroform-secret-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try SecretStore.secret(environment: [:], dataDir: dir)
        #expect(first.count == 64)
        let mode = try FileManager.default.attributesOfItem(atPath: dir + "/secret")[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        #expect(try SecretStore.secret(environment: [:], dataDir: dir) == first)
        let configured = String(repeating: "s", count: 40)
        #expect(try SecretStore.secret(environment: ["HEROFORM_SECRET": configured], dataDir: dir) == Array(configured.utf8))
        #expect(throws: SecretStore.Failure.self) { try SecretStore.secret(environment: ["HEROFORM_SECRET": "short"], dataDir: dir) }
        try "tiny".write(toFile: dir + "/secret", atomically: true, encoding: .utf8)
        #expect(throws: SecretStore.Failure.self) { try SecretStore.secret(environment: [:], dataDir: dir) }
    }
}

@Suite struct RateLimiterTests {
    @Test func slidingWindowPerKey() {
        let limiter = RateLimiter(limit: 2, window: 600)
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(limiter.check("a", now: t0) == nil)
        #expect(limiter.check("a", now: t0.addingTimeInterval(100)) == nil)
        #expect(limiter.check("a", now: t0.addingTimeInterval(200)) == 400)
        #expect(limiter.check("b", now: t0.addingTimeInterval(200)) == nil)
        #expect(limiter.check("a", now: t0.addingTimeInterval(601)) == nil)
        #expect(limiter.check("a", now: t0.addingTimeInterval(602)) == 98)
    }

    @Test func forgetsQuietClients() {
        let limiter = RateLimiter(limit: 1, window: 10)
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        for index in 0..<5000 { _ = limiter.check("client-\(index)", now: t0) }
        // A sweep after the window ends drops them all; then a known key starts fresh.
        for index in 0..<1000 { _ = limiter.check("late-\(index)", now: t0.addingTimeInterval(20)) }
        #expect(limiter.check("client-1", now: t0.addingTimeInterval(21)) == nil)
    }
}

@Suite struct OriginPolicyTests {
    @Test func sameHostComparison() {
        #expect(OriginPolicy.isSameHost("https://forms.example.de", host: "forms.example.de"))
        #expect(OriginPolicy.isSameHost("https://forms.example.de", host: "forms.example.de:443"))
        #expect(OriginPolicy.isSameHost("http://127.0.0.1:8080", host: "127.0.0.1:8080"))
        #expect(!OriginPolicy.isSameHost("https://forms.example.de.evil.example", host: "forms.example.de"))
        #expect(!OriginPolicy.isSameHost("https://evil.example", host: "forms.example.de"))
        #expect(!OriginPolicy.isSameHost("null", host: "forms.example.de"))
        #expect(!OriginPolicy.isSameHost("https://forms.example.de", host: nil))
        #expect(OriginPolicy.normalize("HTTPS://WWW.Example.de/") == "https://www.example.de")
    }
}
