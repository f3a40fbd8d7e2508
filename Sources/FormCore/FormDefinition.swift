/// One configured contact form: what HERO gets as measure/source, and which fields the page shows.
///
/// `shownFields` and `requiredFields` are normalized on init and on every mutation, so a bad
/// config can never drop the fields HERO needs or show the internal `form` field.
public struct FormDefinition: Sendable, Equatable {
    /// HERO rejects leads without an email; the postcode is what the craftsman needs to route the job.
    public static let mandatoryFields: Set<Field> = [.email, .zipcode]
    /// Every field except the internal `form` selector, in `Field` order.
    public static let defaultShownFields: [Field] = Field.allCases.filter { $0 != .form }
    public static let defaultRequiredFields: Set<Field> = [.email, .lastName, .zipcode, .consent]

    public var id: String
    public var measure: String
    public var partnerSource: String
    public var title: String?
    public var language: Language
    public var privacyURL: String?
    public var successURL: String?
    /// Order = order on the page. Never contains `.form`; always contains the mandatory fields.
    public var shownFields: [Field] {
        didSet { shownFields = Self.normalizedShown(shownFields) }
    }
    /// Always contains the mandatory fields. A required field that is not shown is ignored by validation.
    public var requiredFields: Set<Field> {
        didSet { requiredFields = Self.normalizedRequired(requiredFields) }
    }

    public init(
        id: String,
        measure: String,
        partnerSource: String,
        title: String? = nil,
        language: Language = .de,
        privacyURL: String? = nil,
        successURL: String? = nil,
        shownFields: [Field] = FormDefinition.defaultShownFields,
        requiredFields: Set<Field> = FormDefinition.defaultRequiredFields
    ) {
        self.id = id
        self.measure = measure
        self.partnerSource = partnerSource
        self.title = title
        self.language = language
        self.privacyURL = privacyURL
        self.successURL = successURL
        self.shownFields = Self.normalizedShown(shownFields)
        self.requiredFields = Self.normalizedRequired(requiredFields)
    }

    /// Drops `.form` and duplicates (first position wins), then appends missing mandatory fields.
    static func normalizedShown(_ fields: [Field]) -> [Field] {
        var seen = Set<Field>()
        var result: [Field] = []
        for field in fields where field != .form && seen.insert(field).inserted {
            result.append(field)
        }
        for field in Field.allCases where mandatoryFields.contains(field) && seen.insert(field).inserted {
            result.append(field)
        }
        return result
    }

    static func normalizedRequired(_ fields: Set<Field>) -> Set<Field> {
        var result = fields.union(mandatoryFields)
        result.remove(.form)
        return result
    }
}
