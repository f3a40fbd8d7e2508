/// Turns decoded request fields into a `Lead`, or a per-field error list in the form's language.
public enum Validator: Sendable {
    /// Checkbox values browsers and JSON clients send for "checked"; compared case-insensitively.
    public static let truthyValues: Set<String> = ["on", "true", "1", "yes", "ja"]
    public static let salutations: Set<String> = ["", "Herr", "Frau", "Divers"]
    /// Project address fields that, when filled, mean "the site differs from the customer address".
    static let projectLocationFields: [Field] = [.projectStreet, .projectZipcode, .projectCity]

    public static func validate(_ raw: [String: String], form: FormDefinition) -> Result<Lead, ValidationFailure> {
        let texts = Texts.forLanguage(form.language)
        // Already normalized by FormDefinition (its init and `didSet`): HERO's mandatory fields are always shown.
        let shownFields = form.shownFields
        let required = form.requiredFields

        // Unshown fields are ignored entirely: a visitor can't inject data the form didn't ask for.
        var values: [Field: String] = [:]
        values.reserveCapacity(shownFields.count + 2)
        for field in shownFields where field != .consent {
            values[field] = Sanitizer.clean(raw[field.rawValue] ?? "", for: field)
        }

        // The postcode was checked against this country, so the address always carries it, shown or not.
        let country = nonEmpty(values[.countryCode]) ?? Countries.defaultCode
        values[.countryCode] = country
        let projectCountry = nonEmpty(values[.projectCountryCode]) ?? country

        var errors: [Field: String] = [:]
        for field in shownFields where field != .consent {
            let value = values[field] ?? ""
            if value.isEmpty {
                if required.contains(field) { errors[field] = texts.requiredField }
                continue
            }
            if value.count > field.maxLength {
                errors[field] = texts.tooLong(max: field.maxLength)
                continue
            }
            if let message = formatError(field, value, country: country, projectCountry: projectCountry, texts: texts) {
                errors[field] = message
            }
        }

        var consent = false
        if shownFields.contains(.consent) {
            consent = isTruthy(raw[Field.consent.rawValue])
            if required.contains(.consent) && !consent {
                errors[.consent] = texts.consentRequired
            }
        }

        guard errors.isEmpty else { return .failure(ValidationFailure(errors: errors)) }
        // Filled in only now, so an invalid customer country is reported once, not twice.
        if projectLocationFields.contains(where: { !(values[$0] ?? "").isEmpty }) {
            values[.projectCountryCode] = projectCountry
        }
        return .success(Lead(values: values.filter { !$0.value.isEmpty }, consent: consent, formID: form.id))
    }

    public static func isTruthy(_ value: String?) -> Bool {
        guard let value else { return false }
        return truthyValues.contains(Sanitizer.clean(value, for: .consent).lowercased())
    }

    /// The format check for one non-empty, length-checked value; nil when it is fine.
    static func formatError(_ field: Field, _ value: String, country: String, projectCountry: String, texts: Texts) -> String? {
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
        switch field {
        case .salutation: return texts.invalidSalutation
        case .firstName, .lastName: return texts.invalidName
        case .email: return texts.invalidEmail
        case .phone: return texts.invalidPhone
        case .zipcode, .projectZipcode: return texts.invalidPostcode
        case .countryCode, .projectCountryCode: return texts.invalidCountry
        case .form, .companyName, .street, .city, .projectStreet, .projectCity, .message, .consent: return nil
        }
    }

    static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }
}
