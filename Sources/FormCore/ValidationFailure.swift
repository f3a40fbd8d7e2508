/// Why a submission was rejected: one localized message per offending field.
public struct ValidationFailure: Error, Sendable, Equatable {
    public var errors: [Field: String]

    public init(errors: [Field: String]) {
        self.errors = errors
    }

    /// The summary line shown above the form.
    public func message(language: Language) -> String {
        Texts.pick(language) { $0.errorSummary }
    }
}
