/// A practical email address check: catches typos and injection attempts, accepts real-world
/// addresses including internationalized domains (müller.de, почта.рф). Not a full RFC 5322 parser:
/// quoted local parts and IP literals are rejected on purpose, nobody types them into a contact form.
package enum EmailCheck: Sendable {
    package static let maxLength = 254
    package static let maxLocalLength = 64
    static let maxLabelLength = 63
    static let forbiddenInLocal: Set<Unicode.Scalar> = ["<", ">", "(", ")", ",", ";", ":", "\"", "[", "]", "\\", "@"]

    package static func isValid(_ email: String) -> Bool {
        guard email.count <= maxLength else { return false }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        return isValidLocalPart(parts[0]) && isValidDomain(parts[1])
    }

    static func isValidLocalPart(_ local: Substring) -> Bool {
        guard (1...maxLocalLength).contains(local.count) else { return false }
        // Leading, trailing or doubled dots are invalid in a dot-atom and usually a typo.
        guard local.first != ".", local.last != ".", !local.contains("..") else { return false }
        return local.unicodeScalars.allSatisfy { scalar in
            !forbiddenInLocal.contains(scalar) && !isSpaceOrControl(scalar)
        }
    }

    static func isValidDomain(_ domain: Substring) -> Bool {
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, let tld = labels.last else { return false }
        for label in labels {
            guard (1...maxLabelLength).contains(label.count),
                label.first != "-", label.last != "-",
                label.unicodeScalars.allSatisfy(isLabelScalar)
            else { return false }
        }
        return isValidTLD(tld)
    }

    /// Two or more letters; punycode TLDs ("xn--p1ai") are the ASCII form of letter TLDs.
    static func isValidTLD(_ tld: Substring) -> Bool {
        if tld.lowercased().hasPrefix("xn--") { return tld.count > 4 }
        guard tld.count >= 2 else { return false }
        return tld.unicodeScalars.allSatisfy { $0.isLetterOfAnyScript || $0.isCombiningMark }
            && tld.unicodeScalars.contains(where: \.isLetterOfAnyScript)
    }

    static func isLabelScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "-" { return true }
        if scalar.isASCII {
            return ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
        }
        // IDN: letters, combining marks (Devanagari, Thai) and digits of any script.
        return scalar.isLetterOfAnyScript || scalar.isCombiningMark
            || scalar.properties.generalCategory == .decimalNumber
    }

    static func isSpaceOrControl(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.properties.isWhitespace { return true }
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator: return true
        default: return false
        }
    }
}
