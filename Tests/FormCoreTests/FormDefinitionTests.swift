import Testing
@testable import FormCore

@Suite struct FormDefinitionTests {
    static func make(shown: [Field] = FormDefinition.defaultShownFields,
                     required: Set<Field> = FormDefinition.defaultRequiredFields) -> FormDefinition {
        FormDefinition(id: "dach", measure: "DOG", partnerSource: "Website", shownFields: shown, requiredFields: required)
    }

    @Test func defaults() {
        let form = Self.make()
        #expect(form.language == .de)
        #expect(form.title == nil)
        #expect(form.privacyURL == nil)
        #expect(form.successURL == nil)
        #expect(form.shownFields == [
            .salutation, .firstName, .lastName, .companyName, .email, .phone, .street, .zipcode, .city,
            .countryCode, .projectStreet, .projectZipcode, .projectCity, .projectCountryCode, .message, .consent,
        ])
        #expect(form.requiredFields == [.email, .lastName, .zipcode, .consent])
        #expect(FormDefinition.mandatoryFields == [.email, .zipcode])
    }

    @Test func keepsAllGivenValues() {
        let form = FormDefinition(id: "bad", measure: "SAN", partnerSource: "Badplaner", title: "Bad planen",
                                  language: .en, privacyURL: "https://example.org/datenschutz",
                                  successURL: "https://example.org/danke", shownFields: [.email, .zipcode],
                                  requiredFields: [.email, .zipcode])
        #expect(form.id == "bad")
        #expect(form.measure == "SAN")
        #expect(form.partnerSource == "Badplaner")
        #expect(form.title == "Bad planen")
        #expect(form.language == .en)
        #expect(form.privacyURL == "https://example.org/datenschutz")
        #expect(form.successURL == "https://example.org/danke")
    }

    @Test(arguments: [
        // (configured, expected)
        ([Field](), [Field.email, .zipcode]),
        ([.message], [.message, .email, .zipcode]),
        ([.zipcode, .message], [.zipcode, .message, .email]),
        ([.form, .lastName, .form], [.lastName, .email, .zipcode]),
        ([.phone, .email, .phone, .zipcode, .email], [.phone, .email, .zipcode]),
    ])
    func shownFieldsAreNormalized(configured: [Field], expected: [Field]) {
        #expect(Self.make(shown: configured).shownFields == expected)
    }

    @Test(arguments: [
        (Set<Field>(), Set<Field>([.email, .zipcode])),
        ([.form, .phone], [.email, .zipcode, .phone]),
        ([.consent], [.email, .zipcode, .consent]),
    ] as [(Set<Field>, Set<Field>)])
    func requiredFieldsAlwaysContainTheMandatoryOnes(configured: Set<Field>, expected: Set<Field>) {
        #expect(Self.make(required: configured).requiredFields == expected)
    }

    @Test func mutationCannotDropMandatoryFields() {
        var form = Self.make()
        form.shownFields = [.form, .message]
        #expect(form.shownFields == [.message, .email, .zipcode])
        form.requiredFields = []
        #expect(form.requiredFields == [.email, .zipcode])
        form.shownFields.removeAll { $0 == .email }
        #expect(form.shownFields.contains(.email))
    }

    @Test func equality() {
        #expect(Self.make() == Self.make())
        #expect(Self.make(shown: [.email]) == Self.make(shown: [.email, .zipcode]))
        #expect(Self.make(shown: [.message]) != Self.make(shown: [.phone]))
        var other = Self.make()
        other.measure = "SAN"
        #expect(other != Self.make())
    }
}
