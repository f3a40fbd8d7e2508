/// A text in each language a form serves (`{"de": "Leistung", "en": "Service"}`).
package struct LocalizedText: Sendable, Equatable {
    package var texts: [Language: String]

    package init(_ texts: [Language: String]) {
        self.texts = texts
    }

    /// The text in `language`; the config reader makes sure every language has one, so the fallback (any text)
    /// only serves a definition built in code.
    package func text(_ language: Language) -> String {
        texts[language] ?? Language.allCases.lazy.compactMap { texts[$0] }.first ?? ""
    }
}

/// One of a form's own questions (`forms.ID.questions`): shown with the built-in fields, checked like them, and
/// sent to HERO as a line `Label: answer`.
package struct Question: Sendable, Equatable {
    package enum Kind: String, Sendable, CaseIterable {
        case text, textarea, select, radio, checkboxes, checkbox, date, number

        /// The kinds whose answers are among `options`.
        package var hasOptions: Bool { self == .select || self == .radio || self == .checkboxes }

        /// `max_length` when the config gives none.
        package var defaultMaxLength: Int? {
            switch self {
            case .text: 200
            case .textarea: 2000
            default: nil
            }
        }
    }

    package struct Option: Sendable, Equatable {
        package var value: String
        package var label: LocalizedText
        /// HERO's trade code for the project when this option is chosen.
        package var measure: String?

        package init(value: String, label: LocalizedText, measure: String? = nil) {
            self.value = value
            self.label = label
            self.measure = measure
        }
    }

    /// The earliest date a `date` question takes.
    package enum EarliestDate: Sendable, Equatable {
        /// The visitor's today (see `QuestionDate.earliestToday`).
        case today
        /// A fixed ISO date, `2027-01-01`.
        case date(String)
    }

    package var name: String
    package var kind: Kind
    package var required: Bool
    package var label: LocalizedText
    package var options: [Option]
    /// The built-in field the question follows on the page; nil: after the built-in fields (before files and
    /// consent).
    package var after: Field?
    /// For `text` and `textarea`: at most this many characters.
    package var maxLength: Int?
    /// For `number`.
    package var minimum: Double?
    package var maximum: Double?
    /// For `date`.
    package var earliest: EarliestDate?

    package init(
        name: String, kind: Kind, required: Bool = false, label: LocalizedText, options: [Option] = [],
        after: Field? = nil, maxLength: Int? = nil, minimum: Double? = nil, maximum: Double? = nil,
        earliest: EarliestDate? = nil
    ) {
        self.name = name
        self.kind = kind
        self.required = required
        self.label = label
        self.options = options
        self.after = after
        self.maxLength = maxLength ?? kind.defaultMaxLength
        self.minimum = minimum
        self.maximum = maximum
        self.earliest = earliest
    }

    /// The longest value a visitor may send for a single-line answer that is not free text (a date, a number).
    static let maxShortValue = 40

    /// The visitor's answer, checked: the values to keep (option values in the order of `options`, the cleaned
    /// text, the ISO date, the number as written with a point), empty when unanswered; or the message saying what
    /// is wrong, in `language`. `sent` holds every value sent under the question's name. `today` is
    /// `QuestionDate.earliestToday`.
    package func check(_ sent: [String], language: Language, today: String) -> Result<[String], QuestionError> {
        let texts = QuestionTexts.forLanguage(language)
        let values = sent.map { Sanitizer.clean($0, multiline: kind == .textarea) }.filter { !$0.isEmpty }
        if kind == .checkbox {
            let ticked = values.contains { Validator.truthyValues.contains($0.lowercased()) }
            if required && !ticked { return .failure(.init(texts.tickRequired)) }
            return .success(ticked ? ["yes"] : [])
        }
        guard let first = values.first else {
            if required { return .failure(.init(kind.hasOptions ? texts.chooseRequired : texts.fillRequired)) }
            return .success([])
        }
        switch kind {
        case .select, .radio, .checkboxes:
            let chosen = kind == .checkboxes ? values : [first]
            guard chosen.allSatisfy({ value in options.contains { $0.value == value } }) else {
                return .failure(.init(texts.notAnOption))
            }
            return .success(options.map(\.value).filter(chosen.contains))
        case .text, .textarea:
            let limit = maxLength ?? kind.defaultMaxLength ?? 200
            if first.utf8.count > limit && first.count > limit { return .failure(.init(texts.tooLong(max: limit))) }
            return .success([first])
        case .date:
            guard first.utf8.count <= Self.maxShortValue, QuestionDate.isValid(first) else {
                return .failure(.init(texts.invalidDate))
            }
            switch earliest {
            case .today where first < today: return .failure(.init(texts.dateFromToday))
            case .date(let bound) where first < bound:
                return .failure(.init(texts.dateFrom(QuestionDate.display(bound, language: language))))
            default: return .success([first])
            }
        case .number:
            if QuestionNumber.mayBeThousands(first, language: language) {
                return .failure(.init(texts.ambiguousNumber))
            }
            guard first.utf8.count <= Self.maxShortValue, let (text, number) = QuestionNumber.parse(first) else {
                return .failure(.init(texts.invalidNumber))
            }
            if minimum.map({ number < $0 }) == true || maximum.map({ number > $0 }) == true {
                return .failure(.init(texts.numberRange(min: minimum, max: maximum)))
            }
            return .success([text])
        case .checkbox:
            return .success([])
        }
    }

    /// The answer as the office reads it: option labels joined with ", ", "Ja"/"Nein" (or "Yes"/"No"), a date as
    /// `03.12.2026` in German (ISO in English), a number with a decimal comma in German; nil when unanswered (a
    /// checkbox is always answered: unticked is "Nein").
    package func answerText(_ values: [String], language: Language) -> String? {
        let texts = QuestionTexts.forLanguage(language)
        switch kind {
        case .checkbox:
            return values.isEmpty ? texts.no : texts.yes
        case .select, .radio, .checkboxes:
            let labels = options.filter { values.contains($0.value) }.map { $0.label.text(language) }
            return labels.isEmpty ? nil : labels.joined(separator: ", ")
        case .date:
            return values.first.map { QuestionDate.display($0, language: language) }
        case .number:
            return values.first.map { language == .de ? $0.replacing(".", with: ",") : $0 }
        case .text, .textarea:
            return values.first
        }
    }
}

/// A question's problem, in the form's language.
package struct QuestionError: Error, Sendable, Equatable {
    package var message: String

    package init(_ message: String) {
        self.message = message
    }
}

/// ISO dates (`yyyy-MM-dd`, what `<input type="date">` sends) without a calendar library.
package enum QuestionDate {
    package static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            let year = Int(text.prefix(4)), let month = Int(text.dropFirst(5).prefix(2)),
            let day = Int(text.suffix(2)),
            [0, 1, 2, 3, 5, 6, 8, 9].allSatisfy({ bytes[$0] >= 0x30 && bytes[$0] <= 0x39 }),
            (1...12).contains(month), year >= 1
        else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return (1...days[month - 1]).contains(day)
    }

    /// The earliest date that is today somewhere on earth (UTC−12): `min: "today"` never refuses a visitor's own
    /// today, wherever they are.
    package static func earliestToday(secondsSince1970: Double) -> String {
        let time = UTCTime(secondsSince1970: secondsSince1970 - 12 * 3600)
        return iso(year: time.year, month: time.month, day: time.day)
    }

    /// Today in UTC, for the page's `min` attribute (the browser's date picker).
    package static func todayUTC(secondsSince1970: Double) -> String {
        let time = UTCTime(secondsSince1970: secondsSince1970)
        return iso(year: time.year, month: time.month, day: time.day)
    }

    static func iso(year: Int, month: Int, day: Int) -> String {
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// `03.12.2026` in German; the ISO date in English.
    package static func display(_ iso: String, language: Language) -> String {
        guard language == .de, isValid(iso) else { return iso }
        let parts = iso.split(separator: "-")
        return "\(parts[2]).\(parts[1]).\(parts[0])"
    }
}

/// Numbers as visitors write them: digits, an optional minus, one decimal point or comma.
package enum QuestionNumber {
    /// The number written with a point, and its value; nil when it is no plain decimal number.
    package static func parse(_ text: String) -> (String, Double)? {
        let normalized = text.replacing(",", with: ".")
        var digits = 0
        var points = 0
        for (index, scalar) in normalized.unicodeScalars.enumerated() {
            switch scalar {
            case "0"..."9": digits += 1
            case ".": points += 1
            case "-" where index == 0: continue
            default: return nil
            }
        }
        guard digits > 0, points <= 1, !normalized.hasSuffix("."), !normalized.hasPrefix("."),
            !normalized.hasPrefix("-."), let value = Double(normalized)
        else { return nil }
        return (normalized, value)
    }

    /// Whether a number is written with the language's thousands separator and nothing else ("1.500" in German,
    /// "1,500" in English): read as a decimal it would be a thousand times too small. Such a number is refused
    /// rather than guessed at. A page's own number input sends a point for the decimal, so "1,5" typed in German
    /// arrives as "1.5" (one digit, not three, after the point) and passes.
    package static func mayBeThousands(_ text: String, language: Language) -> Bool {
        let separator: Character = language == .de ? "." : ","
        let unsigned = text.hasPrefix("-") ? text.dropFirst() : text[...]
        let parts = unsigned.split(separator: separator, omittingEmptySubsequences: false)
        guard parts.count == 2, (1...3).contains(parts[0].count), parts[1].count == 3 else { return false }
        return parts.allSatisfy { $0.allSatisfy { ("0"..."9").contains($0) } }
    }

    /// `3`, not `3.0`; `2.5` as written.
    package static func display(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
