import Foundation
import Testing
@testable import HeroformApp

/// The rate limiter remembers at most `maxEntries` keys, forgetting the one used least recently.
@Suite struct RateLimiterCapTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func theDefaultCapIsAHundredThousand() {
        #expect(RateLimiter(limit: 5, window: 600).maxEntries == 100_000)
    }

    @Test func manyDistinctKeysStayWithinTheCap() {
        let limiter = RateLimiter(limit: 5, window: 600, maxEntries: 1000)
        for index in 0..<20_000 { _ = limiter.check("client-\(index)", now: t0) }
        #expect(limiter.entryCount == 1000)
        #expect(limiter.recencyCount <= 2 * 1000 + 1024)
        // The newest are the ones remembered.
        for _ in 0..<4 { #expect(limiter.check("client-19999", now: t0) == nil) }
        #expect(limiter.check("client-19999", now: t0) != nil)
    }

    @Test func theLeastRecentlyUsedKeyIsForgottenNotTheOldestMade() {
        let limiter = RateLimiter(limit: 1, window: 600, maxEntries: 3)
        #expect(limiter.check("attacker", now: t0) == nil)
        #expect(limiter.check("b", now: t0) == nil)
        #expect(limiter.check("c", now: t0) == nil)
        // Held at its limit, it keeps trying: each refusal is a use.
        #expect(limiter.check("attacker", now: t0) != nil)
        #expect(limiter.check("d", now: t0) == nil)
        #expect(limiter.entryCount == 3)
        #expect(limiter.check("attacker", now: t0) != nil, "made first, used last: still remembered")
        #expect(limiter.check("b", now: t0) == nil, "b was used least recently and forgotten: a fresh allowance")
    }

    @Test func aLimitedClientCannotPushItselfOutWhileItKeepsSending() {
        let limiter = RateLimiter(limit: 1, window: 600, maxEntries: 100)
        #expect(limiter.check("attacker", now: t0) == nil)
        for index in 0..<5000 {
            _ = limiter.check("made-up-\(index)", now: t0)
            #expect(limiter.check("attacker", now: t0) != nil, "after \(index) made-up keys")
        }
        #expect(limiter.entryCount == 100)
    }

    @Test func quietKeysAreForgottenOnlyAfterAsManyNewOnesAsTheCap() {
        let limiter = RateLimiter(limit: 1, window: 600, maxEntries: 100)
        #expect(limiter.check("visitor", now: t0) == nil)
        for index in 0..<99 { _ = limiter.check("other-\(index)", now: t0) }
        #expect(limiter.check("visitor", now: t0) != nil, "99 newer keys fit beside it")
        for index in 0..<99 { _ = limiter.check("more-\(index)", now: t0) }
        #expect(limiter.check("visitor", now: t0) != nil, "its refusal just now made it recent again")
        for index in 0..<100 { _ = limiter.check("yet-more-\(index)", now: t0) }
        #expect(limiter.check("visitor", now: t0) == nil, "a hundred newer keys pushed it out")
    }
}
