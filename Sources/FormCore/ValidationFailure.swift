/// Why a submission was rejected: one localized message per offending field.
package struct ValidationFailure: Error, Sendable, Equatable {
    package var errors: [Field: String]
    /// What is wrong with the files, one sentence per file naming it (`AttachmentPolicy.problems`).
    package var attachments: [String]
    /// What is wrong with the answers to the form's own questions, by question name.
    package var questions: [String: String]

    package init(errors: [Field: String], attachments: [String] = [], questions: [String: String] = [:]) {
        self.errors = errors
        self.attachments = attachments
        self.questions = questions
    }

    /// The field names with an error, sorted, `attachments` among them (for logs).
    package var fieldNames: [String] {
        (errors.keys.map(\.rawValue) + questions.keys + (attachments.isEmpty ? [] : [AttachmentPolicy.fieldName]))
            .sorted()
    }

    /// The summary line shown above the form.
    package func message(language: Language) -> String {
        Texts.pick(language) { $0.errorSummary }
    }
}
