import FoundationEssentials
import Testing
import FormCore
import JSON

@Suite struct HeroPayloadTests {
    static func json(_ payload: HeroPayload) -> String {
        String(decoding: payload.jsonBytes(), as: UTF8.self)
    }

    static let docExample = HeroPayload(
        measure: "DOG",
        customer: .init(email: "max.mustermann@example.org", title: "Herr", firstName: "Max", lastName: "Mustermann",
                        companyName: "Meine Firma"),
        address: .init(street: "Schwarzer Bär 2", city: "Hannover", zipcode: "30449", countryCode: "DE"),
        projectAddress: .init(street: "Schwarzer Bär 5", city: "Hannover", zipcode: "30449", countryCode: "DE"),
        projectMatch: .init(comment: "Dieser Kommentar erscheint im Logbuch zu dem Projekt.",
                            partnerNotes: "Optionale Hinweise für das Notizfeld.", partnerSource: "Mein Kontaktformular")
    )

    /// The request body from hero-lead-api.txt, verbatim.
    static let docJSON = """
        {
            "measure": "DOG",
            "customer": {
                "email": "max.mustermann@example.org",
                "title": "Herr",
                "first_name": "Max",
                "last_name": "Mustermann",
                "company_name": "Meine Firma"
            },
            "address": {
                "street": "Schwarzer Bär 2",
                "city": "Hannover",
                "zipcode": "30449",
                "country_code": "DE"
            },
            "projectaddress": {
                "street": "Schwarzer Bär 5",
                "city": "Hannover",
                "zipcode": "30449",
                "country_code": "DE"
            },
            "project_match": {
                "comment": "Dieser Kommentar erscheint im Logbuch zu dem Projekt.",
                "partner_notes": "Optionale Hinweise für das Notizfeld.",
                "partner_source": "Mein Kontaktformular"
            }
        }
        """

    @Test func writesTheDocumentedExample() throws {
        #expect(try JSONValue.parse(Self.docJSON) == Self.docExample.json)
        #expect(try JSONValue.parse(Self.docExample.jsonBytes()) == JSONValue.parse(Self.docJSON))
    }

    @Test func dataIsTheBytes() {
        #expect(Array(Self.docExample.jsonData()) == Self.docExample.jsonBytes())
    }

    @Test func encodesTheDocumentedExampleExactly() {
        #expect(Self.json(Self.docExample) == #"{"address":{"city":"Hannover","country_code":"DE","street":"Schwarzer Bär 2","zipcode":"30449"},"#
            + #""customer":{"company_name":"Meine Firma","email":"max.mustermann@example.org","first_name":"Max","last_name":"Mustermann","title":"Herr"},"#
            + #""measure":"DOG","project_match":{"comment":"Dieser Kommentar erscheint im Logbuch zu dem Projekt.","#
            + #""partner_notes":"Optionale Hinweise für das Notizfeld.","partner_source":"Mein Kontaktformular"},"#
            + #""projectaddress":{"city":"Hannover","country_code":"DE","street":"Schwarzer Bär 5","zipcode":"30449"}}"#)
    }

    @Test func phoneHomeKey() {
        let payload = HeroPayload(measure: "DOG", customer: .init(email: "a@b.de", phoneHome: "0511 123"))
        #expect(Self.json(payload) == #"{"customer":{"email":"a@b.de","phone_home":"0511 123"},"measure":"DOG"}"#)
    }

    @Test func emptyValuesAndObjectsAreOmitted() {
        let payload = HeroPayload(
            measure: "DOG",
            customer: .init(email: "", title: nil, firstName: ""),
            address: .init(street: ""),
            projectAddress: .init(),
            projectMatch: .init(comment: "", partnerNotes: nil, partnerSource: "")
        )
        #expect(Self.json(payload) == #"{"measure":"DOG"}"#)
        #expect(Self.json(HeroPayload(measure: "")) == "{}")
        let partial = HeroPayload(measure: "DOG", address: .init(street: "", city: "Köln", zipcode: nil, countryCode: ""))
        #expect(Self.json(partial) == #"{"address":{"city":"Köln"},"measure":"DOG"}"#)
    }

    @Test func escapesOnlyWhatJSONRequires() throws {
        let comment = "a\"b\\c\r\nd</script>/e\u{0}ä😀"
        let payload = HeroPayload(measure: "DOG", projectMatch: .init(comment: comment))
        let json = Self.json(payload)
        #expect(json.hasPrefix(#"{"measure":"DOG","project_match":{"comment":"a\"b\\c\r\nd</script>/e\u0000ä😀"}}"#))
        #expect(try JSONValue.parse(payload.jsonBytes())["project_match"]?["comment"]?.string == comment)
    }

    @Test func roundTrips() throws {
        #expect(try JSONValue.parse(Self.docExample.jsonBytes()) == Self.docExample.json)
    }

    @Test func missingMembersAreLeftOut() throws {
        let payload = HeroPayload(measure: "SAN", customer: .init(email: "x@y.de"))
        #expect(try JSONValue.parse(#"{"measure":"SAN","customer":{"email":"x@y.de"}}"#) == payload.json)
    }

    @Test func megabyteComment() throws {
        let comment = String(repeating: "Ä\n", count: 500_000)
        let payload = HeroPayload(measure: "DOG", projectMatch: .init(comment: comment))
        #expect(try JSONValue.parse(payload.jsonBytes())["project_match"]?["comment"]?.string == comment)
    }
}
