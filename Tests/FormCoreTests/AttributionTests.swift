import Foundation
import Testing
@testable import FormCore

/// Which campaign parameters and page addresses are kept, and which are dropped without refusing the lead.
@Suite struct AttributionTests {
    static let campaign: [String: String] = [
        "utm_source": "google", "utm_medium": "cpc", "utm_campaign": "dach-herbst", "utm_term": "dach undicht",
        "utm_content": "anzeige-b", "gclid": "Cj0KCQjw_abc-123", "page_url": "https://www.example.de/dachsanierung",
    ]

    @Test func validValuesAreKeptUnderTheirNames() {
        let attribution = Attribution(Self.campaign)
        #expect(attribution.fields == Self.campaign)
        #expect(attribution[.source] == "google")
        #expect(attribution[.pageURL] == "https://www.example.de/dachsanierung")
        #expect(!attribution.isEmpty)
    }

    @Test func otherFieldsAndEmptyValuesAreIgnored() {
        let attribution = Attribution(["email": "a@b.de", "utm_source": "", "utm_medium": "   ", "utm_id": "x"])
        #expect(attribution.isEmpty)
        #expect(attribution.fields == [:])
    }

    @Test func valuesAreTrimmedAndMayUseAnyScript() {
        let attribution = Attribution(["utm_source": "  newsletter \n", "utm_campaign": "Frühjahr 2026 – Dächer"])
        #expect(attribution[.source] == "newsletter")
        #expect(attribution[.campaign] == "Frühjahr 2026 – Dächer")
    }

    @Test func campaignValuesUpToTheirLimitAreKeptLongerOnesDropped() {
        let atLimit = String(repeating: "ä", count: 100)
        let over = String(repeating: "a", count: 101)
        let attribution = Attribution(
            ["utm_source": atLimit, "utm_medium": over, "utm_term": over, "utm_content": "ok"])
        #expect(attribution[.source] == atLimit)
        #expect(attribution[.medium] == nil)
        #expect(attribution[.term] == nil)
        #expect(attribution[.content] == "ok", "one value dropped leaves the others")
    }

    @Test(arguments: ["goo\ngle", "goo\rgle", "goo\tgle", "goo\u{0}gle", "goo\u{7F}gle", "goo\u{85}gle",
                      "goo\u{202E}gle", "goo\u{200B}gle", "goo\u{2028}gle", "goo\u{E000}gle", "goo\u{1B}[31mgle"])
    func unprintableValuesAreDropped(value: String) {
        #expect(Attribution(["utm_source": value, "utm_campaign": value])[.source] == nil)
        #expect(Attribution(["utm_campaign": value]).isEmpty)
    }

    /// The notes line quotes campaign values and separates its parts with `;`: a value cannot forge another part.
    @Test(arguments: ["herbst\"; Seite: https://evil.example/", "herbst; Seite: https://evil.example/", "a\"b"])
    func valuesThatCouldForgeAPartOfTheNotesLineAreDropped(value: String) {
        let attribution = Attribution([
            "utm_source": value, "utm_campaign": value, "utm_term": value, "page_url": "https://www.example.de/dach",
        ])
        #expect(attribution[.source] == nil && attribution[.campaign] == nil && attribution[.term] == nil)
        #expect(attribution.notesLine == "Seite: https://www.example.de/dach")
    }

    @Test func clickIDsAreURLSafeBase64UpTo200Characters() {
        let long = String(repeating: "A", count: 200)
        #expect(Attribution(["gclid": long])[.gclid] == long)
        #expect(Attribution(["gclid": long + "A"])[.gclid] == nil)
        #expect(Attribution(["gclid": "abc def"])[.gclid] == nil)
        #expect(Attribution(["gclid": "abc+/="])[.gclid] == nil)
        #expect(Attribution(["gclid": "<script>"])[.gclid] == nil)
    }

    @Test(arguments: [
        ("https://www.example.de/dach?utm_source=google#top", "https://www.example.de/dach"),
        ("https://www.example.de/dach#top?x", "https://www.example.de/dach"),
        ("http://127.0.0.1:8080/embed.html", "http://127.0.0.1:8080/embed.html"),
        ("HTTPS://WWW.Example.de", "HTTPS://WWW.Example.de"),
        ("https://xn--mller-kva.de/d%C3%A4cher/", "https://xn--mller-kva.de/d%C3%A4cher/"),
        (" https://www.example.de/ ", "https://www.example.de/"),
    ])
    func pageAddressesLoseQueryAndFragment(sent: String, kept: String) {
        #expect(Attribution(["page_url": sent])[.pageURL] == kept)
    }

    @Test(arguments: [
        "javascript:alert(1)", "ftp://example.de/", "/dachsanierung", "//www.example.de/", "www.example.de/",
        "https://", "https:///path", "https://user:secret@www.example.de/", "https://www.example.de/a b",
        "https://www.example.de/\"><script>", "https://www.example.de/<x>", "https://www.example.de/a\\b",
        "https://www.müller.de/", "https://www.example.de/a\nb", "data:text/html,hi",
    ])
    func otherPageAddressesAreDropped(sent: String) {
        #expect(Attribution(["page_url": sent])[.pageURL] == nil)
    }

    @Test func pageAddressesUpTo500CharactersAfterCuttingTheQuery() {
        let base = "https://www.example.de/"
        let atLimit = base + String(repeating: "a", count: 500 - base.count)
        #expect(Attribution(["page_url": atLimit])[.pageURL] == atLimit)
        #expect(Attribution(["page_url": atLimit + "a"])[.pageURL] == nil)
        let longQuery = atLimit + "?" + String(repeating: "q", count: 2000)
        #expect(Attribution(["page_url": longQuery])[.pageURL] == atLimit)
    }

    @Test func originsOfPageAddresses() {
        #expect(Attribution.origin(of: "https://WWW.Example.de:8443/x?y") == "https://www.example.de:8443")
        #expect(Attribution.origin(of: "HTTP://forms.example/forms/dach") == "http://forms.example")
        #expect(Attribution.origin(of: "https://www.example.de") == "https://www.example.de")
        #expect(Attribution.origin(of: "ftp://www.example.de/") == nil)
        #expect(Attribution.origin(of: "") == nil)
    }

    @Test func aRefererGivesItsOriginAndPath() {
        #expect(Attribution.page(fromReferer: "https://www.example.de/dach?gclid=1") == "https://www.example.de/dach")
        #expect(Attribution.page(fromReferer: "android-app://com.google.android.gm/") == nil)
    }

    // MARK: Validation

    static let form = FormDefinition(id: "dach", measure: "DOG", partnerSource: "Website")
    static let lead = ["email": "a@b.de", "last_name": "Muster", "zipcode": "30449", "consent": "on"]

    @Test func validatedLeadsCarryTheirAttribution() throws {
        let raw = Self.lead.merging(Self.campaign) { first, _ in first }
        let lead = try Validator.validate(raw, form: Self.form).get()
        #expect(lead.attribution == Attribution(Self.campaign))
        #expect(lead.values[.email] == "a@b.de")
    }

    @Test func invalidAttributionNeverRefusesALead() throws {
        let raw = Self.lead.merging(["utm_source": String(repeating: "x", count: 500), "page_url": "javascript:x"]) {
            first, _ in first
        }
        let lead = try Validator.validate(raw, form: Self.form).get()
        #expect(lead.attribution.isEmpty)
    }

    @Test func aFormWithoutAttributionTakesNone() throws {
        var form = Self.form
        form.attribution = false
        let raw = Self.lead.merging(Self.campaign) { first, _ in first }
        let lead = try Validator.validate(raw, form: form).get()
        #expect(lead.attribution.isEmpty)
        let payload = HeroMapping.payload(for: lead, form: form, reference: "R", consentAt: .init())
        #expect(payload.projectMatch?.partnerNotes?.contains("Quelle") == false)
        #expect(payload.projectMatch?.partnerNotes?.contains("Seite") == false)
    }
}
