/// Character classes shared by the name and email checks, by Unicode general category.
extension Unicode.Scalar {
    /// Letters of every script, including CJK ideographs and Arabic (Lo) and modifier letters like ʼ (Lm).
    var isLetterOfAnyScript: Bool {
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: true
        default: false
        }
    }

    /// Combining marks: needed for scripts like Devanagari or Thai and for decomposed accents.
    var isCombiningMark: Bool {
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: true
        default: false
        }
    }
}
