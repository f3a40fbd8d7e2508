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

    /// What `check` found good, for `spending` to use up once the lead is accepted.
    struct Checked: Sendable {
        let token: FormToken.Verified
        /// nil when proof of work is off.
        let solution: ProofOfWork.Verified?
    }

    /// The form token, then the proof of work: checked, not yet spent (see `spending`).
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

    /// What the outbox spends once it knows the lead is new, after its duplicate check: a double click gets the first
    /// lead's reference, not a token or puzzle error, and a lead refused for a typo costs nothing. nil when there is
    /// nothing to spend (single-use tokens off, no proof of work).
    func spending(_ checked: Checked, now: @escaping @Sendable () -> Date) -> GuardSpending? {
        let token = tokens.spent == nil ? nil : checked.token
        let solution = proofOfWork == nil ? nil : checked.solution
        guard token != nil || solution != nil else { return nil }
        return GuardSpending(tokens: tokens, token: token, proofOfWork: proofOfWork, solution: solution, now: now)
    }
}

/// One submission's form token and proof-of-work solution, spent inside the outbox's turn and given back when its
/// lead is not stored after all (the visitor is told to send again and may do so with the same page).
package final class GuardSpending: Sendable {
    private let tokens: FormToken
    private let token: FormToken.Verified?
    private let proofOfWork: ProofOfWork?
    private let solution: ProofOfWork.Verified?
    private let now: @Sendable () -> Date
    private let spent = Atomic<Bool>(false)
    /// Why `spend` said no, once it did.
    private let refused = Mutex<LeadRefusal.Reason?>(nil)

    init(
        tokens: FormToken, token: FormToken.Verified?, proofOfWork: ProofOfWork?, solution: ProofOfWork.Verified?,
        now: @escaping @Sendable () -> Date
    ) {
        self.tokens = tokens
        self.token = token
        self.proofOfWork = proofOfWork
        self.solution = solution
        self.now = now
    }

    /// Spends the token, then the solution; false (and nothing spent) when either was spent on another lead already.
    func spend() -> Bool {
        let date = now()
        if let token {
            do {
                try tokens.spend(token, now: date)
            } catch {
                refused.withLock { $0 = .sendAgain(.token, code: error.code) }
                return false
            }
        }
        if let solution, let proofOfWork {
            do {
                try proofOfWork.spend(solution, now: date)
            } catch {
                if let token { tokens.unspend(token) }
                refused.withLock { $0 = .sendAgain(.proofOfWork, code: error.code) }
                return false
            }
        }
        spent.store(true, ordering: .releasing)
        return true
    }

    /// Why `spend` said no (a token or a solution used before).
    var refusal: LeadRefusal.Reason {
        refused.withLock { $0 } ?? .sendAgain(.token, code: FormToken.Problem.used.code)
    }

    /// Gives back what this submission spent.
    func undo() {
        guard spent.exchange(false, ordering: .acquiringAndReleasing) else { return }
        if let token { tokens.unspend(token) }
        if let solution { proofOfWork?.unspend(solution) }
    }
}
