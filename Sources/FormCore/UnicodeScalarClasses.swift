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

/// Fast paths for the sanitizer: Unicode property lookups are slow on Linux, and most input is ASCII.
extension Unicode.Scalar {
    /// Unicode White_Space.
    var isWhitespaceFast: Bool {
        if value < 0x80 { return value == 0x20 || (0x09...0x0D).contains(value) }
        return properties.isWhitespace
    }

    /// Control (Cc) or format (Cf) characters: invisible, and dangerous in logs, headers and bidi text.
    var isControlOrFormat: Bool {
        if value < 0x80 { return value < 0x20 || value == 0x7F }
        if value < 0xA0 { return true } // C1 controls
        switch properties.generalCategory {
        case .control, .format: return true
        default: return false
        }
    }
}
