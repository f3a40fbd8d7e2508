import Testing
@testable import Outbox

@Suite struct RetryPolicyTests {
    let policy = RetryPolicy()

    @Test func firstRetryComesWithinAMinute() {
        for random in [0.0, 0.5, 0.999] {
            let delay = policy.delay(afterFailures: 1, random: random)
            #expect(delay >= 24 && delay <= 36 && delay < 60)
        }
    }

    @Test func delaysGrowExponentiallyUpToAnHour() {
        let middle = (1...10).map { policy.delay(afterFailures: $0, random: 0.5) }
        #expect(middle == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600])
        #expect(policy.delay(afterFailures: 1000, random: 0.999) == 3600)
        #expect(policy.delay(afterFailures: 8, random: 0) == 3600 * 0.8)
    }

    @Test func jitterSpreadsRetries() {
        let low = policy.delay(afterFailures: 3, random: 0)
        let high = policy.delay(afterFailures: 3, random: 0.999)
        #expect(low == 96)
        #expect(high > 143 && high <= 144)
    }

    @Test func defaultsMatchTheDocumentation() {
        #expect(policy.maxAge == 7 * 86400)
        #expect(policy.keyRejectedDelay == 900)
    }
}
