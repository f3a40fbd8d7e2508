import CryptoPrimitives
import FoundationEssentials
import Glibc
import Synchronization

/// The signed time token `_token`: when the form was handed out, and for which form, signed with HMAC-SHA256.
/// A bot that posts without loading the form has none; one that posts faster than a person can type has one
/// that is too young; an old one has expired. With `spent` (`security.single_use_tokens`, on by default) each
/// token is good for one accepted lead; a random nonce makes every page load's token its own, so two visitors
/// who load the page in the same second do not share one.
///
/// Format: `<issued unix seconds>.<nonce>.<signature>`, the nonce 12 random bytes in base64url (16 characters), the
/// signature base64url of HMAC-SHA256(secret, "heroform-token|v2|<form id>|<issued>|<nonce>").
struct FormToken: Sendable {
    let key: HMACKey
    private let recent = RecentSignatures()
    /// A token younger than this is refused: nobody fills in a contact form that fast.
    let minimumAge: TimeInterval
    let maximumAge: TimeInterval
    /// The tokens spent on accepted leads; nil when tokens may be used again (load tests and benchmarks).
    let spent: SpentSet?

    static let nonceLength = 16

    init(secret: [UInt8], minimumAge: TimeInterval, maximumAge: TimeInterval, spent: SpentSet? = nil) {
        key = HMACKey(secret)
        self.minimumAge = minimumAge
        self.maximumAge = maximumAge
        self.spent = spent
    }

    enum Problem: String, Error, Equatable, Sendable {
        case missing, malformed, forged, expired, tooFresh, used

        /// The machine-readable `error` of a JSON answer.
        var code: String {
            switch self {
            case .missing: "token_missing"
            case .malformed: "token_malformed"
            case .forged: "token_invalid"
            case .expired: "token_expired"
            case .tooFresh: "too_fast"
            case .used: "token_used"
            }
        }
    }

    /// A token that checked out, not yet spent: what `spend` needs to use it up.
    struct Verified: Sendable, Equatable {
        let key: SpentSet.Key
        /// After this unix second the token is expired anyway, so the spent set may forget it.
        let until: Int
    }

    func issue(formID: String, at date: Date) -> String {
        let issued = Int(date.timeIntervalSince1970)
        let nonce = CryptoPrimitives.base64URL(Self.nonceBytes())
        let mac = key.authenticate(Self.message(formID: formID, issued: issued, nonce: nonce))
        return "\(issued).\(nonce).\(CryptoPrimitives.base64URL(mac))"
    }

    /// nil when the token is good for `formID` at `now` (whether it was spent is `spend`'s business).
    func problem(with token: String?, formID: String, now: Date) -> Problem? {
        do {
            _ = try verify(token, formID: formID, now: now)
            return nil
        } catch {
            return error
        }
    }

    /// Checks signature and age without spending the token: a submission refused for a typo can come back with it,
    /// and a double click must reach the outbox's duplicate check, which comes before `spend`.
    func verify(_ token: String?, formID: String, now: Date) throws(Problem) -> Verified {
        guard let token, !token.isEmpty else { throw .missing }
        let bytes = Array(token.utf8)
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3, (1...12).contains(parts[0].count), parts[1].count == Self.nonceLength,
            parts[1].allSatisfy(Self.isBase64URL),
            let issued = Int(String(decoding: parts[0], as: UTF8.self)), issued > 0
        else { throw .malformed }
        let nonce = String(decoding: parts[1], as: UTF8.self)
        let expected = signature(formID: formID, issued: issued, nonce: nonce)
        guard CryptoPrimitives.constantTimeEquals(Array(parts[2]), expected.text) else { throw .forged }
        let age = now.timeIntervalSince1970 - TimeInterval(issued)
        // A little clock skew between replicas is fine; a token from the future is not.
        if age < -60 { throw .forged }
        if age > maximumAge { throw .expired }
        if age < minimumAge { throw .tooFresh }
        return Verified(key: expected.key, until: issued + Int(maximumAge.rounded(.up)) + 1)
    }

    /// Uses a verified token up; throws `used` when it was spent before. Does nothing when tokens may be reused.
    func spend(_ token: Verified, now: Date) throws(Problem) {
        guard let spent else { return }
        guard spent.spend(token.key, until: token.until, now: Int(now.timeIntervalSince1970)) else { throw .used }
    }

    /// Gives a spent token back: the lead it was spent for was not stored after all.
    func unspend(_ token: Verified) {
        spent?.unspend(token.key)
    }

    /// A flood that replays one token (a benchmark with single-use tokens off, or a bot) asks for the same signature
    /// again and again: each is computed once and remembered for a while.
    func signature(formID: String, issued: Int, nonce: String) -> RecentSignatures.Signature {
        let slot = RecentSignatures.Slot(formID: formID, issued: issued, nonce: nonce)
        if let known = recent.entries.withLock({ $0[slot] }) { return known }
        let mac = key.authenticate(Self.message(formID: formID, issued: issued, nonce: nonce))
        let signature = RecentSignatures.Signature(
            text: Array(CryptoPrimitives.base64URL(mac).utf8), key: SpentSet.Key(mac))
        recent.entries.withLock { entries in
            // Bounded: tokens of any age can be sent, but only this many are kept.
            if entries.count >= RecentSignatures.capacity { entries.removeAll(keepingCapacity: true) }
            entries[slot] = signature
        }
        return signature
    }

    /// 12 random bytes. Every form page is issued a token, so from OpenSSL's generator, which runs in user space;
    /// the system's (a syscall per 8 bytes) only if OpenSSL's fails.
    private static func nonceBytes() -> [UInt8] {
        if let bytes = CryptoPrimitives.randomBytes(12) { return bytes }
        var generator = SystemRandomNumberGenerator()
        let words: [UInt64] = [generator.next(), generator.next()]
        return Array(words.flatMap { word in (0..<8).map { UInt8(truncatingIfNeeded: word >> ($0 * 8)) } }.prefix(12))
    }

    private static func message(formID: String, issued: Int, nonce: String) -> [UInt8] {
        Array("heroform-token|v2|\(formID)|\(issued)|\(nonce)".utf8)
    }

    private static func isBase64URL(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default: false
        }
    }
}

/// Signatures computed lately, shared by copies of a `FormToken`.
final class RecentSignatures: Sendable {
    struct Slot: Hashable, Sendable {
        let formID: String
        let issued: Int
        let nonce: String
    }

    /// The signature as the token carries it, and the key it is spent under.
    struct Signature: Sendable, Equatable {
        let text: [UInt8]
        let key: SpentSet.Key
    }

    static let capacity = 1024
    let entries = Mutex<[Slot: Signature]>([:])
}
