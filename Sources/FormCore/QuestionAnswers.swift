/// Where HERO gets the answers to a form's own questions (`forms.ID.questions_to`).
package enum QuestionTarget: String, Sendable, CaseIterable {
    /// `project_match.comment` (the logbook), after the visitor's message.
    case comment
    /// `project_match.partner_notes`.
    case notes
}

/// The answers to a form's own questions: checked from the request, and turned into what HERO gets.
package enum QuestionAnswers {
    /// Checks every question of `form` against the values sent (all values under each name, for `checkboxes`):
    /// the answers to keep and the problems by question name.
    package static func check(
        _ sent: [String: [String]], form: FormDefinition, today: String
    ) -> (answers: [String: [String]], errors: [String: String]) {
        var answers: [String: [String]] = [:]
        var errors: [String: String] = [:]
        for question in form.questions {
            switch question.check(sent[question.name] ?? [], language: form.language, today: today) {
            case .success(let values): if !values.isEmpty { answers[question.name] = values }
            case .failure(let error): errors[question.name] = error.message
            }
        }
        return (answers, errors)
    }

    /// One line per answered question, `Label: answer`, in the order of the questions and the form's language
    /// (the office's); a yes/no checkbox always has one.
    package static func lines(_ answers: [String: [String]], form: FormDefinition) -> [String] {
        form.questions.compactMap { question in
            question.answerText(answers[question.name] ?? [], language: form.language).map {
                "\(question.label.text(form.language)): \($0)"
            }
        }
    }

    /// The trade code of the first chosen option that has one (questions in order, options in order); else the
    /// form's own.
    package static func measure(_ answers: [String: [String]], form: FormDefinition) -> String {
        for question in form.questions {
            let chosen = answers[question.name] ?? []
            if let option = question.options.first(where: { $0.measure != nil && chosen.contains($0.value) }),
                let measure = option.measure
            {
                return measure
            }
        }
        return form.measure
    }
}
