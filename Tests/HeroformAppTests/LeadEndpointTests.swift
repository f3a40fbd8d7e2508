import Foundation
import HTTPServer
import HeroStandIn
import HTTPTesting
import JSON
import Outbox
import Synchronization
import Testing
@testable import HeroformApp

let fullForm: [(String, String)] = [
    ("form", "default"), ("salutation", "Frau"), ("first_name", "Jürgen-Özlem"), ("last_name", "O'Brien"),
    ("company_name", "Dach & Söhne GmbH"), ("email", "j.obrien@Example.ORG"), ("phone", "+49 (511) 123-456"),
    ("street", "Schwarzer Bär 2"), ("zipcode", "30449"), ("city", "Hannover"), ("country_code", "de"),
    ("project_street", "Am Markt 5"), ("project_zipcode", "1010"), ("project_city", "Wien"), ("project_country_code", "AT"),
    ("message", "Das Dach ist undicht.\r\nBitte um Rückruf."), ("consent", "on"),
]

@Suite struct LeadEndpointTests {
    @Test func fullSubmissionReachesHeroFieldByField() async throws {
        try await withApp { server, hero, _ in
            let response = try await post(server, urlencoded(fullForm))
            #expect(response.status == 303)
            let location = try #require(response.header("Location"))
            #expect(location.hasPrefix("/thanks?ref="))
            #expect(location.hasSuffix("&form=default"))
            let reference = String(location.dropFirst("/thanks?ref=".count).prefix(11))
            #expect(Reference.isWellFormed(reference))

            let project = try #require(hero.createdProjects.first)
            #expect(hero.createdProjects.count == 1)
            #expect(project["measure"] == "DOG")
            #expect(project["customer"] == [
                "email": "j.obrien@example.org", "title": "Frau", "first_name": "Jürgen-Özlem", "last_name": "O'Brien",
                "company_name": "Dach & Söhne GmbH", "phone_home": "+49 (511) 123-456",
            ])
            #expect(project["address"]
                == ["street": "Schwarzer Bär 2", "city": "Hannover", "zipcode": "30449", "country_code": "DE"])
            #expect(project["projectaddress"]
                == ["street": "Am Markt 5", "city": "Wien", "zipcode": "1010", "country_code": "AT"])
            let match = try #require(project["project_match"])
            #expect(match["comment"] == "Das Dach ist undicht.\nBitte um Rückruf.")
            #expect(match["partner_source"] == "Kontaktformular Website")
            let notes = try #require(match["partner_notes"]?.string).split(separator: "\n").map(String.init)
            #expect(notes.count == 4)
            #expect(notes[0] == "Telefon: +49 (511) 123-456")
            #expect(notes[1].hasPrefix("Einwilligung Datenschutz: ") && notes[1].hasSuffix(" UTC"))
            #expect(notes[2] == "Referenz: \(reference)")
            #expect(notes[3] == "Formular: default")
            let call = try #require(hero.calls.first)
            #expect(call.headers["Authorization"] == "Bearer test-api-key-123")
        }
    }

    @Test func jsonSubmissionGetsJSONWithTheReference() async throws {
        try await withApp { server, hero, _ in
            let body = #"{"email":"anna@example.de","last_name":"Schmidt","zipcode":"10115","consent":true,"message":"Hallo"}"#
            let response = try await post(server, body, contentType: "application/json")
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "application/json; charset=utf-8")
            let answer = try #require(jsonObject(response))
            #expect(answer["status"] as? String == "success")
            let reference = try #require(answer["reference"] as? String)
            #expect(Reference.isWellFormed(reference))
            let project = try #require(hero.createdProjects.first)
            // Empty values are left out, never sent as "": no projectaddress, no title, no phone line.
            #expect(project["projectaddress"] == nil)
            #expect(project["customer"] == ["email": "anna@example.de", "last_name": "Schmidt"])
            #expect(project["address"] == ["zipcode": "10115", "country_code": "DE"])
            #expect(project["project_match"]?["partner_notes"]?.string?.contains("Telefon") == false)
        }
    }

    @Test func multipartSubmissionIsAccepted() async throws {
        try await withApp { server, hero, _ in
            let boundary = "----heroform42"
            let parts = [("email", "m@example.com"), ("last_name", "Meier"), ("zipcode", "80331"), ("consent", "on"), ("_token", token())]
            let body = parts.map { "--\(boundary)\r\nContent-Disposition: form-data; name=\"\($0.0)\"\r\n\r\n\($0.1)\r\n" }.joined() + "--\(boundary)--\r\n"
            let response = try await post(server, body, contentType: "multipart/form-data; boundary=\(boundary)", accept: "application/json")
            #expect(response.status == 200, "\(response.text)")
            #expect(hero.createdProjects.count == 1)
        }
    }

    @Test func validationErrorsInJSONNameEachField() async throws {
        try await withApp { server, hero, _ in
            let response = try await post(server, #"{"email":"not-an-email","zipcode":"123","consent":false,"phone":"call me"}"#,
                                          contentType: "application/json")
            #expect(response.status == 422)
            let answer = try #require(jsonObject(response))
            #expect(answer["status"] as? String == "error")
            #expect(answer["message"] as? String == "Bitte prüfen Sie die markierten Felder.")
            let errors = try #require(answer["errors"] as? [String: String])
            #expect(Set(errors.keys) == ["email", "zipcode", "consent", "last_name", "phone"])
            #expect(errors["last_name"] == "Bitte füllen Sie dieses Feld aus.")
            #expect(hero.calls.isEmpty)
        }
    }

    @Test func validationErrorsInHTMLShowTheFormAgainEscaped() async throws {
        try await withApp { server, hero, _ in
            let hostile = "<script>alert('x')</script>\""
            let response = try await post(server, urlencoded([("last_name", hostile), ("email", "a@b"), ("zipcode", "30449")]))
            #expect(response.status == 422)
            #expect(response.header("Content-Type") == "text/html; charset=utf-8")
            let page = response.text
            #expect(!page.contains("<script>alert"))
            #expect(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;"))
            #expect(page.contains("value=\"30449\""))
            #expect(page.contains("id=\"hf-email-error\""))
            #expect(page.contains("aria-describedby=\"hf-email-error\""))
            #expect(page.contains("Bitte stimmen Sie der Datenschutzerklärung zu."))
            #expect(page.contains("href=\"#hf-consent\""))
            #expect(hero.calls.isEmpty)
        }
    }

    @Test func englishFormAnswersInEnglish() async throws {
        try await withApp { server, _, _ in
            let response = try await post(server, urlencoded([("form", "english"), ("email", "x")]), accept: "application/json", form: "english")
            #expect(response.status == 422)
            let answer = try #require(jsonObject(response))
            #expect(answer["message"] as? String == "Please check the highlighted fields.")
            #expect((answer["errors"] as? [String: String])?["last_name"] == "Please fill in this field.")
        }
    }

    @Test func theLanguageThePageWasShownInAnswers() async throws {
        try await withApp { server, _, _ in
            let page = try await exchange(server, "GET /?lang=en HTTP/1.1\r\nHost: a\r\n\r\n").text
            #expect(page.contains("<input type=\"hidden\" name=\"lang\" value=\"en\">"))
            let json = try await post(server, urlencoded([("lang", "en"), ("email", "x")]), accept: "application/json")
            #expect(jsonObject(json)?["message"] as? String == "Please check the highlighted fields.")
            let html = try await post(server, urlencoded([("lang", "en"), ("email", "x")]))
            #expect(html.text.contains("Please fill in this field."))
            #expect(html.text.contains("<html lang=\"en\">"))
            let unknown = try await post(server, urlencoded([("lang", "fr"), ("email", "x")]), accept: "application/json")
            #expect(jsonObject(unknown)?["message"] as? String == "Bitte prüfen Sie die markierten Felder.")
        }
    }

    @Test func fieldsNotShownOnTheFormAreNeverSent() async throws {
        try await withApp { server, hero, _ in
            let body = urlencoded([("form", "english"), ("email", "e@example.com"), ("last_name", "Smith"), ("zipcode", "01067"),
                                   ("consent", "yes"), ("phone", "+44 20 1234 5678"), ("company_name", "Sneaky Ltd")])
            let response = try await post(server, body, accept: "application/json", form: "english")
            #expect(response.status == 200, "\(response.text)")
            let project = try #require(hero.createdProjects.first)
            #expect(project["measure"] == "SAN")
            #expect(project["customer"]?["company_name"] == nil)
            #expect(project["customer"]?["phone_home"] == nil)
        }
    }

    /// Refusals before the form is known (an unreadable body, an unknown form) come in the visitor's language.
    @Test func refusalsBeforeTheFormIsKnownSpeakTheVisitorsLanguage() async throws {
        try await withApp { server, _, _ in
            let german = try await post(server, "%zz=1")
            #expect(german.status == 400)
            #expect(german.text.contains("Anfrage nicht lesbar"))
            let english = try await post(server, "%zz=1", extraHeaders: "Accept-Language: en-US,en;q=0.8\r\n")
            #expect(english.status == 400)
            #expect(english.text.contains("lang=\"en\""), "\(english.text)")
            #expect(!english.text.contains("Anfrage nicht lesbar"))
            let unknown = try await post(server, urlencoded([("form", "nope"), ("email", "a@b.de")]),
                                         extraHeaders: "Accept-Language: en\r\n")
            #expect(unknown.status == 422)
            #expect(unknown.text.contains("lang=\"en\""))
            let unknownJSON = try await post(server, #"{"form":"nope","email":"a@b.de"}"#,
                                             contentType: "application/json")
            #expect(unknownJSON.status == 422)
            #expect((jsonObject(unknownJSON)?["errors"] as? [String: String])?["form"] == "Dieses Formular gibt es nicht.")
        }
    }

    @Test func unsupportedOrMalformedBodiesAreRefused() async throws {
        try await withApp { server, hero, _ in
            let text = try await post(server, "email=a@b.de", contentType: "text/plain", accept: "application/json")
            #expect(text.status == 415)
            let broken = try await post(server, "{\"email\": ", contentType: "application/json")
            #expect(broken.status == 400)
            #expect(jsonObject(broken)?["status"] as? String == "error")
            let array = try await post(server, "[1,2]", contentType: "application/json")
            #expect(array.status == 400)
            let html = try await post(server, "%zz=1", contentType: "application/x-www-form-urlencoded")
            #expect(html.status == 400)
            #expect(html.header("Content-Type") == "text/html; charset=utf-8")
            #expect(hero.calls.isEmpty)
        }
    }

    @Test func unknownFormIsRefused() async throws {
        try await withApp { server, hero, _ in
            let response = try await post(server, urlencoded([("form", "nope"), ("email", "a@b.de"), ("zipcode", "30449")]), accept: "application/json")
            #expect(response.status == 422)
            #expect((jsonObject(response)?["errors"] as? [String: String])?["form"] != nil)
            #expect(hero.calls.isEmpty)
        }
    }

    @Test func successURLFromConfigIsTheRedirectTarget() async throws {
        try await withApp(successURL: "https://dach.example/danke") { server, _, _ in
            let response = try await post(server, urlencoded([("email", "a@b.de"), ("last_name", "B"), ("zipcode", "30449"), ("consent", "on")]))
            #expect(response.status == 303)
            #expect(response.header("Location") == "https://dach.example/danke")
        }
    }

    @Test func dryRunSendsNothingButAnswersAsUsual() async throws {
        try await withApp(live: false) { server, hero, _ in
            let response = try await post(server, #"{"email":"a@b.de","last_name":"B","zipcode":"30449","consent":true}"#,
                                          contentType: "application/json")
            #expect(response.status == 200)
            #expect(jsonObject(response)?["status"] as? String == "success")
            #expect(hero.calls.isEmpty)
        }
    }

    @Test(arguments: [HeroStandIn.Mode.failing(status: 503, message: "down"), .failing(status: 401, message: "Unauthenticated."),
                      .failing(status: 422, message: "Ungültig")])
    func heroFailureStillThanksTheVisitorAndKeepsTheLead(_ mode: HeroStandIn.Mode) async throws {
        try await withApp { server, hero, app in
            hero.mode = mode
            let json = try await post(server, #"{"email":"a@b.de","last_name":"B","zipcode":"30449","consent":true}"#,
                                      contentType: "application/json")
            #expect(json.status == 202)
            let answer = try #require(jsonObject(json))
            #expect(answer["status"] as? String == "queued")
            let reference = try #require(answer["reference"] as? String)
            let record = try #require(try await app.store.perform { try $0.find(reference) })
            #expect(record.status == (mode == .failing(status: 422, message: "Ungültig") ? .failed : .pending))
            #expect(record.payload != nil)

            let html = try await post(server, urlencoded([("email", "c@d.de"), ("last_name", "Bäcker"), ("zipcode", "30449"), ("consent", "on")]))
            #expect(html.status == 303)
            #expect(html.header("Location")?.hasPrefix("/thanks?ref=") == true)
            #expect(try await app.store.perform { try $0.counts() }.delivered == 0)
        }
    }

    @Test func logsAtInfoCarryNoPersonalData() async throws {
        let capture = LogCapture()
        // Over a socket, so the connection's access log lines are among those checked.
        try await withAppOverSockets(logger: capture.logger) { server, _, _ in
            _ = try await post(server, urlencoded(fullForm))
            _ = try await post(server, urlencoded([("email", "wrong@"), ("last_name", "Geheimname")]))
        }
        let info = capture.lines.withLock { $0 }.filter { !$0.hasPrefix("debug") && !$0.hasPrefix("trace") }
        #expect(!info.isEmpty)
        let joined = info.joined(separator: "\n")
        for secret in ["Jürgen", "O'Brien", "obrien", "example", "123-456", "Bär", "undicht", "Geheimname", "wrong@", "test-api-key-123"] {
            #expect(!joined.contains(secret), "\(secret) in logs")
        }
    }
}
