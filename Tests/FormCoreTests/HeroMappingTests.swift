import Foundation
import Testing
@testable import FormCore

@Suite struct HeroMappingTests {
    static let form = FormDefinition(id: "dach", measure: "DOG", partnerSource: "Mein Kontaktformular")
    static let consentAt = Date(timeIntervalSince1970: 1_700_000_000)  // 2023-11-14 22:13:20 UTC

    static let fullLead = Lead(values: [
        .salutation: "Herr", .firstName: "Max", .lastName: "Mustermann", .companyName: "Meine Firma",
        .email: "max.mustermann@example.org", .phone: "+49 511 123456", .street: "Schwarzer Bär 2", .city: "Hannover",
        .zipcode: "30449", .countryCode: "DE", .projectStreet: "Schwarzer Bär 5", .projectCity: "Hannover",
        .projectZipcode: "30449", .projectCountryCode: "DE", .message: "Dieser Kommentar erscheint im Logbuch zu dem Projekt.",
    ], consent: true, formID: "dach")

    static func json(_ lead: Lead, form: FormDefinition = form, reference: String = "HF-7K3M9Q") -> String {
        let payload = HeroMapping.payload(for: lead, form: form, reference: reference, consentAt: consentAt)
        return String(decoding: payload.jsonData(), as: UTF8.self)
    }

    @Test func fullLeadExactJSON() {
        #expect(Self.json(Self.fullLead) == #"{"address":{"city":"Hannover","country_code":"DE","street":"Schwarzer Bär 2","zipcode":"30449"},"#
            + #""customer":{"company_name":"Meine Firma","email":"max.mustermann@example.org","first_name":"Max","#
            + #""last_name":"Mustermann","phone_home":"+49 511 123456","title":"Herr"},"measure":"DOG","#
            + #""project_match":{"comment":"Dieser Kommentar erscheint im Logbuch zu dem Projekt.","#
            + #""partner_notes":"Telefon: +49 511 123456\nEinwilligung Datenschutz: 2023-11-14 22:13:20 UTC\nReferenz: HF-7K3M9Q\nFormular: dach","#
            + #""partner_source":"Mein Kontaktformular"},"#
            + #""projectaddress":{"city":"Hannover","country_code":"DE","street":"Schwarzer Bär 5","zipcode":"30449"}}"#)
    }

    @Test func minimalLeadExactJSON() {
        let lead = Lead(values: [.email: "a@b.de", .zipcode: "30449", .countryCode: "DE"], consent: false, formID: "kurz")
        let form = FormDefinition(id: "kurz", measure: "SAN", partnerSource: "Website")
        #expect(Self.json(lead, form: form, reference: "R1")
            == #"{"address":{"country_code":"DE","zipcode":"30449"},"customer":{"email":"a@b.de"},"measure":"SAN","#
            + #""project_match":{"partner_notes":"Referenz: R1\nFormular: kurz","partner_source":"Website"}}"#)
    }

    @Test func fromValidatedRequestToExactBytes() throws {
        let raw = ["email": "Ivan@ПОЧТА.РФ", "last_name": " Петров ", "first_name": "Иван", "zipcode": "1010",
                   "country_code": "at", "consent": "on", "message": "Привет!\r\n\r\n\r\n\r\nДо свидания", "phone": ""]
        guard case .success(let lead) = Validator.validate(raw, form: Self.form) else {
            Issue.record("valid request rejected")
            return
        }
        #expect(Self.json(lead, reference: "HF-1")
            == #"{"address":{"country_code":"AT","zipcode":"1010"},"customer":{"email":"Ivan@почта.рф","first_name":"Иван","last_name":"Петров"},"#
            + #""measure":"DOG","project_match":{"comment":"Привет!\n\n\nДо свидания","#
            + #""partner_notes":"Einwilligung Datenschutz: 2023-11-14 22:13:20 UTC\nReferenz: HF-1\nFormular: dach","#
            + #""partner_source":"Mein Kontaktformular"}}"#)
    }

    @Test(arguments: [
        ([Field.projectStreet], true), ([.projectZipcode], true), ([.projectCity], true), ([.projectCountryCode], false), ([], false),
    ])
    func projectAddressOnlyWithALocation(fields: [Field], expected: Bool) {
        var values: [Field: String] = [.email: "a@b.de", .zipcode: "30449", .countryCode: "DE"]
        for field in fields { values[field] = field == .projectCountryCode ? "AT" : "x" }
        let payload = HeroMapping.payload(for: Lead(values: values, formID: "f"), form: Self.form, reference: "R", consentAt: Self.consentAt)
        #expect((payload.projectAddress != nil) == expected)
    }

    @Test func projectCountryFallsBackToTheCustomerCountry() {
        let lead = Lead(values: [.email: "a@b.de", .countryCode: "CH", .projectCity: "Zürich"], formID: "f")
        let payload = HeroMapping.payload(for: lead, form: Self.form, reference: "R", consentAt: Self.consentAt)
        #expect(payload.projectAddress == HeroPayload.Address(city: "Zürich", countryCode: "CH"))
    }

    @Test func mapsEveryFieldToItsHeroMember() {
        let payload = HeroMapping.payload(for: Self.fullLead, form: Self.form, reference: "R", consentAt: Self.consentAt)
        #expect(payload.measure == "DOG")
        #expect(payload.customer == .init(email: "max.mustermann@example.org", title: "Herr", firstName: "Max",
                                          lastName: "Mustermann", companyName: "Meine Firma", phoneHome: "+49 511 123456"))
        #expect(payload.address == .init(street: "Schwarzer Bär 2", city: "Hannover", zipcode: "30449", countryCode: "DE"))
        #expect(payload.projectAddress == .init(street: "Schwarzer Bär 5", city: "Hannover", zipcode: "30449", countryCode: "DE"))
        #expect(payload.projectMatch?.comment == "Dieser Kommentar erscheint im Logbuch zu dem Projekt.")
        #expect(payload.projectMatch?.partnerSource == "Mein Kontaktformular")
    }

    @Test(arguments: [
        ("+49 511 1", true, "R", "f", "Telefon: +49 511 1\nEinwilligung Datenschutz: 2023-11-14 22:13:20 UTC\nReferenz: R\nFormular: f"),
        (nil, true, "R", "f", "Einwilligung Datenschutz: 2023-11-14 22:13:20 UTC\nReferenz: R\nFormular: f"),
        ("0511", false, "R", "f", "Telefon: 0511\nReferenz: R\nFormular: f"),
        (nil, false, "", "f", "Formular: f"),
        (nil, false, "", "", nil),
    ] as [(String?, Bool, String, String, String?)])
    func partnerNotes(phone: String?, consent: Bool, reference: String, formID: String, expected: String?) {
        var values: [Field: String] = [:]
        values[.phone] = phone
        let lead = Lead(values: values, consent: consent, formID: formID)
        #expect(HeroMapping.partnerNotes(for: lead, reference: reference, consentAt: Self.consentAt) == expected)
    }

    @Test(arguments: [
        (0.0, "1970-01-01 00:00:00"), (1_700_000_000, "2023-11-14 22:13:20"), (951_782_400, "2000-02-29 00:00:00"),
        (1_719_791_999, "2024-06-30 23:59:59"), (1_735_689_599.999, "2024-12-31 23:59:59"),
    ])
    func timestampsAreUTCAndLocaleIndependent(seconds: Double, expected: String) {
        #expect(HeroMapping.utcTimestamp(Date(timeIntervalSince1970: seconds)) == expected)
    }

    @Test(arguments: [
        (1, 0, "Dateien: 1 (1 Foto)"), (2, 1, "Dateien: 3 (2 Fotos, 1 PDF)"), (0, 2, "Dateien: 2 (2 PDFs)"),
    ])
    func filesThatFollowTheProjectAreNamedInTheNotes(photos: Int, documents: Int, line: String) {
        let lead = Lead(values: [.email: "a@b.de"], formID: "f")
        let form = FormDefinition(id: "f", measure: "DOG", partnerSource: "Web")
        let payload = HeroMapping.payload(
            for: lead, form: form, reference: "R", consentAt: Self.consentAt, photos: photos, documents: documents)
        #expect(payload.projectMatch?.partnerNotes == "Referenz: R\nFormular: f\n\(line)")
        #expect(HeroMapping.partnerNotes(for: lead, reference: "R", consentAt: Self.consentAt) == "Referenz: R\nFormular: f")
    }

    @Test func emptyPartnerSourceIsOmitted() {
        let form = FormDefinition(id: "f", measure: "DOG", partnerSource: "")
        let payload = HeroMapping.payload(for: Lead(values: [.email: "a@b.de"], formID: ""), form: form, reference: "", consentAt: Self.consentAt)
        #expect(payload.projectMatch == nil)
        #expect(String(decoding: payload.jsonData(), as: UTF8.self) == #"{"customer":{"email":"a@b.de"},"measure":"DOG"}"#)
    }

    @Test func emptyValuesInALeadAreNeverSent() {
        let lead = Lead(values: [.email: "a@b.de", .firstName: "", .street: "", .projectStreet: ""], formID: "f")
        let json = Self.json(lead)
        #expect(!json.contains(#""""#))
        #expect(!json.contains("projectaddress"))
        #expect(!json.contains("first_name"))
    }

    // MARK: Where the lead came from

    @Test(arguments: [
        (["utm_source": "google", "utm_medium": "cpc", "utm_campaign": "dach-herbst",
          "page_url": "https://www.example.de/dachsanierung"],
         #"Quelle: google / cpc / Kampagne "dach-herbst"; Seite: https://www.example.de/dachsanierung"#),
        (["utm_source": "google", "utm_medium": "cpc", "utm_campaign": "dach-herbst", "utm_term": "dach undicht",
          "utm_content": "anzeige-b", "gclid": "Cj0KCQjw", "page_url": "https://www.example.de/dach"],
         #"Quelle: google / cpc / Kampagne "dach-herbst" / Suchbegriff "dach undicht" / Inhalt "anzeige-b" / "#
            + #"gclid Cj0KCQjw; Seite: https://www.example.de/dach"#),
        (["page_url": "https://www.example.de/kontakt"], "Seite: https://www.example.de/kontakt"),
        (["utm_source": "newsletter"], "Quelle: newsletter"),
        (["utm_medium": "cpc"], "Quelle: – / cpc"),
        (["utm_medium": "email", "utm_campaign": "märz"], #"Quelle: – / email / Kampagne "märz""#),
        (["utm_source": "facebook", "utm_content": "video"], #"Quelle: facebook / Inhalt "video""#),
        (["utm_term": "dachdecker hannover"], #"Quelle: Suchbegriff "dachdecker hannover""#),
        (["gclid": "EAIaIQobChMI"], "Quelle: gclid EAIaIQobChMI"),
        (["gclid": "EAIaIQob", "page_url": "https://www.example.de/"],
         "Quelle: gclid EAIaIQob; Seite: https://www.example.de/"),
    ])
    func attributionLineInTheNotes(fields: [String: String], line: String) {
        var lead = Lead(values: [.email: "a@b.de"], formID: "f")
        lead.attribution = Attribution(fields)
        let form = FormDefinition(id: "f", measure: "DOG", partnerSource: "Web")
        let payload = HeroMapping.payload(for: lead, form: form, reference: "R", consentAt: Self.consentAt, photos: 1)
        #expect(payload.projectMatch?.partnerNotes == "Referenz: R\nFormular: f\nDateien: 1 (1 Foto)\n\(line)")
    }

    @Test func noAttributionNoLine() {
        let lead = Lead(values: [.email: "a@b.de"], formID: "f")
        #expect(lead.attribution.notesLine == nil)
        let notes = HeroMapping.partnerNotes(for: lead, reference: "R", consentAt: Self.consentAt)
        #expect(notes == "Referenz: R\nFormular: f")
    }

    @Test func attributionExactJSON() {
        var lead = Lead(values: [.email: "a@b.de", .zipcode: "30449", .countryCode: "DE"], formID: "kurz")
        lead.attribution = Attribution(["utm_source": "google", "utm_medium": "cpc", "utm_campaign": "dach-herbst",
                                        "page_url": "https://www.example.de/dachsanierung?x=1"])
        let form = FormDefinition(id: "kurz", measure: "SAN", partnerSource: "Website")
        #expect(Self.json(lead, form: form, reference: "R1")
            == #"{"address":{"country_code":"DE","zipcode":"30449"},"customer":{"email":"a@b.de"},"measure":"SAN","#
            + #""project_match":{"partner_notes":"Referenz: R1\nFormular: kurz\nQuelle: google / cpc / "#
            + #"Kampagne \"dach-herbst\"; Seite: https://www.example.de/dachsanierung","#
            + #""partner_source":"Website"}}"#)
    }
}
