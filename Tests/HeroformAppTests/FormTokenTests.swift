import Foundation
import Testing
@testable import HeroformApp

@Suite struct FormTokenTests {
    let tokens = FormToken(secret: Array("0123456789abcdef0123456789abcdef".utf8), minimumAge: 3, maximumAge: 86400)
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func acceptsATokenBetweenMinimumAndMaximumAge() {
        let token = tokens.issue(formID: "default", at: t0)
        #expect(token.hasPrefix("1800000000."))
        #expect(token.split(separator: ".").count == 3)
        #expect(token.split(separator: ".")[1].count == FormToken.nonceLength)
        #expect(!token.contains("+") && !token.contains("/") && !token.contains("="))
        #expect(tokens.problem(with: token, formID: "default", now: t0.addingTimeInterval(3)) == nil)
        #expect(tokens.problem(with: token, formID: "default", now: t0.addingTimeInterval(86400)) == nil)
    }

    @Test func everyPageLoadGetsATokenOfItsOwn() {
        // Two visitors in the same second: today's tokens differ, and each is good.
        let first = tokens.issue(formID: "default", at: t0)
        let second = tokens.issue(formID: "default", at: t0)
        #expect(first != second)
        let later = t0.addingTimeInterval(60)
        #expect(tokens.problem(with: first, formID: "default", now: later) == nil)
        #expect(tokens.problem(with: second, formID: "default", now: later) == nil)
        let keys = [first, second].compactMap { try? tokens.verify($0, formID: "default", now: later).key }
        #expect(keys.count == 2 && keys[0] != keys[1])
    }

    @Test func refusesEveryKindOfBadToken() {
        let token = tokens.issue(formID: "default", at: t0)
        let parts = token.split(separator: ".").map(String.init)
        let later = t0.addingTimeInterval(60)
        #expect(tokens.problem(with: nil, formID: "default", now: later) == .missing)
        #expect(tokens.problem(with: "", formID: "default", now: later) == .missing)
        #expect(tokens.problem(with: "abc", formID: "default", now: later) == .malformed)
        #expect(tokens.problem(with: "1.2.3", formID: "default", now: later) == .malformed)
        #expect(tokens.problem(with: "99999999999999999999.\(parts[1]).\(parts[2])", formID: "default", now: later) == .malformed)
        // The format before nonces (`<issued>.<signature>`) is refused as malformed: the page comes back with a new one.
        #expect(tokens.problem(with: "1800000000.\(parts[2])", formID: "default", now: later) == .malformed)
        #expect(tokens.problem(with: "1800000000.\(parts[1]).\(parts[2]).x", formID: "default", now: later) == .malformed)
        #expect(tokens.problem(with: "1800000000.\(parts[1].dropLast())!.\(parts[2])", formID: "default", now: later) == .malformed)
        #expect(tokens.problem(with: token, formID: "other", now: later) == .forged)
        #expect(tokens.problem(with: "1800000001.\(parts[1]).\(parts[2])", formID: "default", now: later) == .forged)
        let otherNonce = String(parts[1].reversed()) == parts[1] ? "AAAAAAAAAAAAAAAA" : String(parts[1].reversed())
        #expect(tokens.problem(with: "1800000000.\(otherNonce).\(parts[2])", formID: "default", now: later) == .forged)
        #expect(tokens.problem(with: token + "x", formID: "default", now: later) == .forged)
        let otherKey = FormToken(secret: Array("another-secret-another-secret-xx".utf8), minimumAge: 3, maximumAge: 86400)
        #expect(otherKey.problem(with: token, formID: "default", now: later) == .forged)
        #expect(tokens.problem(with: token, formID: "default", now: t0.addingTimeInterval(2)) == .tooFresh)
        #expect(tokens.problem(with: token, formID: "default", now: t0.addingTimeInterval(86401)) == .expired)
        #expect(tokens.problem(with: token, formID: "default", now: t0.addingTimeInterval(-120)) == .forged)
    }

    @Test func aSingleUseTokenIsSpentOnceAndCanBeGivenBack() throws {
        let single = FormToken(secret: Array("0123456789abcdef0123456789abcdef".utf8), minimumAge: 3, maximumAge: 86400,
                               spent: SpentSet())
        let later = t0.addingTimeInterval(60)
        let verified = try single.verify(single.issue(formID: "default", at: t0), formID: "default", now: later)
        try single.spend(verified, now: later)
        #expect(throws: FormToken.Problem.used) { try single.spend(verified, now: later) }
        // Spent, the token still verifies: the outbox's duplicate check decides before it is spent again.
        single.unspend(verified)
        try single.spend(verified, now: later)
        // Without a spent set (single-use tokens off) a token is spent any number of times.
        try tokens.spend(verified, now: later)
        try tokens.spend(verified, now: later)
    }

    @Test func spendingGivesBackOnlyWhatItSpent() throws {
        let spent = SpentSet()
        let single = FormToken(secret: Array("0123456789abcdef0123456789abcdef".utf8), minimumAge: 0, maximumAge: 86400,
                               spent: spent)
        let verified = try single.verify(single.issue(formID: "default", at: Date()), formID: "default", now: Date())
        let first = GuardSpending(tokens: single, token: verified, proofOfWork: nil, solution: nil, now: Date.init)
        let second = GuardSpending(tokens: single, token: verified, proofOfWork: nil, solution: nil, now: Date.init)
        #expect(first.spend())
        #expect(!second.spend())
        #expect(sendAgainCode(second.refusal) == "token_used")
        second.undo() // spent nothing, gives nothing back
        #expect(spent.contains(verified.key))
        first.undo()
        #expect(!spent.contains(verified.key))
        #expect(second.spend())
    }

    @Test func aSolutionUsedBeforeGivesTheTokenBack() throws {
        let spent = SpentSet()
        let secret = Array("0123456789abcdef0123456789abcdef".utf8)
        let single = FormToken(secret: secret, minimumAge: 0, maximumAge: 86400, spent: spent)
        let pow = ProofOfWork(secret: secret, maxNumber: 2000)
        let solution = try pow.verify(try #require(solve(pow.challenge(now: Date()))), now: Date())
        try pow.spend(solution, now: Date())
        let verified = try single.verify(single.issue(formID: "default", at: Date()), formID: "default", now: Date())
        let spending = GuardSpending(tokens: single, token: verified, proofOfWork: pow, solution: solution, now: Date.init)
        #expect(!spending.spend())
        #expect(sendAgainCode(spending.refusal) == "pow_used")
        #expect(!spent.contains(verified.key), "the token is not used up by a lead that was refused")
        // Given back, a solution is good again.
        pow.unspend(solution)
        #expect(spending.spend())
        spending.undo()
        #expect(!spent.contains(verified.key))
        try pow.spend(solution, now: Date())
    }

    @Test func problemsHaveMachineReadableCodes() {
        let codes = [FormToken.Problem.missing, .malformed, .forged, .expired, .tooFresh, .used].map(\.code)
        #expect(codes == ["token_missing", "token_malformed", "token_invalid", "token_expired", "too_fast", "token_used"])
        let pow = [ProofOfWork.Problem.missing, .malformed, .forged, .wrong, .expired, .replayed].map(\.code)
        #expect(pow == ["pow_missing", "pow_malformed", "pow_invalid", "pow_wrong", "pow_expired", "pow_used"])
    }

    @Test func rememberedSignaturesAreTheComputedOnes() {
        // Past the memo's capacity, so it is emptied and refilled on the way; a fresh FormToken has no memory.
        let fresh = { FormToken(secret: Array("0123456789abcdef0123456789abcdef".utf8), minimumAge: 3, maximumAge: 86400) }
        let nonce = "AbCdEfGhIjKlMn-_"
        for second in 0..<(RecentSignatures.capacity + 50) {
            let issued = 1_800_000_000 + second
            let form = second % 3 == 0 ? "default" : "roof"
            #expect(tokens.signature(formID: form, issued: issued, nonce: nonce) == fresh().signature(formID: form, issued: issued, nonce: nonce))
        }
        // Asked twice, answered the same; and a form's or a nonce's signature is never another's.
        let signature = tokens.signature(formID: "default", issued: 1_800_000_000, nonce: nonce)
        #expect(signature == tokens.signature(formID: "default", issued: 1_800_000_000, nonce: nonce))
        #expect(signature != tokens.signature(formID: "roof", issued: 1_800_000_000, nonce: nonce))
        #expect(signature != tokens.signature(formID: "default", issued: 1_800_000_000, nonce: "AbCdEfGhIjKlMn-A"))
    }
}

/// The machine-readable code of a spam guard's refusal; nil for other refusals.
func sendAgainCode(_ reason: LeadRefusal.Reason) -> String? {
    guard case .sendAgain(_, let code) = reason else { return nil }
    return code
}

@Suite struct SpentSetTests {
    func key(_ number: Int) -> SpentSet.Key {
        SpentSet.Key((0..<16).map { UInt8(truncatingIfNeeded: number >> (8 * ($0 % 8))) &+ UInt8($0 / 8) })
    }

    @Test func spendsEachKeyOnce() {
        let set = SpentSet()
        #expect(set.spend(key(1), until: 100, now: 0))
        #expect(!set.spend(key(1), until: 100, now: 0))
        #expect(set.spend(key(2), until: 100, now: 0))
        #expect(set.contains(key(1)) && !set.contains(key(3)))
        set.unspend(key(1))
        #expect(!set.contains(key(1)))
        #expect(set.spend(key(1), until: 100, now: 0))
        // Sixteen bytes count; a shorter input is padded, and two keys differing in the second half differ.
        #expect(SpentSet.Key([1, 2]) == SpentSet.Key([1, 2, 0, 0]))
        #expect(SpentSet.Key(Array(repeating: 0, count: 15) + [1]) != SpentSet.Key(Array(repeating: 0, count: 16)))
    }

    @Test func staysWithinItsCapacityDroppingTheExpiredFirstThenTheSoonest() {
        let set = SpentSet(capacity: 100)
        // Half expire at 50, half from 1001 on.
        for index in 0..<100 { #expect(set.spend(key(index), until: index.isMultiple(of: 2) ? 50 : 1000 + index, now: 0)) }
        #expect(set.count == 100)
        // Full at 60: the expired half goes, the rest stays.
        #expect(set.spend(key(1000), until: 2000, now: 60))
        #expect(set.count == 51)
        #expect(!set.contains(key(0)) && set.contains(key(1)))
        // Filled with live entries, a spend drops the tenth that expires soonest.
        for index in 2000..<2049 { #expect(set.spend(key(index), until: 3000 + index, now: 60)) }
        #expect(set.count == 100)
        #expect(set.spend(key(5000), until: 9000, now: 60))
        #expect(set.count <= 100)
        #expect(!set.contains(key(1)) && !set.contains(key(19)), "the ten that expire soonest")
        #expect(set.contains(key(21)))
        #expect(set.contains(key(1000)) && set.contains(key(2048)) && set.contains(key(5000)))
        for index in 0..<10_000 { _ = set.spend(key(10_000 + index), until: 5000, now: 60) }
        #expect(set.count <= 100)
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
