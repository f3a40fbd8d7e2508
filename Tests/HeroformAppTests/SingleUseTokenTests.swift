import Foundation
import HeroStandIn
import HTTPTesting
import Outbox
import Testing
@testable import HeroformApp

/// `security.single_use_tokens`: one accepted lead per form token, a double click still answered with the first
/// lead's reference, and the spent tokens and solutions kept across reloads.
@Suite struct SingleUseTokenTests {
    let lead = #"{"email":"a@b.de","last_name":"Becker","zipcode":"30449","consent":true}"#
    let otherLead = #"{"email":"c@d.de","last_name":"Meyer","zipcode":"30449","consent":true}"#

    func with(_ token: String, _ body: String) -> String { "{\"_token\":\"\(token)\"," + body.dropFirst() }

    @Test func aTokenTakesOneLeadThenAsksToSendAgain() async throws {
        try await withApp(configure: { $0.security.rateLimitSubmissions = 100 }) { server, hero, app in
            let shared = token()
            #expect(try await post(server, with(shared, lead), contentType: "application/json", signed: false).status == 200)
            // The same token from another client with another lead: the friendly send-again, with a code.
            let json = try await post(server, with(shared, otherLead), contentType: "application/json", signed: false)
            #expect(json.status == 422)
            let answer = try #require(jsonObject(json))
            #expect(answer["error"] as? String == "token_used")
            #expect((answer["errors"] as? [String: String])?["_token"] == "Bitte senden Sie das Formular noch einmal – Ihre Eingaben sind noch da.")
            // The HTML form comes back with the input kept and a fresh token that works.
            let html = try await post(server, "_token=\(shared)&" + urlencoded([("email", "c@d.de"), ("last_name", "Meyer"),
                                                                                ("zipcode", "30449"), ("consent", "on")]),
                                      signed: false)
            #expect(html.status == 422)
            #expect(html.text.contains("value=\"Meyer\""))
            let fresh = try #require(html.text.range(of: "name=\"_token\" value=\"").map {
                String(html.text[$0.upperBound...].prefix { $0 != "\"" })
            })
            #expect(fresh != shared)
            #expect(hero.createdProjects.count == 1)
            let counts = try await app.store.perform { try $0.counts() }
            #expect(counts.pending + counts.delivered + counts.failed == 1)
        }
    }

    @Test func aDoubleClickGetsTheFirstLeadsReference() async throws {
        try await withApp { server, hero, _ in
            let shared = token()
            let first = try await post(server, with(shared, lead), contentType: "application/json", signed: false)
            let second = try await post(server, with(shared, lead), contentType: "application/json", signed: false)
            #expect(first.status == 200)
            #expect(second.status == 200, "\(second.text)")
            let reference = try #require(jsonObject(first)?["reference"] as? String)
            #expect(jsonObject(second)?["reference"] as? String == reference)
            #expect(hero.createdProjects.count == 1)
        }
    }

    @Test func aDoubleClickOnTheHTMLFormGoesToTheSameThanksPage() async throws {
        try await withApp { server, hero, _ in
            let body = "_token=\(token())&" + urlencoded([("email", "a@b.de"), ("last_name", "Becker"), ("zipcode", "30449"),
                                                         ("consent", "on")])
            let first = try await post(server, body, signed: false)
            let second = try await post(server, body, signed: false)
            #expect(first.status == 303 && second.status == 303, "\(second.text)")
            #expect(first.header("Location")?.hasPrefix("/thanks?ref=") == true)
            #expect(second.header("Location") == first.header("Location"))
            #expect(hero.createdProjects.count == 1)
        }
    }

    @Test func aDoubleClickWithProofOfWorkGetsTheFirstLeadsReferenceToo() async throws {
        try await withApp(configure: { $0.security.proofOfWork = true; $0.security.proofOfWorkMaxNumber = 2000 }) { server, hero, _ in
            let answer = try await exchange(server, "GET /challenge HTTP/1.1\r\nHost: a\r\n\r\n")
            let solution = try #require(solve(try challenge(from: answer.body)))
            let body = with(token(), "{\"_pow\":\"\(solution)\"," + lead.dropFirst())
            let first = try await post(server, body, contentType: "application/json", signed: false)
            let second = try await post(server, body, contentType: "application/json", signed: false)
            #expect(first.status == 200)
            #expect(second.status == 200, "\(second.text)")
            #expect(jsonObject(second)?["reference"] as? String == jsonObject(first)?["reference"] as? String)
            #expect(hero.createdProjects.count == 1)
        }
    }

    @Test func aLeadRefusedForATypoKeepsItsToken() async throws {
        try await withApp { server, hero, _ in
            let shared = token()
            let typo = try await post(server, with(shared, #"{"email":"typo","last_name":"T","zipcode":"30449","consent":true}"#),
                                      contentType: "application/json", signed: false)
            #expect(typo.status == 422)
            #expect(jsonObject(typo)?["error"] == nil, "a field problem is not a token problem")
            #expect(try await post(server, with(shared, lead), contentType: "application/json", signed: false).status == 200)
            #expect(hero.createdProjects.count == 1)
        }
    }

    @Test func anIdempotencyKeyConflictDoesNotSpendTheToken() async throws {
        try await withApp { server, _, _ in
            #expect(try await post(server, lead, contentType: "application/json", extraHeaders: "Idempotency-Key: k-1\r\n").status == 200)
            let shared = token()
            let conflict = try await post(server, with(shared, otherLead), contentType: "application/json",
                                          extraHeaders: "Idempotency-Key: k-1\r\n", signed: false)
            #expect(conflict.status == 422)
            #expect(jsonObject(conflict)?["error"] == nil)
            #expect(try await post(server, with(shared, otherLead), contentType: "application/json", signed: false).status == 200)
        }
    }

    @Test func offTheSameTokenTakesAnyNumberOfLeads() async throws {
        try await withApp(configure: { $0.security.singleUseTokens = false }) { server, hero, _ in
            let shared = token()
            let first = try await post(server, with(shared, lead), contentType: "application/json", signed: false)
            let second = try await post(server, with(shared, otherLead), contentType: "application/json", signed: false)
            #expect(first.status == 200 && second.status == 200)
            #expect(hero.createdProjects.count == 2)
        }
    }

    @Test func spentTokensAndSolutionsOutliveAReloadThatChangesTheGuards() async throws {
        try await withApp(configure: {
            $0.security.proofOfWork = true
            $0.security.proofOfWorkMaxNumber = 2000
        }) { server, _, app in
            let shared = token()
            let answer = try await exchange(server, "GET /challenge HTTP/1.1\r\nHost: a\r\n\r\n")
            let solution = try #require(solve(try challenge(from: answer.body)))
            let solved = "{\"_pow\":\"\(solution)\"," + lead.dropFirst()
            #expect(try await post(server, with(shared, solved), contentType: "application/json", signed: false).status == 200)

            // New puzzle settings and a new minimum fill time: both guards are made again.
            var changed = app.config
            changed.security.proofOfWorkMaxNumber = 3000
            changed.security.minFillTime = 1
            _ = try app.reload(changed)
            let again = try await exchange(server, "GET /challenge HTTP/1.1\r\nHost: a\r\n\r\n")
            let newSolution = try #require(solve(try challenge(from: again.body)))
            let replayedToken = try await post(server, with(shared, "{\"_pow\":\"\(newSolution)\"," + otherLead.dropFirst()),
                                               contentType: "application/json", signed: false)
            #expect(replayedToken.status == 422)
            #expect(jsonObject(replayedToken)?["error"] as? String == "token_used")
            let replayedSolution = try await post(server, "{\"_pow\":\"\(solution)\"," + otherLead.dropFirst(), contentType: "application/json")
            #expect(replayedSolution.status == 422)
            #expect(jsonObject(replayedSolution)?["error"] as? String == "pow_used")

            // Proof of work off: the token alone is checked, and it is still spent.
            changed.security.proofOfWork = false
            _ = try app.reload(changed)
            let withoutPow = try await post(server, with(shared, otherLead), contentType: "application/json", signed: false)
            #expect(jsonObject(withoutPow)?["error"] as? String == "token_used")
        }
    }

    /// Every kind of refused token and solution names itself in `error`, beside the message for a person.
    @Test(arguments: [
        ("", "token_missing"), ("not-a-token", "token_malformed"), ("1800000000.AAAAAAAAAAAAAAAA.AAAA", "token_invalid"),
        ("expired", "token_expired"), ("fresh", "too_fast"),
    ])
    func tokenRefusalsCarryACode(_ literal: String, _ code: String) async throws {
        try await withApp { server, _, _ in
            let sent = switch literal {
            case "expired": token(age: 25 * 3600)
            case "fresh": token(age: -30)
            default: literal
            }
            let body = sent.isEmpty ? lead : with(sent, lead)
            let response = try await post(server, body, contentType: "application/json", signed: false)
            #expect(response.status == 422)
            #expect(jsonObject(response)?["error"] as? String == code)
            #expect(jsonObject(response)?["message"] as? String == "Bitte senden Sie das Formular noch einmal – Ihre Eingaben sind noch da.")
        }
    }

    @Test func proofOfWorkRefusalsCarryACode() async throws {
        try await withApp(configure: { $0.security.proofOfWork = true; $0.security.proofOfWorkMaxNumber = 2000 }) { server, _, _ in
            let missing = try await post(server, lead, contentType: "application/json")
            #expect(jsonObject(missing)?["error"] as? String == "pow_missing")
            let malformed = try await post(server, "{\"_pow\":\"!!\"," + lead.dropFirst(), contentType: "application/json")
            #expect(jsonObject(malformed)?["error"] as? String == "pow_malformed")
        }
    }
}
