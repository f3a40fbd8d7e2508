/// Turns decoded request fields into a `Lead`, or a per-field error list in the form's language.
package enum Validator: Sendable {
    /// Checkbox values browsers and JSON clients send for "checked"; compared case-insensitively.
    package static let truthyValues: Set<String> = ["on", "true", "1", "yes", "ja"]
    package static let salutations: Set<String> = ["", "Herr", "Frau", "Divers"]
    /// Project address fields that, when filled, mean "the site differs from the customer address".
    static let projectLocationFields: [Field] = [.projectStreet, .projectZipcode, .projectCity]

    /// `lists` holds every value sent under each name (a `checkboxes` question sends several), `raw` the first;
    /// `today` is the earliest ISO date a `min: "today"` question takes (`QuestionDate.earliestToday`).
    package static func validate(
        _ raw: [String: String], lists: [String: [String]] = [:], form: FormDefinition, today: String = ""
    ) -> Result<Lead, ValidationFailure> {
        // Already normalized by FormDefinition (its init and `didSet`): HERO's mandatory fields are always shown.
        let shownFields = form.shownFields
        let required = form.requiredFields

        // Unshown fields are ignored entirely: a visitor can't inject data the form didn't ask for.
        // A fixed table instead of a dictionary: this runs for every submission, spam included.
        var shown = FieldTable<Bool>(repeating: false)
        for field in shownFields { shown[field] = true }
        var values = FieldTable<String>(repeating: "")
        // The request's few keys are looked up among the fields, not every field among the keys.
        for (name, value) in raw {
            guard let field = Field.named[name], shown[field], field != .consent else { continue }
            values[field] = Sanitizer.clean(value, for: field)
        }

        // The postcode was checked against this country, so the address always carries it, shown or not.
        let country = values[.countryCode].isEmpty ? Countries.defaultCode : values[.countryCode]
        values[.countryCode] = country
        let projectCountry = values[.projectCountryCode].isEmpty ? country : values[.projectCountryCode]

        var errors: [Field: String] = [:]
        for field in shownFields where field != .consent {
            let value = values[field]
            if value.isEmpty {
                if required.contains(field) { errors[field] = Texts.pick(form.language) { $0.requiredField } }
                continue
            }
            // A string has at most as many Characters as UTF-8 bytes; counting Characters is the slow part.
            if value.utf8.count > field.maxLength && value.count > field.maxLength {
                errors[field] = Texts.pick(form.language) { $0.tooLong(max: field.maxLength) }
                continue
            }
            if let message = formatError(
                field, value, country: country, projectCountry: projectCountry, language: form.language)
            {
                errors[field] = message
            }
        }

        var consent = false
        if shown[.consent] {
            consent = isTruthy(raw[Field.consent.rawValue])
            if required.contains(.consent) && !consent {
                errors[.consent] = Texts.pick(form.language) { $0.consentRequired }
            }
        }

        var sent = lists
        for question in form.questions where sent[question.name] == nil {
            if let value = raw[question.name] { sent[question.name] = [value] }
        }
        let (answers, questionErrors) = QuestionAnswers.check(sent, form: form, today: today)
        guard errors.isEmpty && questionErrors.isEmpty else {
            return .failure(ValidationFailure(errors: errors, questions: questionErrors))
        }
        // Filled in only now, so an invalid customer country is reported once, not twice.
        if projectLocationFields.contains(where: { !values[$0].isEmpty }) {
            values[.projectCountryCode] = projectCountry
        }
        var lead: [Field: String] = [:]
        for field in Field.allCases
        where (shown[field] || field == .countryCode || field == .projectCountryCode) && !values[field].isEmpty {
            lead[field] = values[field]
        }
        var valid = Lead(values: lead, consent: consent, formID: form.id)
        valid.answers = answers
        // Never a reason to refuse: invalid values are left out.
        if form.attribution { valid.attribution = Attribution(raw) }
        return .success(valid)
    }

    package static func isTruthy(_ value: String?) -> Bool {
        guard let value else { return false }
        return truthyValues.contains(Sanitizer.clean(value, for: .consent).lowercased())
    }

    /// The format check for one non-empty, length-checked value; nil when it is fine.
    static func formatError(
        _ field: Field, _ value: String, country: String, projectCountry: String, language: Language
    ) -> String? {
        let isValid: Bool
        switch field {
        case .salutation: isValid = salutations.contains(value)
        case .firstName, .lastName: isValid = NameCheck.isValid(value)
        case .email: isValid = EmailCheck.isValid(value)
        case .phone: isValid = PhoneCheck.isValid(value)
        case .zipcode: isValid = Postcode.isValid(value, country: country)
        case .projectZipcode: isValid = Postcode.isValid(value, country: projectCountry)
        case .countryCode, .projectCountryCode: isValid = Countries.isValid(value)
        case .form, .companyName, .street, .city, .projectStreet, .projectCity, .message, .consent: isValid = true
        }
        guard !isValid else { return nil }
        return Texts.pick(language) { texts in
            switch field {
            case .salutation: texts.invalidSalutation
            case .firstName, .lastName: texts.invalidName
            case .email: texts.invalidEmail
            case .phone: texts.invalidPhone
            case .zipcode, .projectZipcode: texts.invalidPostcode
            case .countryCode, .projectCountryCode: texts.invalidCountry
            case .form, .companyName, .street, .city, .projectStreet, .projectCity, .message, .consent: nil
            }
        }
    }
}
