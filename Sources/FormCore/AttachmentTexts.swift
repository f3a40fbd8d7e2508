/// The texts around a form's file input, one instance per language (beside `Texts`, which holds the rest): the
/// label and hint, each refusal of a file, and what the page's script says while it sends.
package struct AttachmentTexts: Sendable, Equatable {
    /// The input's label when the form takes PDFs too.
    package var label: String
    /// The input's label when it takes photos only.
    package var photosLabel: String
    /// Contains `{count}`, `{size}` (megabytes) and `{types}`.
    package var hintTemplate: String
    /// Contains `{name}` and `{size}`.
    package var tooLargeTemplate: String
    /// Contains `{name}` and `{types}`.
    package var wrongTypeTemplate: String
    /// Contains `{name}` and `{count}`.
    package var tooManyTemplate: String
    /// Contains `{name}`: a file that looked like a photo by its first bytes but could not be read as one.
    package var unreadableTemplate: String
    /// Label of the button that takes a chosen file out again; contains `{name}`.
    package var removeTemplate: String
    /// Shown beside the progress bar while the request is sent.
    package var sending: String

    package static func forLanguage(_ language: Language) -> AttachmentTexts {
        switch language {
        case .de: german
        case .en: english
        }
    }

    /// The label for a form that takes `types`.
    package func label(for types: [AttachmentType]) -> String {
        types.contains(.pdf) ? label : photosLabel
    }

    package func hint(max count: Int, megabytes: Int, types: String) -> String {
        hintTemplate.replacing("{count}", with: String(count)).replacing("{size}", with: String(megabytes))
            .replacing("{types}", with: types)
    }

    package func tooLarge(name: String, megabytes: Int) -> String {
        tooLargeTemplate.replacing("{name}", with: name).replacing("{size}", with: String(megabytes))
    }

    package func wrongType(name: String, allowed: String) -> String {
        wrongTypeTemplate.replacing("{name}", with: name).replacing("{types}", with: allowed)
    }

    package func tooMany(name: String, max count: Int) -> String {
        tooManyTemplate.replacing("{name}", with: name).replacing("{count}", with: String(count))
    }

    package func unreadable(name: String) -> String {
        unreadableTemplate.replacing("{name}", with: name)
    }

    static let german = AttachmentTexts(
        label: "Fotos oder Dokumente",
        photosLabel: "Fotos",
        hintTemplate: "Bis zu {count} Dateien, je höchstens {size} MB ({types}).",
        tooLargeTemplate: "„{name}“ ist größer als {size} MB.",
        wrongTypeTemplate: "„{name}“ hat keinen erlaubten Dateityp (erlaubt: {types}).",
        tooManyTemplate: "„{name}“ ist eine Datei zu viel (höchstens {count}).",
        unreadableTemplate: "„{name}“ ist kein lesbares Bild.",
        removeTemplate: "„{name}“ entfernen",
        sending: "Wird gesendet …"
    )

    static let english = AttachmentTexts(
        label: "Photos or documents",
        photosLabel: "Photos",
        hintTemplate: "Up to {count} files, each at most {size} MB ({types}).",
        tooLargeTemplate: "“{name}” is larger than {size} MB.",
        wrongTypeTemplate: "“{name}” is not a file type we accept (allowed: {types}).",
        tooManyTemplate: "“{name}” is one file too many (at most {count}).",
        unreadableTemplate: "“{name}” is not a readable image.",
        removeTemplate: "Remove “{name}”",
        sending: "Sending …"
    )
}
