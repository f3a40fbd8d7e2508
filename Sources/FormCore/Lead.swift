/// A validated, sanitized submission: only shown fields, only non-empty values.
package struct Lead: Sendable, Equatable {
    package var values: [Field: String]
    package var consent: Bool
    package var formID: String
    /// The answers to the form's own questions by name (`Question.check`); unanswered ones left out.
    package var answers: [String: [String]] = [:]
    /// Where it came from; empty when the form does not capture it.
    package var attribution = Attribution()

    package init(values: [Field: String] = [:], consent: Bool = false, formID: String) {
        self.values = values
        self.consent = consent
        self.formID = formID
    }

    /// The value, or nil when missing or empty, so callers never forward "".
    package func value(_ field: Field) -> String? {
        guard let value = values[field], !value.isEmpty else { return nil }
        return value
    }
}
