import Foundation
import JSON
import Testing
@testable import HeroformApp

/// Solves a challenge the slow way, as the browser's worker does.
func solve(_ challenge: ProofOfWork.Challenge) -> String? {
    for number in 0...challenge.maxnumber where ProofOfWork.hash(salt: challenge.salt, number: number) == challenge.challenge {
        let solution = ProofOfWork.Solution(algorithm: challenge.algorithm, challenge: challenge.challenge, number: number,
                                            salt: challenge.salt, signature: challenge.signature)
        return encoded(solution)
    }
    return nil
}

/// A solution as the browser's worker sends it: base64 of its JSON.
func encoded(_ solution: ProofOfWork.Solution) -> String {
    let json: JSONValue = [
        "algorithm": .string(solution.algorithm), "challenge": .string(solution.challenge),
        "number": .number(Double(solution.number)), "salt": .string(solution.salt),
        "signature": .string(solution.signature),
    ]
    return Data(json.serializedBytes()).base64EncodedString()
}

/// The solution in a `_pow` value, read as the server reads it.
func decoded(_ field: String) throws -> ProofOfWork.Solution {
    let data = try #require(Data(base64Encoded: field))
    return try #require(ProofOfWork.Solution(json: JSONValue.parse(data)))
}

/// A `/challenge` answer read as the form's script reads it.
func challenge(from body: [UInt8]) throws -> ProofOfWork.Challenge {
    let json = try JSONValue.parse(body)
    guard let algorithm = json["algorithm"]?.string, let challenge = json["challenge"]?.string,
          let maxnumber = json["maxnumber"]?.integer, let salt = json["salt"]?.string,
          let signature = json["signature"]?.string else { throw ChallengeMissing() }
    return ProofOfWork.Challenge(algorithm: algorithm, challenge: challenge, maxnumber: maxnumber, salt: salt,
                                 signature: signature)
}

struct ChallengeMissing: Error {}

/// What a submission's solution meets: checked, then spent; nil when both pass.
func problem(_ pow: ProofOfWork, _ field: String?, now: Date) -> ProofOfWork.Problem? {
    do {
        try pow.spend(try pow.verify(field, now: now), now: now)
        return nil
    } catch {
        return error
    }
}

@Suite struct ProofOfWorkTests {
    let pow = ProofOfWork(secret: Array("0123456789abcdef0123456789abcdef".utf8), maxNumber: 2000, lifetime: 600)
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aSolvedChallengeIsAcceptedOnce() throws {
        let challenge = pow.challenge(now: now)
        #expect(challenge.algorithm == "SHA-256")
        #expect(challenge.maxnumber == 2000)
        #expect(challenge.salt.hasSuffix("?expires=1800000600"))
        let solution = try #require(solve(challenge))
        #expect(problem(pow, solution, now: now) == nil)
        #expect(problem(pow, solution, now: now) == .replayed)
    }

    @Test func theChallengeIsItsJSON() throws {
        let made = pow.challenge(now: now)
        #expect(try challenge(from: made.json.serializedBytes()) == made)
    }

    @Test func everyBadSolutionIsRefused() throws {
        let challenge = pow.challenge(now: now)
        let good = try #require(solve(challenge))
        #expect(problem(pow, nil, now: now) == .missing)
        #expect(problem(pow, "%%%", now: now) == .malformed)
        #expect(problem(pow, Data("{}".utf8).base64EncodedString(), now: now) == .malformed)
        #expect(problem(pow, Data(#"{"algorithm":"SHA-256","number":"7"}"#.utf8).base64EncodedString(), now: now)
            == .malformed)
        #expect(problem(pow, good, now: now.addingTimeInterval(601)) == .expired)

        var wrong = try decoded(good)
        wrong.number = (wrong.number + 1) % 2001
        #expect(problem(pow, encoded(wrong), now: now) == .wrong)

        var forged = wrong
        forged.challenge = ProofOfWork.hash(salt: forged.salt, number: forged.number)
        #expect(problem(pow, encoded(forged), now: now) == .forged)

        let otherKey = ProofOfWork(secret: Array("another-secret-another-secret-xx".utf8), maxNumber: 2000)
        #expect(problem(otherKey, good, now: now) == .forged)

        // Moving a digit from the number into the salt keeps the hash but not the signature.
        let original = try decoded(good)
        if original.number >= 10 {
            var shifted = original
            shifted.salt += String(String(original.number).dropLast())
            shifted.number = Int(String(String(original.number).suffix(1))) ?? 0
            #expect(ProofOfWork.hash(salt: shifted.salt, number: shifted.number) == original.challenge)
            #expect(problem(pow, encoded(shifted), now: now) != nil)
        }
    }

    /// Checking does not use a solution up (a typo in a field costs nothing); spending does, once. Checking a spent
    /// one still passes: the outbox's duplicate check comes first (a double click gets its reference), then `spend`.
    @Test func checkingLeavesASolutionUnspentUntilItIsSpent() throws {
        let solution = try #require(solve(pow.challenge(now: now)))
        let verified = try pow.verify(solution, now: now)
        #expect(try pow.verify(solution, now: now) == verified)
        try pow.spend(verified, now: now)
        #expect(try pow.verify(solution, now: now) == verified)
        #expect(throws: ProofOfWork.Problem.replayed) { try pow.spend(verified, now: now) }
    }
}
