/// Postcode formats per country. Strict where the format is simple and well known
/// (most leads come from there), permissive elsewhere so no foreign customer is locked out.
package enum Postcode: Sendable {
    /// Countries whose postcodes are exactly four digits.
    package static let fourDigitCountries: Set<String> = ["AT", "CH", "LI", "BE", "DK", "LU", "NO", "HU"]
    static let maxGenericLength = 10

    /// `country` is an ISO 3166-1 alpha-2 code in upper case; unknown codes get the generic check.
    package static func isValid(_ code: String, country: String) -> Bool {
        let scalars = Array(code.unicodeScalars)
        switch country {
        case "DE":
            return scalars.count == 5 && scalars.allSatisfy(isDigit)
        case _ where fourDigitCountries.contains(country):
            return scalars.count == 4 && scalars.allSatisfy(isDigit)
        case "NL":
            return isDutch(scalars)
        default:
            return isGeneric(scalars)
        }
    }

    /// "1234 AB", space optional; Dutch postcodes never start with 0.
    static func isDutch(_ scalars: [Unicode.Scalar]) -> Bool {
        let compact = scalars.count == 7 && scalars[4] == " " ? Array(scalars[0..<4] + scalars[5...]) : scalars
        guard compact.count == 6 else { return false }
        return compact[0] != "0" && compact[0..<4].allSatisfy(isDigit) && compact[4...].allSatisfy(isLetter)
    }

    /// 1–10 of A-Z, 0-9, space, hyphen, with at least one digit (covers GB "SW1A 1AA", PL "00-950", …).
    static func isGeneric(_ scalars: [Unicode.Scalar]) -> Bool {
        guard (1...maxGenericLength).contains(scalars.count), scalars.contains(where: isDigit) else { return false }
        return scalars.allSatisfy { isDigit($0) || isLetter($0) || $0 == " " || $0 == "-" }
    }

    static func isDigit(_ scalar: Unicode.Scalar) -> Bool { ("0"..."9").contains(scalar) }

    static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        ("A"..."Z").contains(scalar) || ("a"..."z").contains(scalar)
    }
}
