/// The texts of a form's own questions, one instance per language (the question labels themselves come from the
/// config). Plain text: the caller HTML-escapes.
package struct QuestionTexts: Sendable {
    package var language: Language
    package var chooseRequired: String
    package var tickRequired: String
    package var notAnOption: String
    package var invalidDate: String
    package var dateFromToday: String
    /// Contains `{date}`.
    package var dateFromTemplate: String
    package var invalidNumber: String
    /// "1.500" in German, "1,500" in English: a thousands separator or a decimal one, which cannot be told apart.
    package var ambiguousNumber: String
    /// Contain `{min}` and/or `{max}`.
    package var numberBetweenTemplate: String
    package var numberAtLeastTemplate: String
    package var numberAtMostTemplate: String
    /// How a yes/no checkbox is answered in HERO.
    package var yes: String
    package var no: String

    package static func forLanguage(_ language: Language) -> QuestionTexts {
        switch language {
        case .de: german
        case .en: english
        }
    }

    package var fillRequired: String { Texts.pick(language) { $0.requiredField } }

    package func tooLong(max: Int) -> String {
        Texts.pick(language) { $0.tooLong(max: max) }
    }

    package func dateFrom(_ date: String) -> String {
        dateFromTemplate.replacing("{date}", with: date)
    }

    package func numberRange(min: Double?, max: Double?) -> String {
        let shown = { (value: Double) in
            let text = QuestionNumber.display(value)
            return language == .de ? text.replacing(".", with: ",") : text
        }
        switch (min, max) {
        case (let min?, let max?):
            return numberBetweenTemplate.replacing("{min}", with: shown(min)).replacing("{max}", with: shown(max))
        case (let min?, nil): return numberAtLeastTemplate.replacing("{min}", with: shown(min))
        case (nil, let max?): return numberAtMostTemplate.replacing("{max}", with: shown(max))
        case (nil, nil): return invalidNumber
        }
    }

    static let german = QuestionTexts(
        language: .de,
        chooseRequired: "Bitte wählen Sie eine Antwort aus.",
        tickRequired: "Bitte kreuzen Sie dieses Feld an.",
        notAnOption: "Bitte wählen Sie eine der angebotenen Antworten.",
        invalidDate: "Bitte geben Sie ein gültiges Datum ein.",
        dateFromToday: "Bitte wählen Sie heute oder einen späteren Tag.",
        dateFromTemplate: "Bitte wählen Sie den {date} oder einen späteren Tag.",
        invalidNumber: "Bitte geben Sie eine Zahl ein.",
        ambiguousNumber: "Bitte schreiben Sie die Zahl ohne Tausenderpunkt, zum Beispiel 1500.",
        numberBetweenTemplate: "Bitte geben Sie eine Zahl von {min} bis {max} ein.",
        numberAtLeastTemplate: "Bitte geben Sie eine Zahl ab {min} ein.",
        numberAtMostTemplate: "Bitte geben Sie eine Zahl bis {max} ein.",
        yes: "Ja",
        no: "Nein"
    )

    static let english = QuestionTexts(
        language: .en,
        chooseRequired: "Please choose an answer.",
        tickRequired: "Please tick this box.",
        notAnOption: "Please choose one of the answers offered.",
        invalidDate: "Please enter a valid date.",
        dateFromToday: "Please choose today or a later day.",
        dateFromTemplate: "Please choose {date} or a later day.",
        invalidNumber: "Please enter a number.",
        ambiguousNumber: "Please write the number without a thousands separator, for example 1500.",
        numberBetweenTemplate: "Please enter a number from {min} to {max}.",
        numberAtLeastTemplate: "Please enter a number of at least {min}.",
        numberAtMostTemplate: "Please enter a number of at most {max}.",
        yes: "Yes",
        no: "No"
    )
}
