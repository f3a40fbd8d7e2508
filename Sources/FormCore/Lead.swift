/// A validated, sanitized submission: only shown fields, only non-empty values.
public struct Lead: Sendable, Equatable {
    public var values: [Field: String]
    public var consent: Bool
    public var formID: String

    public init(values: [Field: String] = [:], consent: Bool = false, formID: String) {
        self.values = values
        self.consent = consent
        self.formID = formID
    }

    /// The value, or nil when missing or empty, so callers never forward "".
    public func value(_ field: Field) -> String? {
        guard let value = values[field], !value.isEmpty else { return nil }
        return value
    }
}
