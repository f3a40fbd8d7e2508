import CryptoPrimitives
import FoundationEssentials
import JSON

/// Optional proof of work in the style of ALTCHA: the server hands out a signed SHA-256 puzzle; the form's own
/// script (a Web Worker) finds the number that solves it, costing a real browser a fraction of a second and a
/// bot farm real CPU. No third party is involved. Each solution is accepted once (replay protection).
final class ProofOfWork: Sendable {
    struct Challenge: Equatable, Sendable {
        var algorithm = "SHA-256"
        var challenge: String
        var maxnumber: Int
        var salt: String
        var signature: String

        /// What the form's script reads (ALTCHA's field names).
        var json: JSONValue {
            [
                "algorithm": .string(algorithm), "challenge": .string(challenge),
                "maxnumber": .number(Double(maxnumber)),
                "salt": .string(salt), "signature": .string(signature),
            ]
        }
    }

    /// What the form sends back in `_pow`: base64 of this JSON.
    struct Solution: Sendable {
        var algorithm: String
        var challenge: String
        var number: Int
        var salt: String
        var signature: String
    }

    let key: HMACKey
    let maxNumber: Int
    let lifetime: TimeInterval
    /// Solved challenges until they expire. The process's own, not this object's: a reload that changes the
    /// puzzle's settings makes a new `ProofOfWork`, and solutions spent before must stay spent.
    private let used: SpentSet

    init(secret: [UInt8], maxNumber: Int, lifetime: TimeInterval = 3600, used: SpentSet = SpentSet()) {
        self.key = HMACKey(secret)
        self.maxNumber = maxNumber
        self.lifetime = lifetime
        self.used = used
    }

    func challenge(now: Date) -> Challenge {
        var generator = SystemRandomNumberGenerator()
        let saltBytes = (0..<12).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let salt = CryptoPrimitives.hex(saltBytes) + "?expires=\(Int(now.timeIntervalSince1970 + lifetime))"
        let number = Int.random(in: 0...maxNumber, using: &generator)
        let challenge = Self.hash(salt: salt, number: number)
        return Challenge(
            challenge: challenge, maxnumber: maxNumber, salt: salt,
            signature: sign(salt: salt, challenge: challenge))
    }

    enum Problem: Error, Equatable, Sendable {
        case missing, malformed, forged, wrong, expired, replayed

        /// The machine-readable `error` of a JSON answer.
        var code: String {
            switch self {
            case .missing: "pow_missing"
            case .malformed: "pow_malformed"
            case .forged: "pow_invalid"
            case .wrong: "pow_wrong"
            case .expired: "pow_expired"
            case .replayed: "pow_used"
            }
        }
    }

    /// A solution that checked out and was not used before; `spend` uses it up.
    struct Verified: Sendable, Equatable {
        let challenge: String
        let expires: TimeInterval

        /// The challenge is a SHA-256 in hex; hashed again it gives the 16 bytes it is remembered by.
        var key: SpentSet.Key { SpentSet.Key(CryptoPrimitives.sha256(Array(challenge.utf8))) }
    }

    /// Checks a solution without using it up, so a submission refused for other reasons (a typo in a field) can
    /// come back with the same solution. Whether it was used is `spend`'s to say, after the outbox's duplicate
    /// check: a double click must get the first lead's reference.
    func verify(_ field: String?, now: Date) throws(Problem) -> Verified {
        guard let field, !field.isEmpty else { throw .missing }
        guard field.utf8.count < 2048, let data = Data(base64Encoded: field),
            let json = try? JSONValue.parse(data, maxDepth: 4), let solution = Solution(json: json),
            solution.algorithm == "SHA-256"
        else { throw .malformed }
        guard let expires = Self.expiry(of: solution.salt) else { throw .malformed }
        // Salt and challenge are signed together: a shifted salt ("…?expires=123" + "4") cannot reuse a solution.
        let expected = sign(salt: solution.salt, challenge: solution.challenge)
        guard CryptoPrimitives.constantTimeEquals(Array(solution.signature.utf8), Array(expected.utf8)) else {
            throw .forged
        }
        let time = now.timeIntervalSince1970
        guard expires > time else { throw .expired }
        guard expires <= time + lifetime + 60 else { throw .forged }
        guard (0...maxNumber).contains(solution.number),
            Self.hash(salt: solution.salt, number: solution.number) == solution.challenge
        else { throw .wrong }
        return Verified(challenge: solution.challenge, expires: expires)
    }

    /// Uses up a verified solution; throws `replayed` when it was used in the meantime.
    func spend(_ solution: Verified, now: Date) throws(Problem) {
        let fresh = used.spend(
            solution.key, until: Int(solution.expires), now: Int(now.timeIntervalSince1970))
        guard fresh else { throw .replayed }
    }

    /// Gives a spent solution back: the lead it was spent for was not stored after all.
    func unspend(_ solution: Verified) {
        used.unspend(solution.key)
    }

    static func hash(salt: String, number: Int) -> String {
        CryptoPrimitives.hex(CryptoPrimitives.sha256(Array("\(salt)\(number)".utf8)))
    }

    private func sign(salt: String, challenge: String) -> String {
        CryptoPrimitives.hex(key.authenticate(Array("heroform-pow|\(salt)|\(challenge)".utf8)))
    }

    /// The expiry of a salt of exactly the shape `challenge(now:)` makes: 24 hex digits, `?expires=`, 10 digits.
    private static func expiry(of salt: String) -> TimeInterval? {
        let parts = salt.split(separator: "?", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 24, parts[0].allSatisfy(\.isHexDigit),
            parts[1].hasPrefix("expires="), case let digits = parts[1].dropFirst("expires=".count),
            digits.count == 10, digits.allSatisfy({ $0.isASCII && $0.isNumber })
        else { return nil }
        return TimeInterval(digits)
    }
}

extension ProofOfWork.Solution {
    /// Nil unless every member is there with its type (other members are ignored).
    init?(json: JSONValue) {
        guard let algorithm = json["algorithm"]?.string, let challenge = json["challenge"]?.string,
            let number = json["number"]?.integer, let salt = json["salt"]?.string,
            let signature = json["signature"]?.string
        else { return nil }
        self.init(algorithm: algorithm, challenge: challenge, number: number, salt: salt, signature: signature)
    }
}
