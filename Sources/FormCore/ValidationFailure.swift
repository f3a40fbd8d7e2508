/// Why a submission was rejected: one localized message per offending field.
package struct ValidationFailure: Error, Sendable, Equatable {
    package var errors: [Field: String]

    package init(errors: [Field: String]) {
        self.errors = errors
    }

    /// The summary line shown above the form.
    package func message(language: Language) -> String {
        Texts.pick(language) { $0.errorSummary }
    }
}
