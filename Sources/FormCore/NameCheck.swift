/// Person names: letters of any script plus the punctuation real names use
/// (O'Brien, Müller-Lüdenscheidt, J. R. R., N’Diaye). Digits and symbols are rejected,
/// and at least one letter is needed so "!!!" or "12345" don't pass.
package enum NameCheck: Sendable {
    static let allowedPunctuation: Set<Unicode.Scalar> = [" ", "'", "\u{2019}", "-", "\u{2010}", "."]

    package static func isValid(_ name: String) -> Bool {
        var hasLetter = false
        for scalar in name.unicodeScalars {
            if scalar.isLetterOfAnyScript {
                hasLetter = true
            } else if !(scalar.isCombiningMark || allowedPunctuation.contains(scalar)) {
                return false
            }
        }
        return hasLetter
    }
}
