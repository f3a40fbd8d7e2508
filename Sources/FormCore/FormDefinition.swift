/// One configured contact form: what HERO gets as measure/source, and which fields the page shows.
///
/// `shownFields` and `requiredFields` are normalized on init and on every mutation, so a bad
/// config can never drop the fields HERO needs or show the internal `form` field.
// Public only while HeroformApp's public AppConfig names it.
public struct FormDefinition: Sendable, Equatable {
    /// HERO rejects leads without an email; the postcode is what the craftsman needs to route the job.
    package static let mandatoryFields: Set<Field> = [.email, .zipcode]
    /// Every field except the internal `form` selector, in `Field` order.
    package static let defaultShownFields: [Field] = Field.allCases.filter { $0 != .form }
    package static let defaultRequiredFields: Set<Field> = [.email, .lastName, .zipcode, .consent]

    package var id: String
    package var measure: String
    package var partnerSource: String
    package var title: String?
    package var language: Language
    package var privacyURL: String?
    package var successURL: String?
    /// Order = order on the page. Never contains `.form`; always contains the mandatory fields.
    package var shownFields: [Field] {
        didSet { shownFields = Self.normalizedShown(shownFields) }
    }
    /// The form's own questions, in page order (each placed by its `after`).
    package var questions: [Question] = []
    /// Where HERO gets the answers.
    package var questionsTo: QuestionTarget = .comment
    /// The files the form takes; nil: none (a file sent anyway is ignored).
    package var attachments: AttachmentPolicy?
    /// The HERO account (`hero.accounts`) its leads go to; nil: the default key.
    package var heroAccount: String?
    /// Sites that may embed this form and send to it, besides `security.allowed_origins` (which may for every form).
    package var allowedOrigins: [String] = []
    /// Whether leads carry where they came from (`Attribution`): campaign parameters and the page they were sent from.
    package var attribution = true
    /// The largest body without files the form may need: 64 KB holds the built-in fields at their longest even
    /// percent-encoded (umlauts take 6 bytes); each question adds room for its longest answer at 12 bytes a
    /// character (`%F0%9F%8F%A0`) and 1 KB for its name and chosen options.
    package var textBodyLimit: Int {
        64 * 1024 + questions.reduce(0) { $0 + ($1.maxLength ?? 0) * 12 + 1024 }
    }
    /// Always contains the mandatory fields. A required field that is not shown is ignored by validation.
    package var requiredFields: Set<Field> {
        didSet { requiredFields = Self.normalizedRequired(requiredFields) }
    }

    package init(
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
