import FormCore
import Foundation
import HeroStandIn
import HTTPServer
import HTTPTesting
import JSON
import Testing
@testable import HeroformApp

/// Where a lead came from, end to end: hidden fields in the page, every kind of body, the Referer, HERO's notes, the
/// metrics, and a form that captures nothing.
@Suite struct LeadAttributionTests {
    static let lead: [(String, String)] = [
        ("email", "quelle@example.org"), ("last_name", "Quelle"), ("zipcode", "30449"), ("consent", "on"),
    ]
    static let campaign: [(String, String)] = [
        ("utm_source", "google"), ("utm_medium", "cpc"), ("utm_campaign", "dach-herbst"),
        ("page_url", "https://www.example.de/dachsanierung?utm_source=google"),
    ]
    static let campaignLine =
        #"Quelle: google / cpc / Kampagne "dach-herbst"; Seite: https://www.example.de/dachsanierung"#

    func get(_ server: some RequestSender, _ target: String, headers: String = "") async throws -> RawResponse {
        try await exchange(server, "GET \(target) HTTP/1.1\r\nHost: forms.example\r\n\(headers)\r\n")
    }

    /// The last line of the notes HERO received for the only project.
    func lastNotesLine(_ hero: HeroStandIn) throws -> String? {
        #expect(hero.createdProjects.count == 1)
        let project = try #require(hero.createdProjects.first)
        let notes = try #require(project["project_match"]?["partner_notes"]?.string)
        return notes.split(separator: "\n").last.map(String.init)
    }

    // MARK: Bodies

    @Test func urlencodedBodyCarriesItToHerosNotes() async throws {
        try await withApp { server, hero, _ in
            let response = try await post(server, urlencoded(Self.lead + Self.campaign), accept: "application/json")
            #expect(response.status == 200, "\(response.text)")
            #expect(try lastNotesLine(hero) == Self.campaignLine)
        }
    }

    @Test func jsonBodyCarriesIt() async throws {
        try await withApp { server, hero, _ in
            let body = #"{"email":"quelle@example.org","last_name":"Quelle","zipcode":"30449","consent":true,"#
                + #""utm_source":"newsletter","utm_campaign":2026,"gclid":"Cj0KCQjw-x_1","#
                + #""page_url":"https://www.example.de/aktion#formular"}"#
            let response = try await post(server, body, contentType: "application/json")
            #expect(response.status == 200, "\(response.text)")
            #expect(try lastNotesLine(hero)
                == #"Quelle: newsletter / Kampagne "2026" / gclid Cj0KCQjw-x_1; Seite: https://www.example.de/aktion"#)
        }
    }

    @Test func multipartBodyCarriesIt() async throws {
        try await withApp { server, hero, _ in
            let boundary = "----heroform-quelle"
            let parts = Self.lead + [("utm_source", "facebook"), ("utm_content", "video-2"), ("_token", token())]
            let body = parts.map {
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"\($0.0)\"\r\n\r\n\($0.1)\r\n"
            }.joined() + "--\(boundary)--\r\n"
            let response = try await post(
                server, body, contentType: "multipart/form-data; boundary=\(boundary)", accept: "application/json")
            #expect(response.status == 200, "\(response.text)")
            #expect(try lastNotesLine(hero) == #"Quelle: facebook / Inhalt "video-2""#)
        }
    }

    @Test func invalidValuesAreDroppedAndTheLeadIsTaken() async throws {
        try await withApp { server, hero, _ in
            let fields = Self.lead + [
                ("utm_source", String(repeating: "x", count: 101)), ("utm_medium", "cpc\r\nInjected: line"),
                ("utm_campaign", "herbst"), ("page_url", "javascript:alert(1)"), ("gclid", "a b"),
            ]
            let response = try await post(server, urlencoded(fields), accept: "application/json")
            #expect(response.status == 200, "\(response.text)")
            #expect(try lastNotesLine(hero) == #"Quelle: Kampagne "herbst""#)
        }
    }

    @Test func duplicateLeadsAreRecognisedWhateverTheirCampaign() async throws {
        try await withApp { server, hero, app in
            let first = try await post(server, urlencoded(Self.lead + Self.campaign), accept: "application/json")
            let again = try await post(server, urlencoded(Self.lead), accept: "application/json")
            #expect(first.status == 200 && again.status == 200)
            #expect(jsonObject(again)?["reference"] as? String == jsonObject(first)?["reference"] as? String)
            #expect(hero.createdProjects.count == 1)
            let metrics = app.metrics.render(outbox: [:], mode: "x", version: "y")
            #expect(metrics.contains("heroform_leads_by_source_total{source=\"google\"} 1"), "counted once")
            #expect(metrics.contains("heroform_leads_by_source_total{source=\"none\"} 0"))
        }
    }

    // MARK: The Referer

    @Test func withoutAPageTheRefererNamesIt() async throws {
        try await withApp { server, hero, _ in
            let response = try await post(
                server, urlencoded(Self.lead + [("utm_source", "google")]), accept: "application/json",
                extraHeaders: "Referer: https://www.example.de/kontakt?gclid=abc#form\r\n")
            #expect(response.status == 200, "\(response.text)")
            #expect(try lastNotesLine(hero) == "Quelle: google; Seite: https://www.example.de/kontakt")
        }
    }

    @Test func aPageSentWinsOverTheReferer() async throws {
        try await withApp { server, hero, _ in
            _ = try await post(
                server, urlencoded(Self.lead + Self.campaign), accept: "application/json",
                extraHeaders: "Referer: https://www.example.de/kontakt\r\n")
            #expect(try lastNotesLine(hero) == Self.campaignLine)
        }
    }

    @Test func anInvalidPageSentLeavesTheRefererToNameIt() async throws {
        try await withApp { server, hero, _ in
            _ = try await post(
                server, urlencoded(Self.lead + [("page_url", "/relativ")]), accept: "application/json",
                extraHeaders: "Referer: https://www.example.de/kontakt\r\n")
            #expect(try lastNotesLine(hero) == "Seite: https://www.example.de/kontakt")
        }
    }

    @Test(arguments: [
        "http://forms.example/", "https://forms.example/forms/english?utm_source=x", "http://FORMS.example:80/",
        "android-app://com.google.android.gm/", "not a url",
    ])
    func heroformsOwnPagesAndOtherReferersAreNotTheSource(referer: String) async throws {
        try await withApp { server, hero, _ in
            let response = try await post(
                server, urlencoded(Self.lead), accept: "application/json", extraHeaders: "Referer: \(referer)\r\n")
            #expect(response.status == 200)
            #expect(try lastNotesLine(hero) == "Formular: default")
        }
    }

    // MARK: The page

    @Test func theQueryBecomesHiddenFields() async throws {
        try await withApp { server, _, _ in
            let query = "utm_source=google&utm_medium=cpc&utm_campaign=dach-herbst&gclid=Cj0K"
                + "&page_url=https%3A%2F%2Fwww.example.de%2Fdach%3Fsecret%3D1&utm_id=ignored"
            let page = try await get(server, "/?\(query)").text
            for field in [
                #"<input type="hidden" name="utm_source" value="google">"#,
                #"<input type="hidden" name="utm_medium" value="cpc">"#,
                #"<input type="hidden" name="utm_campaign" value="dach-herbst">"#,
                #"<input type="hidden" name="gclid" value="Cj0K">"#,
                #"<input type="hidden" name="page_url" value="https://www.example.de/dach">"#,
            ] {
                #expect(page.contains(field), "\(field)")
            }
            #expect(!page.contains("secret"))
            #expect(!page.contains("utm_id"))
            #expect(!page.contains("utm_term"), "no field for what was not sent")
            let plain = try await get(server, "/forms/english").text
            #expect(!plain.contains("utm_") && !plain.contains("page_url"))
        }
    }

    @Test func anInjectionAttemptInTheQueryIsEscaped() async throws {
        try await withApp { server, _, _ in
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            let encode = { (text: String) in text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }
            // With a quote the value is dropped (it could forge the notes line); without, it is escaped.
            let quoted = encode("\"><script>alert(1)</script><input name=\"x")
            #expect(!(try await get(server, "/?utm_campaign=\(quoted)").text).contains("utm_campaign"))
            let attack = encode("'><script>alert(1)</script><input name='x")
            let page = try await get(server, "/?utm_campaign=\(attack)&utm_source=%27onmouseover%3D%27x").text
            #expect(!page.contains("<script>alert"))
            #expect(page.contains(
                #"<input type="hidden" name="utm_campaign" value="&#39;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"#
                    + #"&lt;input name=&#39;x">"#))
            #expect(page.contains(#"<input type="hidden" name="utm_source" value="&#39;onmouseover=&#39;x">"#))
            let url = try await get(server, "/?page_url=https%3A%2F%2Fx.de%2F%22%3E%3Cscript%3E").text
            #expect(!url.contains("page_url"), "a page address a URL cannot hold is dropped")
        }
    }

    @Test func pagesWithAndWithoutCampaignDoNotShareTheCache() async throws {
        try await withApp { server, _, _ in
            let tagged = try await get(server, "/?utm_source=google").text
            let plain = try await get(server, "/").text
            let other = try await get(server, "/?utm_source=bing").text
            #expect(tagged.contains(#"name="utm_source" value="google""#))
            #expect(!plain.contains("utm_source"))
            #expect(other.contains(#"name="utm_source" value="bing""#) && !other.contains("google"))
        }
    }

    @Test func aRefusedFormKeepsItsHiddenFields() async throws {
        try await withApp { server, hero, _ in
            let fields = [("email", "kaputt"), ("zipcode", "30449")] + Self.campaign
            let response = try await post(server, urlencoded(fields))
            #expect(response.status == 422)
            #expect(response.text.contains(#"<input type="hidden" name="utm_campaign" value="dach-herbst">"#))
            #expect(response.text.contains(
                #"<input type="hidden" name="page_url" value="https://www.example.de/dachsanierung">"#))
            #expect(hero.createdProjects.isEmpty)
        }
    }

    @Test func aRefusedFormKeepsTheRefererAsItsPage() async throws {
        try await withApp { server, _, _ in
            let response = try await post(
                server, urlencoded([("email", "kaputt")]), extraHeaders: "Referer: https://www.example.de/kontakt\r\n")
            #expect(response.status == 422)
            #expect(response.text.contains(
                #"<input type="hidden" name="page_url" value="https://www.example.de/kontakt">"#))
        }
    }

    // MARK: Turned off

    @Test func aFormWithoutAttributionCapturesAndForwardsNothing() async throws {
        try await withApp(configure: { $0.forms["default"]?.attribution = false }) { server, hero, app in
            let page = try await get(server, "/?utm_source=google&page_url=https%3A%2F%2Fwww.example.de%2F").text
            #expect(!page.contains("utm_source") && !page.contains("page_url") && !page.contains("google"))
            let response = try await post(
                server, urlencoded(Self.lead + Self.campaign), accept: "application/json",
                extraHeaders: "Referer: https://www.example.de/kontakt\r\n")
            #expect(response.status == 200)
            let notes = try #require(hero.createdProjects.first?["project_match"]?["partner_notes"]?.string)
            #expect(!notes.contains("Quelle") && !notes.contains("Seite") && !notes.contains("example.de"))
            let refused = try await post(server, urlencoded([("email", "kaputt")] + Self.campaign))
            #expect(refused.status == 422)
            #expect(!refused.text.contains("type=\"hidden\" name=\"utm_"))
            #expect(app.metrics.render(outbox: [:], mode: "x", version: "y")
                .contains("heroform_leads_by_source_total{source=\"none\"} 1"))
        }
    }

    @Test func configTurnsItOffPerForm() throws {
        let forms = #""forms": {"default": {"measure": "DOG", "partner_source": "Website"}, "#
            + #""plain": {"measure": "DOG", "partner_source": "Website", "attribution": false}}"#
        let config = try AppConfig.parse(Data("{\(forms)}".utf8), path: "test.json")
        #expect(config.forms["default"]?.attribution == true)
        #expect(config.forms["plain"]?.attribution == false)
        let wrong = #"{"forms": {"default": {"measure": "DOG", "partner_source": "W", "attribution": "no"}}}"#
        #expect(throws: AppConfig.Invalid.self) { try AppConfig.parse(Data(wrong.utf8), path: "test.json") }
        do {
            _ = try AppConfig.parse(Data(wrong.utf8), path: "test.json")
        } catch {
            #expect(error.problems == ["forms.default.attribution: must be true or false"])
        }
    }

    // MARK: Metrics

    @Test func leadsAreCountedBySource() async throws {
        try await withApp { server, _, app in
            for (index, source) in ["google", "google", "say 'hi'\\", ""].enumerated() {
                let fields = [("email", "m\(index)@example.org"), ("zipcode", "30449"), ("last_name", "M"),
                              ("consent", "on"), ("utm_source", source)]
                #expect(try await post(server, urlencoded(fields), accept: "application/json").status == 200)
            }
            _ = try await post(server, urlencoded([("email", "x"), ("utm_source", "refused")]))
            let text = app.metrics.render(outbox: [:], mode: "x", version: "y")
            #expect(text.contains("# TYPE heroform_leads_by_source_total counter"))
            #expect(text.contains("heroform_leads_by_source_total{source=\"google\"} 2"))
            #expect(text.contains(#"heroform_leads_by_source_total{source="say 'hi'\\"} 1"#))
            #expect(text.contains("heroform_leads_by_source_total{source=\"none\"} 1"))
            #expect(text.contains("heroform_leads_by_source_total{source=\"other\"} 0"))
            #expect(!text.contains("refused"), "refused leads are not counted")
        }
    }

    @Test func theFirstTwentySourcesGetALabelTheRestCountAsOther() {
        var sources = Metrics.LeadSources()
        for number in 1...20 { sources.count("quelle-\(number)") }
        sources.count("quelle-21")
        sources.count("quelle-22")
        sources.count("quelle-1")
        sources.count(nil)
        sources.count("none")
        sources.count("other")
        let lines = Dictionary(uniqueKeysWithValues: sources.lines.map { ($0.label, $0.count) })
        #expect(lines.count == 22)
        #expect(lines["quelle-1"] == 2, "a source seen before keeps its label")
        #expect(lines["quelle-20"] == 1)
        #expect(lines["quelle-21"] == nil)
        #expect(lines["other"] == 3)
        #expect(lines["none"] == 2)
        #expect(sources.lines.suffix(2).map(\.label) == ["none", "other"])
    }
}
