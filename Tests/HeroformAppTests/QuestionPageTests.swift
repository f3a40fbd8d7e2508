import FormCore
import Foundation
import HTTPTesting
import HeroStandIn
import JSON
import Testing
@testable import HeroformApp

/// The default form with a required service select that routes the trade, a checkbox group, a yes/no checkbox
/// (after the phone), a date from today and a number.
func addQuestions(_ config: inout AppConfig, to target: QuestionTarget = .comment) {
    func text(_ de: String, _ en: String) -> LocalizedText { LocalizedText([.de: de, .en: en]) }
    config.forms["default"]?.questionsTo = target
    config.forms["default"]?.questions = [
        Question(name: "service", kind: .select, required: true, label: text("Leistung", "Service"), options: [
            .init(value: "dach", label: text("Dachsanierung", "Roof renovation"), measure: "DOG"),
            .init(value: "heizung", label: text("Heizung & Bad", "Heating"), measure: "HZG"),
        ]),
        Question(name: "extras", kind: .checkboxes, label: text("Außerdem", "Also"), options: [
            .init(value: "solar", label: text("Solaranlage", "Solar panels")),
            .init(value: "rinne", label: text("Dachrinne", "Gutter")),
        ]),
        Question(name: "owner", kind: .checkbox, label: text("Ich bin Eigentümer", "I am the owner"), after: .phone),
        Question(name: "start", kind: .date, label: text("Wunschtermin", "Preferred date"), earliest: .today),
        Question(name: "area", kind: .number, label: text("Fläche", "Area"), minimum: 1, maximum: 500),
    ]
}

@Suite struct QuestionPageTests {
    func page(_ path: String, _ server: InProcessClient) async throws -> String {
        let response = try await exchange(server, "GET \(path) HTTP/1.1\r\nHost: forms.example\r\n\r\n")
        #expect(response.status == 200)
        return response.text
    }

    @Test func questionsAreRenderedWithTheFieldsMarkup() async throws {
        try await withApp(configure: { addQuestions(&$0) }) { server, _, _ in
            let html = try await page("/", server)
            #expect(html.contains(
                #"<div class="hf-field hf-question hf-question--select"><label for="hf-service">Leistung "#
                    + #"<span class="hf-required">(Pflichtfeld)</span></label><select id="hf-service" name="service" "#
                    + #"required aria-required="true"><option value="">Bitte wählen</option><option value="dach">"#
                    + #"Dachsanierung</option><option value="heizung">Heizung &amp; Bad</option></select></div>"#))
            #expect(html.contains(
                #"<fieldset class="hf-field hf-question hf-question--checkboxes hf-choices" id="hf-extras" "#
                    + #"tabindex="-1"><legend>Außerdem</legend><div class="hf-choice"><input type="checkbox" "#
                    + #"id="hf-extras-1" name="extras" value="solar"><label for="hf-extras-1">Solaranlage</label>"#))
            #expect(html.contains(#"<input type="checkbox" id="hf-owner" name="owner" value="yes">"#
                + #"<label for="hf-owner">Ich bin Eigentümer</label>"#))
            #expect(html.contains(#"<input type="date" data-min-today="true" id="hf-start" name="start""#))
            #expect(html.contains(
                #"<input type="number" inputmode="decimal" step="any" min="1" max="500" id="hf-area" name="area""#))
            // Places: the owner checkbox after the phone, the rest after the built-in fields, before the consent.
            let order = ["hf-phone", "hf-owner", "hf-street", "hf-message", "hf-service", "hf-extras", "hf-start",
                         "hf-area", "hf-consent"]
            let positions = order.compactMap { html.range(of: "id=\"\($0)\"")?.lowerBound }
            #expect(positions.count == order.count)
            #expect(positions == positions.sorted())
            // The script's labels, in page order.
            #expect(html.contains("[&quot;service&quot;,&quot;Leistung&quot;]"))
        }
    }

    @Test func englishPagesShowEnglishLabels() async throws {
        try await withApp(configure: { addQuestions(&$0) }) { server, _, _ in
            let html = try await page("/?lang=en", server)
            #expect(html.contains(#"<label for="hf-service">Service <span class="hf-required">(required)</span>"#))
            #expect(html.contains(#"<option value="dach">Roof renovation</option>"#))
            #expect(html.contains("<legend>Also</legend>"))
        }
    }

    @Test func theQueryPreselectsOnlyOfferedAnswers() async throws {
        try await withApp(configure: { addQuestions(&$0) }) { server, _, _ in
            let chosen = try await page("/?service=heizung&extras=rinne", server)
            #expect(chosen.contains(#"<option value="heizung" selected>"#))
            #expect(chosen.contains(#"value="rinne" checked>"#))
            // Not among the options, an injection attempt, a built-in field, a text question: nothing taken.
            let injected = try await page(
                "/?service=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E&extras=pool&email=x%40evil.example"
                    + "&area=%22%3E%3Cb%3E&owner=yes", server)
            #expect(!injected.contains("<script>alert"))
            #expect(!injected.contains("alert(1)"))
            #expect(!injected.contains("evil.example"))
            #expect(!injected.contains("<b>"))
            #expect(!injected.contains(#"value="dach" selected"#) && !injected.contains(#"value="heizung" selected"#))
            #expect(!injected.contains(" checked>"))
            #expect(injected.contains(#"<option value="dach">Dachsanierung</option>"#))
            // The plain page is the same as before: nothing chosen.
            let plain = try await page("/", server)
            #expect(!plain.contains(" selected>Dach") && !plain.contains("value=\"rinne\" checked"))
        }
    }

    @Test func answersReachHeroAsLinesAndRouteTheTrade() async throws {
        try await withApp(configure: { addQuestions(&$0) }) { server, hero, _ in
            let body = urlencoded([
                ("email", "anna@example.de"), ("last_name", "Schmidt"), ("zipcode", "10115"), ("consent", "on"),
                ("message", "Bitte melden."), ("service", "heizung"), ("extras", "rinne"), ("extras", "solar"),
                ("owner", "yes"), ("start", "2099-05-01"), ("area", "80,5"),
            ])
            let response = try await post(server, body, accept: "application/json")
            #expect(response.status == 200, "\(response.text)")
            let project = try #require(hero.createdProjects.first)
            #expect(project["measure"] == "HZG")
            #expect(project["project_match"]?["comment"]?.string == """
                Bitte melden.

                Leistung: Heizung & Bad
                Außerdem: Solaranlage, Dachrinne
                Ich bin Eigentümer: Ja
                Wunschtermin: 01.05.2099
                Fläche: 80,5
                """)
        }
    }

    /// A long textarea question answered in umlauts at its full length, beside a full message, percent-encoded:
    /// more than the 64 KB a form without questions takes, yet no 413.
    @Test func theLongestAnswersFitTheBodyLimit() async throws {
        let configure: @Sendable (inout AppConfig) -> Void = { config in
            config.forms["default"]?.questions = [
                Question(
                    name: "details", kind: .textarea, label: LocalizedText([.de: "Details", .en: "Details"]),
                    maxLength: 10_000)
            ]
        }
        try await withApp(configure: configure) { server, hero, _ in
            let body = urlencoded([
                ("email", "anna@example.de"), ("last_name", "Schmidt"), ("zipcode", "10115"), ("consent", "on"),
                ("message", String(repeating: "ü", count: 5000)), ("details", String(repeating: "ä", count: 10_000)),
            ])
            #expect(body.utf8.count > 64 * 1024)
            let response = try await post(server, body, accept: "application/json")
            #expect(response.status == 200, "\(response.status)")
            #expect(hero.createdProjects.count == 1)
            let tooLong = body + "&padding=" + String(repeating: "x", count: 200 * 1024)
            #expect(try await post(server, tooLong, accept: "application/json").status == 413)
        }
    }

    @Test func jsonAndMultipartBodiesTakeTheSameNames() async throws {
        try await withApp(configure: { addQuestions(&$0, to: .notes) }) { server, hero, _ in
            let json = #"{"email":"a@example.de","last_name":"A","zipcode":"10115","consent":true,"#
                + #""service":"dach","extras":["solar"],"owner":false,"area":12}"#
            let answer = try await post(server, json, contentType: "application/json")
            #expect(answer.status == 200, "\(answer.text)")
            let first = try #require(hero.createdProjects.first)
            #expect(first["measure"] == "DOG")
            #expect(first["project_match"]?["comment"] == nil)
            let notes = try #require(first["project_match"]?["partner_notes"]?.string)
            #expect(notes.hasSuffix("Formular: default\nLeistung: Dachsanierung\nAußerdem: Solaranlage\n"
                + "Ich bin Eigentümer: Nein\nFläche: 12"))

            let boundary = "q42"
            let parts = [("email", "m@example.com"), ("last_name", "Meier"), ("zipcode", "80331"), ("consent", "on"),
                         ("service", "heizung"), ("extras", "solar"), ("extras", "rinne"), ("_token", token())]
            let body = parts.map {
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"\($0.0)\"\r\n\r\n\($0.1)\r\n"
            }.joined() + "--\(boundary)--\r\n"
            let response = try await post(
                server, body, contentType: "multipart/form-data; boundary=\(boundary)", accept: "application/json")
            #expect(response.status == 200, "\(response.text)")
            let second = try #require(hero.createdProjects.last)
            #expect(second["measure"] == "HZG")
            let secondNotes = try #require(second["project_match"]?["partner_notes"]?.string)
            #expect(secondNotes.hasSuffix(
                "Leistung: Heizung & Bad\nAußerdem: Solaranlage, Dachrinne\nIch bin Eigentümer: Nein"))
        }
    }

    @Test func otherAnswersMakeAnotherSubmission() async throws {
        try await withApp(configure: { addQuestions(&$0) }) { server, hero, _ in
            func send(_ service: String) async throws -> String? {
                let body = urlencoded([
                    ("email", "anna@example.de"), ("last_name", "Schmidt"), ("zipcode", "10115"), ("consent", "on"),
                    ("service", service),
                ])
                return jsonObject(try await post(server, body, accept: "application/json"))?["reference"] as? String
            }
            let roof = try await send("dach")
            let heating = try await send("heizung")
            let roofAgain = try await send("dach")
            #expect(roof != nil && heating != nil && roof != heating)
            // The same answers again within minutes: the first lead's reference, nothing new.
            #expect(roofAgain == roof)
            #expect(hero.createdProjects.map { $0["measure"]?.string } == ["DOG", "HZG"])
        }
    }

    @Test func wrongAnswersAreRefusedInTheFormsLanguage() async throws {
        try await withApp(configure: { addQuestions(&$0) }) { server, hero, _ in
            let body = urlencoded([
                ("email", "anna@example.de"), ("last_name", "Schmidt"), ("zipcode", "10115"), ("consent", "on"),
                ("service", "keller"), ("start", "2001-01-01"), ("area", "900"),
            ])
            let response = try await post(server, body, accept: "application/json")
            #expect(response.status == 422)
            let errors = try #require(jsonObject(response)?["errors"] as? [String: String])
            #expect(errors == [
                "service": "Bitte wählen Sie eine der angebotenen Antworten.",
                "start": "Bitte wählen Sie heute oder einen späteren Tag.",
                "area": "Bitte geben Sie eine Zahl von 1 bis 500 ein.",
            ])
            let english = try await post(server, urlencoded([
                ("email", "anna@example.de"), ("last_name", "Schmidt"), ("zipcode", "10115"), ("consent", "on"),
                ("lang", "en"),
            ]), accept: "application/json")
            #expect(try #require(jsonObject(english)?["errors"] as? [String: String])
                == ["service": "Please choose an answer."])
            #expect(hero.createdProjects.isEmpty)
        }
    }

    @Test func theRefusedPageKeepsTheAnswersAndTiesTheErrors() async throws {
        try await withApp(configure: { addQuestions(&$0) }) { server, _, _ in
            let body = urlencoded([
                ("email", "anna@example.de"), ("last_name", "Schmidt"), ("zipcode", "10115"), ("consent", "on"),
                ("extras", "solar"), ("extras", "rinne"), ("owner", "yes"), ("area", "\"><i>"),
            ])
            let response = try await post(server, body)
            #expect(response.status == 422)
            let html = response.text
            #expect(html.contains(#"<select id="hf-service" name="service" required aria-required="true" "#
                + #"aria-invalid="true" aria-describedby="hf-service-error" autofocus>"#))
            #expect(html.contains(#"<p class="hf-error" id="hf-service-error">Bitte wählen Sie eine Antwort aus.</p>"#))
            #expect(html.contains(
                ##"<li><a href="#hf-service">Leistung: Bitte wählen Sie eine Antwort aus.</a></li>"##))
            #expect(html.contains(##"<li><a href="#hf-area">Fläche: Bitte geben Sie eine Zahl ein.</a></li>"##))
            #expect(html.contains(#"value="solar" checked>"#) && html.contains(#"value="rinne" checked>"#))
            #expect(html.contains(#"id="hf-owner" name="owner" value="yes" checked>"#))
            #expect(html.contains(#"value="&quot;&gt;&lt;i&gt;""#))
            #expect(!html.contains("<i>"))
        }
    }

    @Test func aRadioGroupTiesItsErrorToTheGroup() async throws {
        try await withApp(configure: { config in
            config.forms["default"]?.questions = [
                Question(name: "floor", kind: .radio, required: true,
                         label: LocalizedText([.de: "Etage", .en: "Floor"]),
                         options: [.init(value: "eg", label: LocalizedText([.de: "EG", .en: "Ground"]))]),
            ]
        }) { server, _, _ in
            let response = try await post(server, urlencoded([
                ("email", "anna@example.de"), ("last_name", "Schmidt"), ("zipcode", "10115"), ("consent", "on"),
            ]))
            let group = [
                #"<fieldset class="hf-field hf-question hf-question--radio hf-field--invalid "#,
                #"hf-choices" id="hf-floor" tabindex="-1" role="radiogroup" aria-required="true" "#,
                #"aria-invalid="true" aria-describedby="hf-floor-error"><legend>Etage "#,
                #"<span class="hf-required">(Pflichtfeld)</span>"#,
                #"</legend><div class="hf-choice"><input type="radio" id="hf-floor-1" name="floor" value="eg" "#,
                #"required autofocus>"#,
            ].joined()
            #expect(response.text.contains(group))
        }
    }
}
