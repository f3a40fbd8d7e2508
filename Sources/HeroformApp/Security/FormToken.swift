import CryptoPrimitives
import FoundationEssentials
import Glibc
import Synchronization

/// The signed time token `_token`: when the form was handed out, and for which form, signed with HMAC-SHA256.
/// A bot that posts without loading the form has none; one that posts faster than a person can type has one
/// that is too young; an old one has expired. Nothing is stored on the server.
///
/// Format: `<issued unix seconds>.<base64url HMAC-SHA256(secret, "heroform-token|v1|<form id>|<issued>")>`.
struct FormToken: Sendable {
    let key: HMACKey
    private let recent = RecentSignatures()
    /// A token younger than this is refused: nobody fills in a contact form that fast.
    let minimumAge: TimeInterval
    let maximumAge: TimeInterval

    init(secret: [UInt8], minimumAge: TimeInterval, maximumAge: TimeInterval) {
        key = HMACKey(secret)
        self.minimumAge = minimumAge
        self.maximumAge = maximumAge
    }

    enum Problem: Equatable, Sendable {
        case missing, malformed, forged, expired, tooFresh
    }

    func issue(formID: String, at date: Date) -> String {
        let issued = Int(date.timeIntervalSince1970)
        return "\(issued).\(signature(formID: formID, issued: issued))"
    }

    /// nil when the token is good for `formID` at `now`.
    func problem(with token: String?, formID: String, now: Date) -> Problem? {
        guard let token, !token.isEmpty else { return .missing }
        let bytes = Array(token.utf8)
        guard let dot = bytes.firstIndex(of: UInt8(ascii: ".")), dot <= 12,
            !bytes[(dot + 1)...].contains(UInt8(ascii: ".")),
            let issued = Int(String(decoding: bytes[..<dot], as: UTF8.self)), issued > 0
        else { return .malformed }
        let expected = Array(signature(formID: formID, issued: issued).utf8)
        guard CryptoPrimitives.constantTimeEquals(Array(bytes[(dot + 1)...]), expected) else { return .forged }
        let age = now.timeIntervalSince1970 - TimeInterval(issued)
        // A little clock skew between replicas is fine; a token from the future is not.
        if age < -60 { return .forged }
        if age > maximumAge { return .expired }
        if age < minimumAge { return .tooFresh }
        return nil
    }

    /// A signature depends only on the form and the second it was issued, so every page served in one second
    /// carries the same token, and a flood replays one: each is computed once and remembered for a while.
    func signature(formID: String, issued: Int) -> String {
        let slot = RecentSignatures.Slot(formID: formID, issued: issued)
        if let known = recent.entries.withLock({ $0[slot] }) { return known }
        let signature = CryptoPrimitives.base64URL(
            key.authenticate(Array("heroform-token|v1|\(formID)|\(issued)".utf8)))
        recent.entries.withLock { entries in
            // Bounded: tokens of any age can be sent, but only this many are kept.
            if entries.count >= RecentSignatures.capacity { entries.removeAll(keepingCapacity: true) }
            entries[slot] = signature
        }
        return signature
    }
}

/// Signatures computed lately, shared by copies of a `FormToken`.
final class RecentSignatures: Sendable {
    struct Slot: Hashable, Sendable {
        let formID: String
        let issued: Int
    }

    static let capacity = 1024
    let entries = Mutex<[Slot: String]>([:])
}
