import CryptoPrimitives
import FormCore
import FoundationEssentials
import Glibc
import HTTPServer
import Sockets
import Synchronization

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

    /// What `check` found good and `spend` uses up once the lead is accepted.
    struct Checked: Sendable {
        let token: FormToken.Verified
        /// nil when proof of work is off.
        let solution: ProofOfWork.Verified?
    }

    /// The form token, then the proof of work: checked, not yet spent (see `spend` and `spendToken`).
    func check(_ values: [String: String], form: FormDefinition, now: Date) throws(LeadRefusal.Reason) -> Checked {
        let token: FormToken.Verified
        do {
            token = try tokens.verify(values[Self.tokenField], formID: form.id, now: now)
        } catch {
            throw .sendAgain(.token, code: error.code)
        }
        guard let proofOfWork else { return Checked(token: token, solution: nil) }
        do {
            return Checked(token: token, solution: try proofOfWork.verify(values[Self.proofOfWorkField], now: now))
        } catch {
            throw .sendAgain(.proofOfWork, code: error.code)
        }
    }

    /// Uses up a checked solution, once the lead is otherwise accepted; a second use is refused.
    func spend(_ solution: ProofOfWork.Verified?, now: Date) throws(LeadRefusal.Reason) {
        guard let solution, let proofOfWork else { return }
        do {
            try proofOfWork.spend(solution, now: now)
        } catch {
            throw .sendAgain(.proofOfWork, code: error.code)
        }
    }

    /// The form token's spending, for the outbox to do after its duplicate check (a double click gets the first
    /// lead's reference, not a token error); nil when tokens may be used again.
    func tokenSpending(_ token: FormToken.Verified, now: @escaping @Sendable () -> Date) -> TokenSpending? {
        tokens.spent == nil ? nil : TokenSpending(tokens: tokens, token: token, now: now)
    }
}

/// One submission's form token, spent inside the outbox's turn and given back when its lead is not stored after all
/// (the visitor is told to send again and may do so with the same page).
package final class TokenSpending: Sendable {
    private let tokens: FormToken
    private let token: FormToken.Verified
    private let now: @Sendable () -> Date
    private let spent = Atomic<Bool>(false)

    init(tokens: FormToken, token: FormToken.Verified, now: @escaping @Sendable () -> Date) {
        self.tokens = tokens
        self.token = token
        self.now = now
    }

    /// False when the token was spent on another lead already.
    func spend() -> Bool {
        do {
            try tokens.spend(token, now: now())
        } catch {
            return false
        }
        spent.store(true, ordering: .releasing)
        return true
    }

    /// Gives the token back if this submission spent it.
    func undo() {
        if spent.exchange(false, ordering: .acquiringAndReleasing) { tokens.unspend(token) }
    }
}
