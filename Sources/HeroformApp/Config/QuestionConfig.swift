import FormCore
import JSON

/// Reads `forms.ID.questions` and `forms.ID.questions_to`, naming every problem with its full key
/// (`forms.default.questions[1].options[0].label.en: missing`).
enum QuestionConfig {
    static let maxQuestions = 30
    static let maxOptions = 50
    static let maxLabelLength = 200
    static let maxValueLength = 100
    static let maxTextLength = 1000
    static let maxTextareaLength = 10_000

    /// Names a question may not take: the built-in fields and what else the page and `POST /leads` use (hidden
    /// fields, the honeypot, the file input, element ids of the page, where a lead came from).
    static let reservedNames: Set<String> =
        Set(Field.allCases.map(\.rawValue))
        .union(Attribution.Key.allCases.map(\.rawValue))
        .union(["lang", "website", "attachments", "project_differs", "project", "summary", "parent", "ref", "logo"])

    /// The questions, or nil after naming a problem (in `reader`).
    static func read(_ reader: inout JSONObjectReader, shown: [Field]) -> (questions: [Question], to: QuestionTarget)? {
        let before = reader.problems.count
        var target = QuestionTarget.comment
        if let text = reader.string("questions_to") {
            if let parsed = QuestionTarget(rawValue: text) {
                target = parsed
            } else {
                reader.problem("questions_to", "must be \"comment\" (the project's logbook) or \"notes\"")
            }
        }
        var questions: [Question] = []
        if let entries = reader.objectList("questions") {
            if entries.count > maxQuestions {
                reader.problem("questions", "at most \(maxQuestions) questions")
            }
            var names: Set<String> = []
            for var entry in entries {
                let question = readQuestion(&entry, shown: shown)
                if let question, !names.insert(question.name).inserted {
                    entry.problem("name", "\"\(question.name)\" is the name of an earlier question")
                }
                reader.absorb(entry)
                if let question { questions.append(question) }
            }
        }
        guard reader.problems.count == before else { return nil }
        return (questions, target)
    }

    private static func readQuestion(_ entry: inout JSONObjectReader, shown: [Field]) -> Question? {
        let before = entry.problems.count
        let name = entry.string("name")
        if let name { checkName(name, &entry) } else { entry.problem("name", "missing") }
        let kinds = Question.Kind.allCases.map(\.rawValue).joined(separator: ", ")
        let typeName = entry.string("type")
        let kind = typeName.flatMap(Question.Kind.init(rawValue:))
        if typeName == nil { entry.problem("type", "missing (one of \(kinds))") }
        if let typeName, kind == nil { entry.problem("type", "unknown type \"\(typeName)\" (known: \(kinds))") }
        let required = entry.bool("required") ?? false
        let label = readLabel("label", &entry)
        var after: Field?
        if let text = entry.string("after") {
            after = Field(rawValue: text)
            if let field = after, shown.contains(field), field != .consent, !field.isProjectAddress {
                // a place on the page
            } else {
                entry.problem(
                    "after", "must be a shown field outside the project address, other than consent (\"\(text)\")")
            }
        }
        var options: [Question.Option] = []
        let optionsGiven = entry.value("options") != nil
        let optionEntries = entry.objectList("options")
        if let kind {
            if kind.hasOptions {
                if let optionEntries, !optionEntries.isEmpty {
                    options = readOptions(optionEntries, &entry)
                } else if optionEntries != nil || !optionsGiven {
                    entry.problem("options", "a \(kind.rawValue) question needs at least one option")
                }
            } else if optionsGiven {
                entry.problem("options", "only select, radio and checkboxes questions have options")
            }
        }
        var maxLength: Int?
        if kind == .text || kind == .textarea {
            maxLength = entry.integer("max_length", in: 1...(kind == .text ? maxTextLength : maxTextareaLength))
        } else if entry.value("max_length") != nil {
            entry.problem("max_length", "only text and textarea questions have a max_length")
        }
        var minimum: Double?
        var maximum: Double?
        var earliest: Question.EarliestDate?
        let min = entry.value("min")
        let max = entry.value("max")
        switch kind {
        case .number:
            minimum = number("min", min, &entry)
            maximum = number("max", max, &entry)
            if let minimum, let maximum, minimum > maximum { entry.problem("max", "must not be less than min") }
        case .date:
            if let min {
                if min.string == "today" {
                    earliest = .today
                } else if let date = min.string, QuestionDate.isValid(date) {
                    earliest = .date(date)
                } else {
                    entry.problem("min", "must be \"today\" or a date such as \"2027-01-31\"")
                }
            }
            if max != nil { entry.problem("max", "a date question takes only min") }
        default:
            if min != nil { entry.problem("min", "only number and date questions have a min") }
            if max != nil { entry.problem("max", "only number questions have a max") }
        }
        guard entry.problems.count == before, let name, let kind, let label else { return nil }
        return Question(
            name: name, kind: kind, required: required, label: label, options: options, after: after,
            maxLength: maxLength, minimum: minimum, maximum: maximum, earliest: earliest)
    }

    private static func checkName(_ name: String, _ entry: inout JSONObjectReader) {
        let allowed = "abcdefghijklmnopqrstuvwxyz0123456789_".unicodeScalars
        let lowercase = "abcdefghijklmnopqrstuvwxyz".unicodeScalars
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 40,
            name.unicodeScalars.allSatisfy(allowed.contains), lowercase.contains(first)
        else {
            entry.problem("name", "must be 1 to 40 of a-z, 0-9 and '_', starting with a letter")
            return
        }
        if reservedNames.contains(name) {
            let field = Field(rawValue: name) != nil ? "a built-in field" : "used by the form itself"
            entry.problem("name", "\"\(name)\" is \(field); choose another name")
        }
    }

    private static func readOptions(
        _ entries: [JSONObjectReader], _ question: inout JSONObjectReader
    ) -> [Question.Option] {
        if entries.count > maxOptions { question.problem("options", "at most \(maxOptions) options") }
        var options: [Question.Option] = []
        var values: Set<String> = []
        for var entry in entries {
            let before = entry.problems.count
            let value = entry.string("value")
            if value == nil { entry.problem("value", "missing (what the form sends)") }
            if let value {
                if value.trimmingWhitespaceAndNewlines() != value || value.isEmpty || value.count > maxValueLength
                    || value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
                {
                    entry.problem("value", "must be 1 to \(maxValueLength) characters, without spaces around them")
                } else if Sanitizer.clean(value, multiline: false) != value {
                    // The browser sends the value back, and it is cleaned like every answer before it is compared
                    // with the options: a value the cleaning changes would never match, and everyone choosing it
                    // would be refused.
                    entry.problem(
                        "value",
                        "has double or special spaces, invisible characters (soft hyphen, zero-width space) or "
                            + "decomposed accents; write it with single plain spaces and nothing invisible")
                } else if !values.insert(value).inserted {
                    entry.problem("value", "\"\(value)\" is the value of an earlier option")
                }
            }
            let label = readLabel("label", &entry)
            let measure = entry.string("measure")
            if let measure, !FormConfig.isValidMeasure(measure) {
                entry.problem("measure", "must be 1 to 20 letters, digits, '-' or '_' (HERO's trade code)")
            }
            let valid = entry.problems.count == before
            question.absorb(entry)
            if valid, let value, let label { options.append(.init(value: value, label: label, measure: measure)) }
        }
        return options
    }

    /// `{"de": "…", "en": "…"}`: a text for every language a form serves (any form can be shown with `?lang=`).
    private static func readLabel(_ key: String, _ entry: inout JSONObjectReader) -> LocalizedText? {
        guard var texts = entry.object(key) else {
            if entry.value(key) == nil {
                let example = Language.allCases.map { "\"\($0.rawValue)\": \"…\"" }.joined(separator: ", ")
                entry.problem(key, "missing ({\(example)})")
            }
            return nil
        }
        var result: [Language: String] = [:]
        var valid = true
        for language in Language.allCases {
            guard let text = texts.string(language.rawValue) else {
                texts.problem(language.rawValue, "missing (the \(key) in this language)")
                valid = false
                continue
            }
            if text.trimmingWhitespaceAndNewlines().isEmpty || text.count > maxLabelLength {
                texts.problem(language.rawValue, "must be 1 to \(maxLabelLength) characters")
                valid = false
            }
            result[language] = text
        }
        valid = valid && texts.finish().isEmpty
        entry.absorb(texts)
        return valid ? LocalizedText(result) : nil
    }

    private static func number(_ key: String, _ value: JSONValue?, _ entry: inout JSONObjectReader) -> Double? {
        guard let value else { return nil }
        guard case .number(let number) = value, number.isFinite, abs(number) < 1e12 else {
            entry.problem(key, "must be a number")
            return nil
        }
        return number
    }
}
