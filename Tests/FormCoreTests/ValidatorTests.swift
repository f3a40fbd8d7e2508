import Testing
import FormCore

@Suite struct ValidatorTests {
    static let form = FormDefinition(id: "dach", measure: "DOG", partnerSource: "Website")
    static let englishForm = FormDefinition(id: "roof", measure: "DOG", partnerSource: "Website", language: .en)

    static let complete: [String: String] = [
        "form": "ignored-by-validator", "salutation": "Herr", "first_name": " Max ", "last_name": "Mustermann",
        "company_name": "Meine Firma", "email": "Max.Mustermann@Example.ORG", "phone": "+49 511 123456",
        "street": "Schwarzer Bär 2", "zipcode": "30449", "city": "Hannover", "country_code": "de",
        "project_street": "Schwarzer Bär 5", "project_zipcode": "30449", "project_city": "Hannover",
        "project_country_code": "", "message": "Hallo,\r\nbitte um Rückruf.", "consent": "on",
        "_token": "abc", "website": "",
    ]
    static let minimal: [String: String] = ["email": "a@b.de", "last_name": "Li", "zipcode": "30449", "consent": "on"]

    static func failure(_ raw: [String: String], form: FormDefinition = form) -> [Field: String]? {
        guard case .failure(let failure) = Validator.validate(raw, form: form) else { return nil }
        return failure.errors
    }

    static func lead(_ raw: [String: String], form: FormDefinition = form) -> Lead? {
        guard case .success(let lead) = Validator.validate(raw, form: form) else { return nil }
        return lead
    }

    static func with(_ changes: [String: String], base: [String: String] = complete) -> [String: String] {
        base.merging(changes) { _, new in new }
    }

    @Test func completeSubmission() throws {
        let lead = try #require(Self.lead(Self.complete))
        #expect(lead == Lead(values: [
            .salutation: "Herr", .firstName: "Max", .lastName: "Mustermann", .companyName: "Meine Firma",
            .email: "Max.Mustermann@example.org", .phone: "+49 511 123456", .street: "Schwarzer Bär 2",
            .zipcode: "30449", .city: "Hannover", .countryCode: "DE", .projectStreet: "Schwarzer Bär 5",
            .projectZipcode: "30449", .projectCity: "Hannover", .projectCountryCode: "DE",
            .message: "Hallo,\nbitte um Rückruf.",
        ], consent: true, formID: "dach"))
    }

    @Test func minimalSubmissionGetsGermanyAsCountry() throws {
        let lead = try #require(Self.lead(Self.minimal))
        #expect(lead.values == [.email: "a@b.de", .lastName: "Li", .zipcode: "30449", .countryCode: "DE"])
        #expect(lead.consent)
        #expect(lead.values.values.allSatisfy { !$0.isEmpty })
    }

    @Test func emptySubmissionNamesEveryRequiredField() {
        #expect(Self.failure([:]) == [
            .email: "Bitte füllen Sie dieses Feld aus.", .lastName: "Bitte füllen Sie dieses Feld aus.",
            .zipcode: "Bitte füllen Sie dieses Feld aus.", .consent: "Bitte stimmen Sie der Datenschutzerklärung zu.",
        ])
        #expect(Self.failure([:], form: Self.englishForm) == [
            .email: "Please fill in this field.", .lastName: "Please fill in this field.",
            .zipcode: "Please fill in this field.", .consent: "Please agree to the privacy policy.",
        ])
    }

    @Test(arguments: ["   ", "\u{200B}", "\r\n\t", "\u{202E}\u{0}"])
    func invisibleInputCountsAsEmpty(value: String) {
        #expect(Self.failure(Self.with(["last_name": value]))?[.lastName] == "Bitte füllen Sie dieses Feld aus.")
    }

    @Test(arguments: ["on", "true", "1", "yes", "ja", "ON", "True", "JA", " yes ", "Yes\u{200B}"])
    func truthyConsent(value: String) {
        #expect(Validator.isTruthy(value))
        #expect(Self.lead(Self.with(["consent": value]))?.consent == true)
    }

    @Test(arguments: ["", "0", "false", "no", "nein", "off", "onn", "checked", "y", "<script>", "on; DROP"])
    func falsyConsentIsRejectedWhenRequired(value: String) {
        #expect(!Validator.isTruthy(value))
        #expect(Self.failure(Self.with(["consent": value])) == [.consent: "Bitte stimmen Sie der Datenschutzerklärung zu."])
    }

    @Test func optionalConsent() {
        let form = FormDefinition(id: "x", measure: "DOG", partnerSource: "W", requiredFields: [.email, .zipcode])
        #expect(Self.lead(Self.with(["consent": "off"]), form: form)?.consent == false)
        #expect(Self.lead(Self.with(["consent": "on"]), form: form)?.consent == true)
        #expect(Validator.isTruthy(nil) == false)
    }

    @Test func consentIsFalseWhenNotShown() {
        let form = FormDefinition(id: "x", measure: "DOG", partnerSource: "W", shownFields: [.email, .zipcode])
        #expect(Self.lead(Self.minimal, form: form)?.consent == false)
    }

    @Test func unshownFieldsAreIgnored() throws {
        let form = FormDefinition(id: "x", measure: "DOG", partnerSource: "W", shownFields: [.lastName, .email, .zipcode],
                                  requiredFields: [.phone, .message])
        let raw = Self.with(["phone": "not a phone", "message": "<b>injected</b>", "country_code": "AT"], base: Self.minimal)
        let lead = try #require(Self.lead(raw, form: form))
        #expect(lead.values == [.email: "a@b.de", .lastName: "Li", .zipcode: "30449", .countryCode: "DE"])
        #expect(lead.consent == false)
    }

    @Test func mandatoryFieldsAreCheckedEvenIfConfiguredAway() {
        let form = FormDefinition(id: "x", measure: "DOG", partnerSource: "W", shownFields: [.message], requiredFields: [])
        #expect(Self.failure(["message": "Hallo"], form: form) == [
            .email: "Bitte füllen Sie dieses Feld aus.", .zipcode: "Bitte füllen Sie dieses Feld aus.",
        ])
    }

    @Test(arguments: [
        (Field.lastName, 100, "Bitte höchstens 100 Zeichen eingeben."),
        (.firstName, 100, "Bitte höchstens 100 Zeichen eingeben."),
        (.companyName, 150, "Bitte höchstens 150 Zeichen eingeben."),
        (.street, 150, "Bitte höchstens 150 Zeichen eingeben."),
        (.city, 100, "Bitte höchstens 100 Zeichen eingeben."),
        (.message, 5000, "Bitte höchstens 5000 Zeichen eingeben."),
    ])
    func lengthLimits(field: Field, limit: Int, message: String) {
        let fits = String(repeating: "ä", count: limit)
        let tooLong = String(repeating: "ä", count: limit + 1)
        #expect(Self.lead(Self.with([field.rawValue: fits])) != nil)
        #expect(Self.failure(Self.with([field.rawValue: tooLong])) == [field: message])
    }

    @Test func lengthIsCountedInCharactersAfterSanitizing() {
        // 100 decomposed "ä" (200 scalars) and 150 flags (300 scalars) are within their limits.
        let decomposed = String(repeating: "a\u{0308}", count: 100)
        #expect(Self.lead(Self.with(["last_name": decomposed]))?.value(.lastName)?.unicodeScalars.count == 100)
        #expect(Self.lead(Self.with(["street": String(repeating: "🇩🇪", count: 150)])) != nil)
        #expect(Self.failure(Self.with(["street": String(repeating: "🇩🇪", count: 151)])) == [.street: "Bitte höchstens 150 Zeichen eingeben."])
        // Invisible padding does not count.
        #expect(Self.lead(Self.with(["last_name": String(repeating: "\u{200B}", count: 500) + "Li"])) != nil)
    }

    @Test(arguments: [
        ("email", "max@example", Field.email, "Bitte geben Sie eine gültige E-Mail-Adresse ein."),
        ("email", "max@example.de\r\nBcc: victim@example.org", .email, "Bitte geben Sie eine gültige E-Mail-Adresse ein."),
        ("phone", "0511 CALL ME", .phone, "Bitte geben Sie eine gültige Telefonnummer ein."),
        ("zipcode", "3044", .zipcode, "Bitte geben Sie eine gültige Postleitzahl ein."),
        ("country_code", "XX", .countryCode, "Bitte wählen Sie ein gültiges Land aus."),
        ("country_code", "Deutschland", .countryCode, "Bitte höchstens 2 Zeichen eingeben."),
        ("project_country_code", "UK", .projectCountryCode, "Bitte wählen Sie ein gültiges Land aus."),
        ("salutation", "herr", .salutation, "Bitte wählen Sie eine der angebotenen Anreden aus."),
        ("salutation", "Dr.", .salutation, "Bitte wählen Sie eine der angebotenen Anreden aus."),
        ("first_name", "12345", .firstName, "Bitte geben Sie einen gültigen Namen ein."),
        ("last_name", "!!!", .lastName, "Bitte geben Sie einen gültigen Namen ein."),
        ("last_name", "<script>alert(1)</script>", .lastName, "Bitte geben Sie einen gültigen Namen ein."),
        ("last_name", "x'); DROP TABLE leads;--", .lastName, "Bitte geben Sie einen gültigen Namen ein."),
    ])
    func formatErrors(key: String, value: String, field: Field, message: String) {
        #expect(Self.failure(Self.with([key: value])) == [field: message])
    }

    @Test func formatErrorsInEnglish() {
        let raw = Self.with(["email": "x", "phone": "abc", "zipcode": "1", "salutation": "Sir", "first_name": "42"])
        #expect(Self.failure(raw, form: Self.englishForm) == [
            .email: "Please enter a valid email address.", .phone: "Please enter a valid phone number.",
            .zipcode: "Please enter a valid postcode.", .salutation: "Please choose one of the offered salutations.",
            .firstName: "Please enter a valid name.",
        ])
    }

    @Test(arguments: [
        ("Müller", "Müller"), ("O'Brien", "O'Brien"), ("Иван", "Иван"), ("محمد", "محمد"), ("山田", "山田"),
        ("Mu\u{0308}ller\u{202E}", "Müller"), ("  Jean-Luc  ", "Jean-Luc"),
    ])
    func namesOfAnyScript(input: String, stored: String) {
        #expect(Self.lead(Self.with(["last_name": input]))?.value(.lastName) == stored)
    }

    @Test(arguments: [("", nil), ("Herr", "Herr"), ("Frau", "Frau"), ("Divers", "Divers")] as [(String, String?)])
    func salutations(input: String, stored: String?) {
        #expect(Self.lead(Self.with(["salutation": input]))?.value(.salutation) == stored)
    }

    @Test(arguments: [
        ("AT", "1010", true), ("at", "1010", true), ("CH", "8001", true), ("NL", "1234 ab", true), ("GB", "sw1a 1aa", true),
        ("DE", "1010", false), ("AT", "30449", false), ("FR", "ABC", false), ("XX", "30449", true),
    ])
    func postcodeFollowsTheCountry(country: String, zipcode: String, valid: Bool) {
        let errors = Self.failure(Self.with(["country_code": country, "zipcode": zipcode]))
        #expect((errors?[.zipcode] == nil) == valid)
    }

    @Test func projectCountryDefaultsToTheCustomerCountry() throws {
        let raw = Self.with(["country_code": "AT", "zipcode": "1010", "project_zipcode": "6020", "project_street": "",
                             "project_city": "", "project_country_code": ""])
        let lead = try #require(Self.lead(raw))
        #expect(lead.value(.projectCountryCode) == "AT")
        #expect(lead.value(.projectZipcode) == "6020")
    }

    @Test func projectPostcodeIsCheckedAgainstTheProjectCountry() {
        let atProject = Self.with(["project_country_code": "AT", "project_zipcode": "1010"])
        #expect(Self.lead(atProject)?.value(.projectCountryCode) == "AT")
        let deProject = Self.with(["project_zipcode": "1010"])
        #expect(Self.failure(deProject) == [.projectZipcode: "Bitte geben Sie eine gültige Postleitzahl ein."])
    }

    @Test func noProjectAddressMeansNoProjectCountry() throws {
        let raw = Self.with(["project_street": "", "project_zipcode": "", "project_city": "", "project_country_code": ""])
        let lead = try #require(Self.lead(raw))
        #expect(lead.value(.projectCountryCode) == nil)
        #expect(!lead.values.keys.contains { $0.isProjectAddress })
    }

    @Test func hostileValuesAreSanitizedNotRejected() throws {
        let raw = Self.with([
            "message": "<script>alert('x')</script>\u{0}\r\n\u{202E}Robert'); DROP TABLE leads;--",
            "company_name": "Müller & Söhne <GmbH>", "city": "Halle (Saale)\u{200B}",
        ])
        let lead = try #require(Self.lead(raw))
        #expect(lead.value(.message) == "<script>alert('x')</script>\nRobert'); DROP TABLE leads;--")
        #expect(lead.value(.companyName) == "Müller & Söhne <GmbH>")
        #expect(lead.value(.city) == "Halle (Saale)")
    }

    @Test func megabyteValuesInEveryFieldAreRejectedAsTooLong() {
        let huge = String(repeating: "x", count: 1_000_000)
        var raw: [String: String] = [:]
        for field in Field.allCases { raw[field.rawValue] = huge }
        let errors = Self.failure(raw)
        #expect(errors?.count == Field.allCases.count - 1)  // all but `form`
        #expect(errors?[.message] == "Bitte höchstens 5000 Zeichen eingeben.")
        #expect(errors?[.consent] == "Bitte stimmen Sie der Datenschutzerklärung zu.")
    }

    @Test func formIDComesFromTheDefinitionNotTheRequest() {
        #expect(Self.lead(Self.with(["form": "other"]))?.formID == "dach")
    }
}
