package import FoundationEssentials
import Glibc

/// When to try again. Exponential backoff with jitter, so a HERO outage does not end in a synchronized stampede.
package struct RetryPolicy: Sendable, Equatable {
    /// The first retry comes after about this long (jittered), well within a minute.
    package var firstDelay: TimeInterval = 30
    package var maxDelay: TimeInterval = 3600
    /// ± this fraction of the delay.
    package var jitter: Double = 0.2
    /// While HERO refuses the API key: slow, steady retries, so a fixed key delivers soon and a wrong one
    /// never burns leads.
    package var keyRejectedDelay: TimeInterval = 900
    /// How long a lead is tried before it becomes `failed`.
    package var maxAge: TimeInterval = 7 * 24 * 3600

    package init() {}

    /// The delay after `failures` failed attempts (1 for the first), with `random` in 0..<1 choosing the jitter.
    package func delay(afterFailures failures: Int, random: Double) -> TimeInterval {
        let exponent = Double(max(0, min(failures - 1, 30)))
        let base = min(maxDelay, firstDelay * pow(2, exponent))
        let jittered = base * (1 + jitter * (2 * random - 1))
        return min(maxDelay, max(1, jittered))
    }
}
