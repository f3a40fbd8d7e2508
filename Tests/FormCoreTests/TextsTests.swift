import Testing
@testable import FormCore

@Suite struct TextsTests {
    @Test(arguments: Language.allCases)
    func languageMatches(language: Language) {
        #expect(Texts.forLanguage(language).language == language)
    }

    @Test(arguments: Language.allCases)
    func everyFieldHasADistinctLabel(language: Language) {
        let texts = Texts.forLanguage(language)
        for field in Field.allCases {
            #expect(texts.fieldLabels[field]?.isEmpty == false, "\(language) has no label for \(field)")
        }
        #expect(Set(Field.allCases.map(texts.label(for:))).count == Field.allCases.count)
    }

    @Test(arguments: [
        (Field.salutation, "Anrede", "Salutation"), (.firstName, "Vorname", "First name"),
        (.lastName, "Nachname", "Last name"), (.companyName, "Firma", "Company"), (.email, "E-Mail", "Email"),
        (.phone, "Telefon", "Phone"), (.street, "Straße und Hausnummer", "Street and number"),
        (.zipcode, "PLZ", "Postcode"), (.city, "Ort", "City"), (.countryCode, "Land", "Country"),
        (.projectStreet, "Straße (Objekt)", "Street (project site)"), (.projectZipcode, "PLZ (Objekt)", "Postcode (project site)"),
        (.projectCity, "Ort (Objekt)", "City (project site)"), (.projectCountryCode, "Land (Objekt)", "Country (project site)"),
        (.message, "Ihre Nachricht", "Your message"),
    ])
    func labels(field: Field, german: String, english: String) {
        #expect(Texts.forLanguage(.de).label(for: field) == german)
        #expect(Texts.forLanguage(.en).label(for: field) == english)
    }

    @Test func missingLabelFallsBackToTheFieldName() {
        var texts = Texts.forLanguage(.de)
        texts.fieldLabels = [:]
        #expect(texts.label(for: .firstName) == "first_name")
    }

    @Test func salutationValuesStayGerman() {
        let de = Texts.forLanguage(.de).salutationOptions
        let en = Texts.forLanguage(.en).salutationOptions
        #expect(de.map(\.value) == ["Herr", "Frau", "Divers"])
        #expect(en.map(\.value) == ["Herr", "Frau", "Divers"])
        #expect(de.map(\.label) == ["Herr", "Frau", "Divers"])
        #expect(en.map(\.label) == ["Mr", "Ms", "Mx"])
        #expect(Set(de.map(\.value)).isSubset(of: Validator.salutations))
    }

    @Test(arguments: [
        (Language.de, "Frau", "Frau"), (.en, "Frau", "Ms"), (.en, "Divers", "Mx"), (.en, "Dr.", "Dr."), (.en, "", ""),
    ])
    func salutationLabel(language: Language, value: String, label: String) {
        #expect(Texts.forLanguage(language).salutationLabel(for: value) == label)
    }

    @Test func germanTexts() {
        let de = Texts.forLanguage(.de)
        #expect(de.submit == "Anfrage senden")
        #expect(de.requiredMarker == "Pflichtfeld")
        #expect(de.privacyLinkText == "Datenschutzerklärung")
        #expect(de.requiredField == "Bitte füllen Sie dieses Feld aus.")
        #expect(de.consentRequired == "Bitte stimmen Sie der Datenschutzerklärung zu.")
        #expect(de.tooLong(max: 100) == "Bitte höchstens 100 Zeichen eingeben.")
        #expect(de.errorSummary == "Bitte prüfen Sie die markierten Felder.")
        #expect(de.thankYouTitle + " " + de.thankYouText(reference: "HF-1234")
            == "Vielen Dank! Ihre Anfrage ist bei uns eingegangen. Ihre Referenz: HF-1234")
    }

    @Test func englishTexts() {
        let en = Texts.forLanguage(.en)
        #expect(en.submit == "Send request")
        #expect(en.requiredMarker == "required")
        #expect(en.privacyLinkText == "privacy policy")
        #expect(en.requiredField == "Please fill in this field.")
        #expect(en.tooLong(max: 5000) == "Please enter at most 5000 characters.")
        #expect(en.errorSummary == "Please check the highlighted fields.")
        #expect(en.thankYouText(reference: "HF-1234").hasSuffix("Your reference: HF-1234"))
    }

    @Test(arguments: Language.allCases)
    func templatesAreFilled(language: Language) {
        let texts = Texts.forLanguage(language)
        let consent = texts.consentSentence(privacy: "[LINK]")
        #expect(consent.contains("[LINK]"))
        #expect(!consent.contains("{"))
        #expect(texts.consentTemplate.contains("{privacy}"))
        #expect(texts.thankYouTemplate.contains("{reference}"))
        #expect(texts.tooLongTemplate.contains("{max}"))
        #expect(!texts.thankYouText(reference: "R").contains("{"))
        #expect(!texts.tooLong(max: 2).contains("{"))
    }

    /// Every user-facing string of both languages, to check they are all filled and translated.
    static func allStrings(_ t: Texts) -> [String] {
        [t.defaultTitle, t.pleaseChoose, t.submit, t.requiredMarker, t.requiredNote, t.consentTemplate, t.privacyLinkText,
         t.projectAddressDiffers, t.thankYouTitle, t.thankYouTemplate, t.thankYouWithoutReference, t.backToForm,
         t.unavailable, t.notFoundTitle, t.notFoundText, t.unknownForm, t.invalidRequestTitle, t.invalidRequestText,
         t.errorSummary, t.requiredField, t.consentRequired, t.tooLongTemplate, t.invalidEmail, t.invalidPostcode,
         t.invalidPhone, t.invalidCountry, t.invalidSalutation, t.invalidName]
    }

    @Test func everyTextIsTranslated() {
        let german = Self.allStrings(.forLanguage(.de))
        let english = Self.allStrings(.forLanguage(.en))
        for (de, en) in zip(german, english) {
            #expect(!de.isEmpty)
            #expect(!en.isEmpty)
            #expect(de != en, "untranslated: \(de)")
        }
    }

    @Test func germanUsesTheFormalSie() {
        for text in Self.allStrings(.forLanguage(.de)) {
            let words = text.lowercased().split(whereSeparator: { !$0.isLetter })
            #expect(words.allSatisfy { !["du", "dich", "dir", "dein", "deine", "deinen"].contains($0) }, "informal: \(text)")
        }
    }

    @Test(arguments: Language.allCases)
    func countryNames(language: Language) {
        let names = Texts.forLanguage(language).countryNames
        #expect(names.prefix(3).map(\.code) == ["DE", "AT", "CH"])
        #expect(names.allSatisfy { Countries.isValid($0.code) && !$0.name.isEmpty })
        #expect(Set(names.map(\.code)).count == names.count)
        #expect(Set(names.map(\.name)).count == names.count)
    }

    @Test func countryNamesAreTranslated() {
        let de = Texts.forLanguage(.de).countryNames
        let en = Texts.forLanguage(.en).countryNames
        #expect(de.map(\.code) == en.map(\.code))
        #expect(de.first { $0.code == "AT" }?.name == "Österreich")
        #expect(en.first { $0.code == "AT" }?.name == "Austria")
    }

    @Test func requiredNoteNamesTheMarker() {
        for language in Language.allCases {
            let texts = Texts.forLanguage(language)
            #expect(texts.requiredNote.contains(texts.requiredMarker))
        }
    }

    @Test(arguments: Language.allCases)
    func validationMessagesAreDistinct(language: Language) {
        let t = Texts.forLanguage(language)
        let messages = [t.requiredField, t.consentRequired, t.tooLongTemplate, t.invalidEmail, t.invalidPostcode,
                        t.invalidPhone, t.invalidCountry, t.invalidSalutation, t.invalidName]
        #expect(Set(messages).count == messages.count)
    }
}
