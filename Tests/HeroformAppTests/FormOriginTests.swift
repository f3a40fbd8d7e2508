import FormCore
import Foundation
import HeroStandIn
import HTTPServer
import HTTPTesting
import Outbox
import Testing
@testable import HeroformApp

/// Per-form `allowed_origins`: each business's site may frame and send to its own forms only; the global
/// `security.allowed_origins` (the agency's own site, say) still may for every form.
@Suite struct FormOriginTests {
    static let mueller = "https://www.mueller-dach.de"
    static let schmidt = "https://www.schmidt-bad.de"
    static let agency = "https://agentur.example"

    static func twoBusinesses(_ config: inout AppConfig) {
        config.security.allowedOrigins = [agency]
        for (id, origin) in [("mueller", mueller), ("schmidt", schmidt)] {
            var form = FormDefinition(id: id, measure: "DOG", partnerSource: "Website \(id)")
            form.allowedOrigins = [origin]
            config.forms[id] = form
        }
    }

    func get(_ client: some RequestSender, _ target: String, origin: String? = nil) async throws -> RawResponse {
        let originLine = origin.map { "Origin: \($0)\r\n" } ?? ""
        return try await exchange(client, "GET \(target) HTTP/1.1\r\nHost: forms.example\r\n\(originLine)\r\n")
    }

    static func ancestors(_ response: RawResponse) -> String {
        let policy = response.header("Content-Security-Policy") ?? ""
        return policy.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.hasPrefix("frame-ancestors") } ?? ""
    }

    @Test func eachFormMayBeFramedByItsOwnSiteAndTheGlobalOnes() async throws {
        try await withApp(configure: Self.twoBusinesses) { client, _, _ in
            let mueller = try await get(client, "/forms/mueller")
            #expect(Self.ancestors(mueller) == "frame-ancestors 'self' \(Self.agency) \(Self.mueller)")
            let schmidt = try await get(client, "/forms/schmidt")
            #expect(Self.ancestors(schmidt) == "frame-ancestors 'self' \(Self.agency) \(Self.schmidt)")
            let plain = try await get(client, "/")
            #expect(Self.ancestors(plain) == "frame-ancestors 'self' \(Self.agency)")
            // The thank-you page shown in the frame after sending carries its form's policy too.
            let thanks = try await get(client, "/thanks?form=mueller&ref=ABC-DEF-GHJ")
            #expect(Self.ancestors(thanks) == "frame-ancestors 'self' \(Self.agency) \(Self.mueller)")
            // Only the form's own sites are believed as the embedding page.
            let own = try await get(client, "/forms/mueller?parent=https%3A%2F%2Fwww.mueller-dach.de").text
            #expect(own.contains("data-parent-origin=\"\(Self.mueller)\""))
            let other = try await get(client, "/forms/mueller?parent=https%3A%2F%2Fwww.schmidt-bad.de").text
            #expect(!other.contains("data-parent-origin"))
        }
    }

    @Test func corsAndTokensFollowTheForm() async throws {
        try await withApp(configure: Self.twoBusinesses) { client, _, _ in
            let ownToken = try await get(client, "/token?form=mueller", origin: Self.mueller)
            #expect(ownToken.status == 200)
            #expect(ownToken.header("Access-Control-Allow-Origin") == Self.mueller)
            let otherToken = try await get(client, "/token?form=schmidt", origin: Self.mueller)
            #expect(otherToken.status == 403)
            #expect(otherToken.header("Access-Control-Allow-Origin") == nil)
            let agencyToken = try await get(client, "/token?form=schmidt", origin: Self.agency)
            #expect(agencyToken.status == 200)
            // Without `?form=` the token is the default form's, which only the global sites may have.
            #expect(try await get(client, "/token", origin: Self.mueller).status == 403)
            #expect(try await get(client, "/token", origin: Self.agency).status == 200)
            // The preflight cannot name the form: any site some form allows gets it; the POST itself is checked.
            let preflight = try await exchange(
                client, "OPTIONS /leads HTTP/1.1\r\nHost: forms.example\r\nOrigin: \(Self.schmidt)\r\n\r\n")
            #expect(preflight.status == 204)
            #expect(preflight.header("Access-Control-Allow-Origin") == Self.schmidt)
            let stranger = try await exchange(
                client, "OPTIONS /leads HTTP/1.1\r\nHost: forms.example\r\nOrigin: https://evil.example\r\n\r\n")
            #expect(stranger.status == 403)
        }
    }

    func lead(_ form: String, email: String = "a@example.org") -> String {
        urlencoded([("last_name", "Dach"), ("email", email), ("zipcode", "30449"), ("consent", "on"),
                    ("form", form)])
    }

    @Test func aPostFromTheOtherBusinesssSiteIsRefused() async throws {
        try await withApp(configure: Self.twoBusinesses) { client, _, app in
            let refused = try await post(
                client, lead("schmidt"), accept: "application/json", extraHeaders: "Origin: \(Self.mueller)\r\n",
                form: "schmidt")
            #expect(refused.status == 403)
            #expect(refused.text.contains("Diese Website darf nicht an dieses Formular senden."), "\(refused.text)")
            #expect(try await app.store.perform { try $0.counts() }.pending == 0)
            #expect(try await app.store.perform { try $0.list() }.isEmpty, "nothing stored")

            let own = try await post(
                client, lead("mueller"), accept: "application/json", extraHeaders: "Origin: \(Self.mueller)\r\n",
                form: "mueller")
            #expect(own.status == 200)
            #expect(own.header("Access-Control-Allow-Origin") == Self.mueller)
            let byAgency = try await post(
                client, lead("schmidt", email: "b@example.org"), accept: "application/json",
                extraHeaders: "Origin: \(Self.agency)\r\n", form: "schmidt")
            #expect(byAgency.status == 200)
            #expect(try await app.store.perform { try $0.list() }.map(\.formID).sorted() == ["mueller", "schmidt"])
        }
    }

    /// The other business's site is one the middleware let through (it may send to its own form), so its script
    /// reads this answer (CORS names it): like every refusal of a lead it must come as JSON when JSON is asked for,
    /// or the README's snippet (`r.json()`) fails and tells the visitor there is no connection.
    @Test func aLeadRefusedForTheOtherBusinesssFormAnswersInJSON() async throws {
        try await withApp(configure: Self.twoBusinesses) { client, _, _ in
            let body = #"{"form":"schmidt","last_name":"Dach","email":"a@example.org","zipcode":"30449","#
                + #""consent":true}"#
            let refused = try await post(
                client, body, contentType: "application/json", accept: "application/json",
                extraHeaders: "Origin: \(Self.mueller)\r\n", form: "schmidt")
            #expect(refused.status == 403)
            #expect(refused.header("Access-Control-Allow-Origin") == Self.mueller, "the site's script reads it")
            #expect(refused.header("Content-Type")?.hasPrefix("application/json") == true, "\(refused.text)")
            #expect(jsonObject(refused)?["status"] as? String == "error")
        }
    }

    /// Without JavaScript the same refusal is a page in the visitor's language, not the form of the other business.
    @Test func aLeadRefusedForTheOtherBusinesssFormIsAPageWithoutJavaScript() async throws {
        try await withApp(configure: Self.twoBusinesses) { client, hero, _ in
            let body = urlencoded([("last_name", "Dach"), ("zipcode", "30449"), ("consent", "on"), ("form", "schmidt")])
            let refused = try await post(
                client, body, extraHeaders: "Origin: \(Self.mueller)\r\nAccept-Language: en\r\n", form: "schmidt")
            #expect(refused.status == 403)
            #expect(refused.header("Content-Type")?.hasPrefix("text/html") == true)
            #expect(refused.text.contains("Not allowed"), "\(refused.text)")
            #expect(refused.text.contains("This website may not send to this form."))
            #expect(!refused.text.contains("Dach"), "the input is not shown on a page of the other business")
            #expect(hero.calls.isEmpty)
        }
    }

    @Test func aFormShownAgainWithoutJavaScriptKeepsItsFramePolicy() async throws {
        try await withApp(configure: Self.twoBusinesses) { client, _, _ in
            let body = urlencoded([("last_name", "Dach"), ("zipcode", "30449"), ("consent", "on"), ("form", "mueller")])
            let page = try await post(client, body, extraHeaders: "Origin: \(Self.mueller)\r\n", form: "mueller")
            #expect(page.status == 422)
            #expect(page.header("Content-Type")?.hasPrefix("text/html") == true)
            #expect(Self.ancestors(page) == "frame-ancestors 'self' \(Self.agency) \(Self.mueller)")
        }
    }
}
