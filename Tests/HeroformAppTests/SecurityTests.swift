import Foundation
import HTTPServer
import HTTPTesting
import HeroStandIn
import Outbox
import Testing
@testable import HeroformApp

/// The spam traps, limits and policies of POST /leads and /token, over real sockets.
@Suite struct SecurityTests {
    let lead = #"{"email":"a@b.de","last_name":"Becker","zipcode":"30449","consent":true}"#

    @Test func filledHoneypotLooksLikeSuccessButKeepsNothing() async throws {
        try await withApp { server, hero, app in
            let json = try await post(server, #"{"email":"bot@spam.example","last_name":"Bot","zipcode":"30449","consent":true,"website":"http://spam.example"}"#,
                                      contentType: "application/json")
            #expect(json.status == 200)
            let answer = try #require(jsonObject(json))
            #expect(answer["status"] as? String == "success")
            #expect(Reference.isWellFormed(answer["reference"] as? String ?? ""))
            #expect(Set(answer.keys) == ["status", "reference"])
            let html = try await post(server, urlencoded([("email", "bot@spam.example"), ("last_name", "Bot"), ("zipcode", "30449"),
                                                          ("consent", "on"), ("website", "x")]))
            #expect(html.status == 303)
            #expect(html.header("Location")?.hasPrefix("/thanks?ref=") == true)
            #expect(try await app.store.perform { try $0.counts() } == .init())
            #expect(hero.calls.isEmpty)
        }
    }

    @Test func formPageCarriesTokenAndAHiddenHoneypot() async throws {
        try await withApp { server, _, _ in
            let page = try await exchange(server, "GET / HTTP/1.1\r\nHost: a\r\n\r\n").text
            #expect(page.contains("name=\"_token\" value=\""))
            #expect(page.contains("<div class=\"hf-hp\" aria-hidden=\"true\">"))
            #expect(page.contains("name=\"website\" value=\"\" tabindex=\"-1\" autocomplete=\"off\""))
            #expect(!page.contains("type=\"hidden\" name=\"website\""))
        }
    }

    /// Tokens are made when the test runs (not when arguments are listed), so their age is what it says.
    @Test(arguments: [
        BadToken("missing", literal: ""), BadToken("forged", literal: "1800000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        // "Too fresh" is issued 30 s ahead (within the allowed clock skew), so a slow test run cannot age it past 3 s.
        BadToken("malformed", literal: "not-a-token"), BadToken("expired", age: 25 * 3600), BadToken("too fresh", age: -30),
        BadToken("other form", form: "english"), BadToken("from the future", age: -3600),
    ])
    func badTokensAreRefusedWithAFriendlyRetry(_ badToken: BadToken) async throws {
        let name = badToken.name
        try await withApp { server, hero, _ in
            let bad = badToken.make()
            let body = bad.isEmpty ? lead : "{\"_token\":\"\(bad)\"," + lead.dropFirst()
            let response = try await post(server, body, contentType: "application/json", signed: false)
            #expect(response.status == 422, "\(name)")
            let answer = try #require(jsonObject(response))
            #expect((answer["errors"] as? [String: String])?["_token"] == "Bitte senden Sie das Formular noch einmal – Ihre Eingaben sind noch da.")
            #expect(hero.calls.isEmpty)
        }
    }

    @Test func htmlTokenFailureShowsTheFormAgainWithAFreshToken() async throws {
        try await withApp { server, _, _ in
            let response = try await post(server, urlencoded([("email", "a@b.de"), ("last_name", "Weiß"), ("zipcode", "30449"), ("consent", "on")]),
                                          signed: false)
            #expect(response.status == 422)
            #expect(response.text.contains("value=\"Weiß\""))
            #expect(response.text.contains("Bitte senden Sie das Formular noch einmal"))
            let fresh = try #require(response.text.range(of: "name=\"_token\" value=\""))
            let issued = response.text[fresh.upperBound...].prefix { $0 != "." }
            #expect(issued.count >= 10 && issued.allSatisfy { $0.isNumber })
        }
    }

    @Test func tokenEndpointHandsOutWorkingTokens() async throws {
        try await withApp(configure: { $0.security.minFillTime = 0 }) { server, hero, _ in
            let response = try await exchange(server, "GET /token?form=english HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(response.status == 200)
            #expect(response.header("Cache-Control") == "no-store")
            let fresh = try #require(jsonObject(response)?["token"] as? String)
            let body = urlencoded([("form", "english"), ("email", "t@example.com"), ("last_name", "T"), ("zipcode", "30449"),
                                   ("consent", "on"), ("_token", fresh)])
            let sent = try await post(server, body, accept: "application/json", signed: false)
            #expect(sent.status == 200, "\(sent.text)")
            #expect(hero.createdProjects.count == 1)
            #expect(try await exchange(server, "GET /token?form=nope HTTP/1.1\r\nHost: a\r\n\r\n").status == 404)
        }
    }

    @Test func tokenYoungerThanTheMinimumFillTimeIsRefused() async throws {
        // A minute, so that even a slow, loaded test machine cannot take longer between the two requests.
        try await withApp(configure: { $0.security.minFillTime = 60 }) { server, _, _ in
            let fresh = try #require(jsonObject(try await exchange(server, "GET /token HTTP/1.1\r\nHost: a\r\n\r\n"))?["token"] as? String)
            let response = try await post(server, "{\"_token\":\"\(fresh)\"," + lead.dropFirst(), contentType: "application/json", signed: false)
            #expect(response.status == 422)
        }
    }

    @Test func proofOfWorkWhenEnabled() async throws {
        try await withApp(configure: {
            $0.security.proofOfWork = true
            $0.security.proofOfWorkMaxNumber = 2000
            $0.security.rateLimitSubmissions = 100
        }) { server, hero, _ in
            let page = try await exchange(server, "GET / HTTP/1.1\r\nHost: a\r\n\r\n").text
            #expect(page.contains("data-pow=\"/challenge?form=default\""))
            #expect(page.contains("<input type=\"hidden\" name=\"_pow\" value=\"\">"))
            #expect(page.contains("<script src=\"/assets/pow.js\" defer></script>"))
            #expect(try await exchange(server, "GET /assets/pow-worker.js HTTP/1.1\r\nHost: a\r\n\r\n").status == 200)

            let unsolved = try await post(server, lead, contentType: "application/json")
            #expect(unsolved.status == 422)
            #expect((jsonObject(unsolved)?["errors"] as? [String: String])?["_pow"] != nil)

            let answer = try await exchange(server, "GET /challenge?form=default HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(answer.header("Cache-Control") == "no-store")
            let solution = try #require(solve(try challenge(from: answer.body)))
            let body = "{\"_pow\":\"\(solution)\"," + lead.dropFirst()
            #expect(try await post(server, body, contentType: "application/json").status == 200)
            #expect(hero.createdProjects.count == 1)
            // A submission refused for a field keeps its solution: corrected, it goes through with the same one.
            let again = try await exchange(server, "GET /challenge HTTP/1.1\r\nHost: a\r\n\r\n")
            let second = try challenge(from: again.body)
            let secondSolution = try #require(solve(second))
            let typo = try await post(server, "{\"_pow\":\"\(secondSolution)\",\"email\":\"typo\",\"last_name\":\"T\",\"zipcode\":\"30449\",\"consent\":true}",
                                      contentType: "application/json")
            #expect(typo.status == 422)
            #expect((jsonObject(typo)?["errors"] as? [String: String])?["email"] != nil)
            let corrected = try await post(server, "{\"_pow\":\"\(secondSolution)\",\"email\":\"t@example.org\",\"last_name\":\"T\",\"zipcode\":\"30449\",\"consent\":true}",
                                           contentType: "application/json")
            #expect(corrected.status == 200)
            #expect(hero.createdProjects.count == 2)
            // A request refused for its Idempotency-Key does not use the solution up either.
            let thirdAnswer = try await exchange(server, "GET /challenge HTTP/1.1\r\nHost: a\r\n\r\n")
            let third = try challenge(from: thirdAnswer.body)
            let thirdSolution = try #require(solve(third))
            let thirdLead = "{\"_pow\":\"\(thirdSolution)\",\"email\":\"k@example.org\",\"last_name\":\"K\",\"zipcode\":\"30449\",\"consent\":true}"
            let badKey = try await post(server, thirdLead, contentType: "application/json",
                                        extraHeaders: "Idempotency-Key: has space\r\n")
            #expect(badKey.status == 400)
            #expect(try await post(server, thirdLead, contentType: "application/json",
                                   extraHeaders: "Idempotency-Key: k-1\r\n").status == 200)
            #expect(hero.createdProjects.count == 3)
            // The same solution a second time is a replay.
            #expect(try await post(server, body.replacingOccurrences(of: "Becker", with: "Other"), contentType: "application/json").status == 422)
            #expect(hero.createdProjects.count == 3)
        }
        try await withApp { server, _, _ in
            let challenge = try await exchange(server, "GET /challenge HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(challenge.status == 404, "off by default")
            let page = try await exchange(server, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(!page.text.contains("_pow"))
        }
    }

    @Test func rateLimitAnswers429PerClient() async throws {
        try await withApp(configure: { $0.security.rateLimitSubmissions = 2 }) { server, _, _ in
            for index in 0..<2 {
                let body = #"{"email":"r\#(index)@b.de","last_name":"R","zipcode":"30449","consent":true}"#
                #expect(try await post(server, body, contentType: "application/json").status == 200)
            }
            let json = try await post(server, lead, contentType: "application/json")
            #expect(json.status == 429)
            let retryAfter = try #require(json.header("Retry-After").flatMap(Int.init))
            #expect(retryAfter > 500 && retryAfter <= 600)
            #expect(jsonObject(json)?["status"] as? String == "error")
            let html = try await post(server, urlencoded([("email", "x@y.de")]))
            #expect(html.status == 429)
            #expect(html.text.contains("Zu viele Anfragen"))
            // The peer is not a trusted proxy, so its X-Forwarded-For changes nothing.
            let spoofed = try await post(server, lead, contentType: "application/json", extraHeaders: "X-Forwarded-For: 203.0.113.9\r\n")
            #expect(spoofed.status == 429)
            // Before any form is known, the refusal speaks the visitor's language.
            let english = try await post(server, urlencoded([("email", "x@y.de")]),
                                         extraHeaders: "Accept-Language: en-GB,en;q=0.9,de;q=0.5\r\n")
            #expect(english.status == 429)
            #expect(english.text.contains("Too many requests"), "\(english.text)")
            #expect(english.header("Retry-After") != nil)
            let englishJSON = try await post(server, lead, contentType: "application/json",
                                             extraHeaders: "Accept-Language: en\r\n")
            #expect((jsonObject(englishJSON)?["message"] as? String)?.hasPrefix("We received") == true,
                    "\(englishJSON.text)")
        }
    }

    @Test func behindATrustedProxyTheForwardedAddressCounts() async throws {
        try await withApp(configure: {
            $0.security.rateLimitSubmissions = 1
            $0.server.trustedProxies = ["127.0.0.0/8"]
        }) { server, _, _ in
            let first = try await post(server, lead, contentType: "application/json", extraHeaders: "X-Forwarded-For: 203.0.113.9\r\n")
            #expect(first.status == 200)
            let same = try await post(server, lead, contentType: "application/json", extraHeaders: "X-Forwarded-For: 198.51.100.1, 203.0.113.9\r\n")
            #expect(same.status == 429, "the proxy appended the real client last; what the client wrote before does not count")
            let other = try await post(server, lead, contentType: "application/json", extraHeaders: "X-Forwarded-For: 203.0.113.10\r\n")
            #expect(other.status == 200)
        }
    }

    @Test func foreignOriginsAreRefusedAllowedOnesGetCORS() async throws {
        try await withApp(configure: { $0.security.allowedOrigins = ["https://www.dach-example.de"] }) { server, hero, _ in
            let evil = try await post(server, lead, contentType: "application/json", extraHeaders: "Origin: https://evil.example\r\n")
            #expect(evil.status == 403)
            #expect(evil.header("Access-Control-Allow-Origin") == nil)
            let evilToken = try await exchange(server, "GET /token HTTP/1.1\r\nHost: a\r\nOrigin: https://evil.example\r\n\r\n")
            #expect(evilToken.status == 403)
            let nullOrigin = try await post(server, lead, contentType: "application/json", extraHeaders: "Origin: null\r\n")
            #expect(nullOrigin.status == 403)

            let allowed = try await post(server, lead, contentType: "application/json", extraHeaders: "Origin: https://www.dach-example.de\r\n")
            #expect(allowed.status == 200)
            #expect(allowed.header("Access-Control-Allow-Origin") == "https://www.dach-example.de")
            #expect(allowed.header("Vary") == "Origin")
            #expect(hero.createdProjects.count == 1)

            let preflight = try await exchange(server, "OPTIONS /leads HTTP/1.1\r\nHost: a\r\nOrigin: https://www.dach-example.de\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type\r\n\r\n")
            #expect(preflight.status == 204)
            #expect(preflight.header("Access-Control-Allow-Origin") == "https://www.dach-example.de")
            #expect(preflight.header("Access-Control-Allow-Methods")?.contains("POST") == true)
            #expect(preflight.header("Access-Control-Allow-Headers")?.contains("Content-Type") == true)
            let evilPreflight = try await exchange(server, "OPTIONS /leads HTTP/1.1\r\nHost: a\r\nOrigin: https://evil.example\r\n\r\n")
            #expect(evilPreflight.status == 403)
            // Every method on a guarded path is guarded, also one the files would answer.
            let evilGet = try await exchange(server, "GET /leads HTTP/1.1\r\nHost: a\r\nOrigin: https://evil.example\r\n\r\n")
            #expect(evilGet.status == 403)
            #expect(evilGet.header("Vary") == "Origin")
            let allowedGet = try await exchange(server, "GET /%6Ceads HTTP/1.1\r\nHost: a\r\nOrigin: https://www.dach-example.de\r\n\r\n")
            #expect(allowedGet.status == 404)
            #expect(allowedGet.header("Access-Control-Allow-Origin") == "https://www.dach-example.de")

            // The page's own origin needs no CORS.
            let own = try await post(server, #"{"email":"own@b.de","last_name":"O","zipcode":"30449","consent":true}"#, contentType: "application/json",
                                     extraHeaders: "Origin: http://forms.example\r\n")
            #expect(own.status == 200)
            #expect(own.header("Access-Control-Allow-Origin") == nil)
        }
    }

    @Test func htmlAnswersCarryAStrictPolicy() async throws {
        try await withApp(successURL: "https://www.dach-example.de/danke",
                          configure: { $0.security.allowedOrigins = ["https://www.dach-example.de"] }) { server, _, _ in
            for target in ["/", "/forms/english", "/thanks?ref=AAA-AAA-AAA", "/forms/nope"] {
                let page = try await exchange(server, "GET \(target) HTTP/1.1\r\nHost: a\r\n\r\n")
                let csp = try #require(page.header("Content-Security-Policy"), "\(target)")
                #expect(csp.contains("default-src 'none'"))
                #expect(csp.contains("script-src 'self'"))
                #expect(csp.contains("style-src 'self'"))
                #expect(!csp.contains("unsafe-inline"))
                #expect(csp.contains("frame-ancestors 'self' https://www.dach-example.de"))
                #expect(csp.contains("form-action 'self' https://www.dach-example.de"))
                #expect(page.header("X-Content-Type-Options") == "nosniff")
                #expect(page.header("Referrer-Policy") == "strict-origin-when-cross-origin")
                #expect(page.header("Permissions-Policy")?.contains("camera=()") == true)
                #expect(!page.text.contains("<script>") && !page.text.contains("style=\""), "no inline script or style")
            }
            let json = try await exchange(server, "GET /readyz HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(json.header("X-Content-Type-Options") == "nosniff")
            #expect(json.header("Content-Security-Policy") == nil)
        }
    }

    @Test func redirectTargetsComeOnlyFromConfig() async throws {
        try await withApp { server, _, _ in
            let response = try await post(server, urlencoded([("email", "a@b.de"), ("last_name", "B"), ("zipcode", "30449"), ("consent", "on"),
                                                              ("success_url", "https://evil.example"), ("redirect", "//evil.example")]))
            #expect(response.status == 303)
            #expect(response.header("Location")?.hasPrefix("/thanks?ref=") == true)
        }
    }

    @Test func hostileInputIsEscapedEverywhereItIsShown() async throws {
        try await withApp { server, _, _ in
            let payloads = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "'onmouseover='alert(1)", "</textarea><script>x</script>"]
            for payload in payloads {
                var fields = [("zipcode", "abc")]
                for name in ["first_name", "last_name", "company_name", "email", "phone", "street", "city", "message", "project_street", "salutation", "country_code"] {
                    fields.append((name, payload))
                }
                let page = try await post(server, urlencoded(fields)).text
                #expect(!page.contains(payload), "\(payload) came back unescaped")
                #expect(!page.contains("<script>alert") && !page.contains("<img src=x"))
            }
            let thanks = try await exchange(server, "GET /thanks?ref=%3Cscript%3Ealert(1)%3C/script%3E&form=%22%3E HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(!thanks.text.contains("<script>alert"))
        }
    }
}

struct BadToken: Sendable, CustomTestStringConvertible {
    let name: String
    let literal: String?
    let form: String
    let age: TimeInterval

    init(_ name: String, literal: String? = nil, form: String = "default", age: TimeInterval = 10) {
        self.name = name
        self.literal = literal
        self.form = form
        self.age = age
    }

    func make() -> String { literal ?? token(form, age: age) }
    var testDescription: String { name }
}

/// Guarded paths cannot be reached around their guards by spelling them differently.
@Suite struct GuardBypassTests {
    @Test func originPolicyHoldsForEverySpellingOfThePath() async throws {
        try await withApp { server, hero, _ in
            let body = #"{"email":"a@b.de","last_name":"B","zipcode":"30449","consent":true,"_token":"\#(token())"}"#
            for path in ["/leads/", "//leads", "/%6Ceads", "/leads//"] {
                let response = try await exchange(server, "POST \(path) HTTP/1.1\r\nHost: a\r\nOrigin: https://evil.example\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
                #expect(response.status == 403, "\(path)")
            }
            #expect(hero.calls.isEmpty)
        }
    }

    @Test func observabilityGuardHoldsForEverySpellingOfThePath() async throws {
        try await withApp(configure: { $0.server.trustedProxies = ["127.0.0.1"] }) { server, _, _ in
            for path in ["/metrics", "//metrics", "/metrics/", "/%6Detrics", "/readyz/"] {
                let response = try await exchange(server, "GET \(path) HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 203.0.113.5\r\n\r\n")
                #expect(response.status == 403, "\(path)")
            }
        }
    }

    @Test func idempotencyKeyForADifferentSubmissionIsRefused() async throws {
        try await withApp { server, hero, _ in
            let first = try await post(server, #"{"email":"a@b.de","last_name":"B","zipcode":"30449","consent":true}"#,
                                       contentType: "application/json", extraHeaders: "Idempotency-Key: k-1\r\n")
            #expect(first.status == 200)
            let other = try await post(server, #"{"email":"other@b.de","last_name":"C","zipcode":"30449","consent":true}"#,
                                       contentType: "application/json", extraHeaders: "Idempotency-Key: k-1\r\n")
            #expect(other.status == 422)
            #expect((jsonObject(other)?["message"] as? String)?.contains("Idempotency-Key") == true)
            #expect(hero.createdProjects.count == 1)
        }
    }

    @Test func ipv6ClientsAreCountedPerSlash64() {
        #expect(SubmissionGuard.rateLimitKey("2001:db8:1:2:aaaa::1") == SubmissionGuard.rateLimitKey("2001:db8:1:2:bbbb::9"))
        #expect(SubmissionGuard.rateLimitKey("2001:db8:1:2::1") != SubmissionGuard.rateLimitKey("2001:db8:1:3::1"))
        #expect(SubmissionGuard.rateLimitKey("203.0.113.5") == "203.0.113.5")
    }
}
