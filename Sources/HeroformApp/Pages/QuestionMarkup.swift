import FormCore
import FoundationEssentials

/// The markup of a form's own questions, as accessible as the built-in fields: a label (a legend for a group of
/// radios or checkboxes) with the required marker in text, the answer kept, the error tied to the control with
/// `aria-describedby`. The control (or the group) has the id `hf-NAME`, which the error summary and the page's
/// script use as they do for the built-in fields.
struct QuestionMarkup {
    let form: FormDefinition
    let language: Language
    let state: FormPage.State

    private var texts: Texts { Texts.forLanguage(language) }

    /// Where a question goes: after a shown built-in field outside the project address, else (nil) after all the
    /// built-in fields.
    static func placement(_ question: Question, in form: FormDefinition) -> Field? {
        guard let after = question.after, form.shownFields.contains(after), after != .consent,
            !after.isProjectAddress
        else { return nil }
        return after
    }

    /// The questions placed after `field` (nil: after the built-in fields), in config order.
    static func questions(after field: Field?, in form: FormDefinition) -> [Question] {
        form.questions.filter { placement($0, in: form) == field }
    }

    /// What the visitor chose or wrote (kept after a refusal, or pre-filled from the page's query).
    private func sent(_ question: Question) -> [String] {
        state.lists[question.name] ?? state.values[question.name].map { [$0] } ?? []
    }

    func block(_ question: Question, autofocus: Bool) -> String {
        let id = "hf-\(question.name)"
        let error = state.questionErrors[question.name]
        let marker =
            question.required ? " <span class=\"hf-required\">(\(HTML.escape(texts.requiredMarker)))</span>" : ""
        let label = HTML.escape(question.label.text(language)) + marker
        let errorHTML = error.map { "<p class=\"hf-error\" id=\"\(id)-error\">\(HTML.escape($0))</p>" } ?? ""
        let classes =
            "hf-field hf-question hf-question--\(question.kind.rawValue)" + (error != nil ? " hf-field--invalid" : "")
        var common = ""
        if error != nil { common += " aria-invalid=\"true\" aria-describedby=\"\(id)-error\"" }
        if autofocus { common += " autofocus" }
        let required = question.required ? " required aria-required=\"true\"" : ""
        let values = sent(question)
        let value = HTML.escape(values.first ?? "")
        let name = "name=\"\(question.name)\""

        switch question.kind {
        case .radio, .checkboxes:
            return group(question, id: id, label: label, classes: classes, error: error, errorHTML: errorHTML,
                         chosen: values, autofocus: autofocus)
        case .checkbox:
            let checked = values.contains { Validator.truthyValues.contains($0.lowercased()) } ? " checked" : ""
            return "<div class=\"\(classes)\"><input type=\"checkbox\" id=\"\(id)\" \(name) value=\"yes\""
                + "\(required)\(common)\(checked)><label for=\"\(id)\">\(label)</label>\(errorHTML)</div>\n"
        case .select:
            let empty = "<option value=\"\">\(HTML.escape(texts.pleaseChoose))</option>"
            let options = question.options.map { option in
                let selected = values.first == option.value ? " selected" : ""
                return "<option value=\"\(HTML.escape(option.value))\"\(selected)>"
                    + "\(HTML.escape(option.label.text(language)))</option>"
            }.joined()
            return "<div class=\"\(classes)\"><label for=\"\(id)\">\(label)</label>"
                + "<select id=\"\(id)\" \(name)\(required)\(common)>\(empty)\(options)</select>\(errorHTML)</div>\n"
        case .textarea:
            let limit = question.maxLength ?? 2000
            return "<div class=\"\(classes)\"><label for=\"\(id)\">\(label)</label>"
                + "<textarea id=\"\(id)\" \(name) rows=\"4\" maxlength=\"\(limit)\"\(required)\(common)>\(value)"
                + "</textarea>\(errorHTML)</div>\n"
        case .text, .date, .number:
            var attributes = "type=\"text\" maxlength=\"\(question.maxLength ?? 200)\""
            if question.kind == .date {
                attributes = "type=\"date\""
                switch question.earliest {
                // The page's script sets the visitor's own today (a page may be cached past midnight).
                case .today: attributes += " data-min-today=\"true\""
                case .date(let date): attributes += " min=\"\(HTML.escape(date))\""
                case nil: break
                }
            } else if question.kind == .number {
                attributes = "type=\"number\" inputmode=\"decimal\" step=\"any\""
                if let minimum = question.minimum { attributes += " min=\"\(QuestionNumber.display(minimum))\"" }
                if let maximum = question.maximum { attributes += " max=\"\(QuestionNumber.display(maximum))\"" }
            }
            return "<div class=\"\(classes)\"><label for=\"\(id)\">\(label)</label>"
                + "<input \(attributes) id=\"\(id)\" \(name) value=\"\(value)\" autocomplete=\"off\"\(required)"
                + "\(common)>\(errorHTML)</div>\n"
        }
    }

    /// Radios or checkboxes in a fieldset whose legend is the question; the fieldset carries the id, the error's
    /// `aria-describedby` and (for radios, a radiogroup) `aria-invalid`.
    private func group(
        _ question: Question, id: String, label: String, classes: String, error: String?, errorHTML: String,
        chosen: [String], autofocus: Bool
    ) -> String {
        let type = question.kind == .radio ? "radio" : "checkbox"
        var attributes = "id=\"\(id)\" tabindex=\"-1\""
        if question.kind == .radio {
            attributes += " role=\"radiogroup\""
            if question.required { attributes += " aria-required=\"true\"" }
            if error != nil { attributes += " aria-invalid=\"true\"" }
        }
        if error != nil { attributes += " aria-describedby=\"\(id)-error\"" }
        let required = question.required && question.kind == .radio ? " required" : ""
        let choices = question.options.enumerated().map { index, option in
            let optionID = "\(id)-\(index + 1)"
            let checked = chosen.contains(option.value) ? " checked" : ""
            let focus = autofocus && index == 0 ? " autofocus" : ""
            return "<div class=\"hf-choice\"><input type=\"\(type)\" id=\"\(optionID)\" name=\"\(question.name)\""
                + " value=\"\(HTML.escape(option.value))\"\(required)\(checked)\(focus)>"
                + "<label for=\"\(optionID)\">\(HTML.escape(option.label.text(language)))</label></div>"
        }.joined()
        return "<fieldset class=\"\(classes) hf-choices\" \(attributes)><legend>\(label)</legend>\(choices)"
            + "\(errorHTML)</fieldset>\n"
    }

    /// The answers a page's query (`?service=dach`, from a link or `data-service` on the embed script) chooses:
    /// only values among a question's options, for questions that have options; anything else is ignored.
    static func prefill(_ query: [String: String], form: FormDefinition) -> [String: [String]] {
        var chosen: [String: [String]] = [:]
        for question in form.questions where question.kind.hasOptions {
            guard let value = query[question.name], question.options.contains(where: { $0.value == value }) else {
                continue
            }
            chosen[question.name] = [value]
        }
        return chosen
    }
}

extension FormPage {
    /// A built-in field or one of the form's own questions.
    struct PageItem {
        let name: String
        let field: Field?
        let question: Question?

        func label(_ texts: Texts) -> String {
            field.map(texts.label(for:)) ?? question?.label.text(texts.language) ?? name
        }
    }

    /// The shown fields in their order with each question after its field, the other questions before the consent
    /// (or last): the order of the error summary, the script's labels and the autofocus on the first error.
    static func pageOrder(_ form: FormDefinition) -> [PageItem] {
        let unplaced = QuestionMarkup.questions(after: nil, in: form).map {
            PageItem(name: $0.name, field: nil, question: $0)
        }
        var items: [PageItem] = []
        for field in form.shownFields {
            if field == .consent { items += unplaced }
            items.append(PageItem(name: field.rawValue, field: field, question: nil))
            items += QuestionMarkup.questions(after: field, in: form).map {
                PageItem(name: $0.name, field: nil, question: $0)
            }
        }
        if !form.shownFields.contains(.consent) { items += unplaced }
        return items
    }
}
