/// Phone numbers are free text in HERO; this only keeps out letters, markup and obvious junk.
package enum PhoneCheck: Sendable {
    package static let minDigits = 5
    static let allowedPunctuation: Set<Unicode.Scalar> = [" ", "+", "(", ")", "/", "-", "."]

    package static func isValid(_ phone: String) -> Bool {
        guard phone.count <= Field.phone.maxLength else { return false }
        var digits = 0
        for scalar in phone.unicodeScalars {
            if ("0"..."9").contains(scalar) {
                digits += 1
            } else if !allowedPunctuation.contains(scalar) {
                return false
            }
        }
        return digits >= minDigits
    }
}
