import CryptoPrimitives
import FormCore
import FoundationEssentials
import Glibc
import HTTPServer
import Sockets

/// The cheap checks before a submission is looked at: the rate limit per client, the honeypot, the signed time
/// token. None needs storage or a third party.
struct SubmissionGuard: Sendable {
    /// The hidden field only bots fill in.
    static let honeypotField = "website"
    static let tokenField = "_token"
    static let proofOfWorkField = "_pow"

    let tokens: FormToken
    let limiter: RateLimiter
    let clients: ClientAddress
    /// nil when proof of work is off.
    let proofOfWork: ProofOfWork?

    /// nil when the client may send; else seconds until it may again.
    func rateLimit(_ request: HTTPRequest, now: Date) -> Int? {
        limiter.check(Self.rateLimitKey(clients.of(request)), now: now)
    }

    /// IPv6 clients usually hold a whole /64, so they are counted per /64, not per address.
    static func rateLimitKey(_ address: String) -> String {
        guard let bytes = IPRange.parseAddress(address), bytes.count == 16 else { return address }
        return CryptoPrimitives.hex(Array(bytes.prefix(8))) + "::/64"
    }

    func honeypotTripped(_ values: [String: String]) -> Bool {
        // Nearly always absent or empty; trimming every request's honeypot would show under a flood.
        guard let value = values[Self.honeypotField], !value.isEmpty else { return false }
        return !value.trimmingWhitespaceAndNewlines().isEmpty
    }

    /// The form token, then the proof of work: checked, not yet spent (see `spend`).
    func check(
        _ values: [String: String], form: FormDefinition,
        now: Date
    ) throws(LeadRefusal.Reason) -> ProofOfWork.Verified? {
        if let problem = tokens.problem(with: values[Self.tokenField], formID: form.id, now: now) {
            throw .sendAgain(.token, problem: "\(problem)")
        }
        guard let proofOfWork else { return nil }
        do {
            return try proofOfWork.verify(values[Self.proofOfWorkField], now: now)
        } catch {
            throw .sendAgain(.proofOfWork, problem: "\(error)")
        }
    }

    /// Uses up a checked solution, once the lead is otherwise accepted; a second use is refused.
    func spend(_ solution: ProofOfWork.Verified?, now: Date) throws(LeadRefusal.Reason) {
        guard let solution, let proofOfWork else { return }
        do {
            try proofOfWork.spend(solution, now: now)
        } catch {
            throw .sendAgain(.proofOfWork, problem: "\(error)")
        }
    }
}
