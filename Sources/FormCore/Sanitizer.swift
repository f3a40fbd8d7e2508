import FoundationEssentials
import Glibc

/// Normalizes raw input before validation, so checks, limits and HERO all see the same text.
///
/// Invisible characters are removed rather than rejected: they usually come from copy & paste,
/// and bidi overrides (U+202E) could make the lead read differently in HERO than what was checked.
package enum Sanitizer: Sendable {
    /// At most two blank lines in a row survive in the message.
    static let maxConsecutiveNewlines = 3

    package static func clean(_ value: String, for field: Field) -> String {
        let cleaned = clean(value, multiline: field.isMultiline)
        switch field {
        case .email:
            return lowercasingDomain(cleaned)
        case .countryCode, .projectCountryCode, .zipcode, .projectZipcode:
            return uppercasingASCII(cleaned)
        default:
            return cleaned
        }
    }

    /// Printable ASCII with single inner spaces is what every pass below would return unchanged; most input is
    /// like that, and this check is all a spam flood costs.
    static func isTidySingleLineASCII(_ value: String) -> Bool {
        var previous: UInt8 = 0x20 // so a leading space fails
        for byte in value.utf8 {
            guard byte >= 0x20 && byte < 0x7f, !(byte == 0x20 && previous == 0x20) else { return false }
            previous = byte
        }
        return previous != 0x20 || value.isEmpty
    }

    /// Free text that belongs to no built-in field (a form's own questions), single-line or keeping line breaks.
    package static func clean(_ value: String, multiline: Bool) -> String {
        !multiline && isTidySingleLineASCII(value) ? value : normalized(value, multiline: multiline)
    }

    static func normalized(_ value: String, for field: Field) -> String {
        normalized(value, multiline: field.isMultiline)
    }

    static func normalized(_ value: String, multiline: Bool) -> String {
        let filtered = stripInvisibles(value, keepLineBreaks: multiline)
        // NFC after stripping, so a zero-width char between a letter and its accent can't block composition.
        // ASCII text is already in NFC; normalizing was the largest cost of a refused submission. The standard
        // library's NFC (`_nfcCodeUnits`, which String comparison itself uses) spares Foundation and its ICU.
        let composed =
            filtered.utf8.allSatisfy { $0 < 0x80 } ? filtered : String(decoding: filtered._nfcCodeUnits, as: UTF8.self)
        return multiline ? tidyLines(composed) : collapseWhitespace(composed)
    }

    /// Drops control (Cc) and format (Cf) characters: NUL, ESC, bidi overrides, zero-width chars, BOM, tags.
    /// Line breaks become "\n" (CRLF counts once) and tabs become spaces; the later whitespace pass
    /// turns "\n" into a space for single-line fields.
    static func stripInvisibles(_ value: String, keepLineBreaks: Bool) -> String {
        var out = UTF8Builder(capacity: value.utf8.count)
        var previousWasCR = false
        for scalar in value.unicodeScalars {
            defer { previousWasCR = scalar == "\r" }
            if isLineBreak(scalar) {
                if scalar == "\n" && previousWasCR { continue }
                out.append(keepLineBreaks ? "\n" : " ")
            } else if scalar == "\t" {
                out.append(" ")
            } else if !scalar.isControlOrFormat {
                out.append(scalar)
            }
        }
        return out.string
    }

    static func isLineBreak(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029: true
        default: false
        }
    }

    /// Single-line fields: every run of whitespace (including NBSP, ideographic space) becomes one ASCII space;
    /// trimmed.
    static func collapseWhitespace(_ value: String) -> String {
        var out = UTF8Builder(capacity: value.utf8.count)
        var pendingSpace = false
        for scalar in value.unicodeScalars {
            if scalar.isWhitespaceFast {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace {
                out.append(" ")
                pendingSpace = false
            }
            out.append(scalar)
        }
        return out.string
    }

    /// Message: strips trailing whitespace per line, keeps indentation, allows at most two blank lines
    /// in a row and trims the whole text. Expects line breaks already normalized to "\n".
    static func tidyLines(_ value: String) -> String {
        var out = UTF8Builder(capacity: value.utf8.count)
        var pendingNewlines = 0
        var pendingSpaces: [Unicode.Scalar] = []
        for scalar in value.unicodeScalars {
            if scalar == "\n" {
                pendingNewlines += 1
                pendingSpaces.removeAll(keepingCapacity: true)
                continue
            }
            if scalar.isWhitespaceFast {
                pendingSpaces.append(scalar)
                continue
            }
            if !out.isEmpty {
                for _ in 0..<min(pendingNewlines, maxConsecutiveNewlines) { out.append("\n") }
                // Indentation is kept, except before the very first character (trim).
                for space in pendingSpaces { out.append(space) }
            }
            pendingNewlines = 0
            pendingSpaces.removeAll(keepingCapacity: true)
            out.append(scalar)
        }
        return out.string
    }

    /// Domains are case-insensitive, local parts are not (RFC 5321 §2.4), so only the part after the last "@" is
    /// lowered.
    static func lowercasingDomain(_ value: String) -> String {
        guard let at = value.utf8.lastIndex(of: UInt8(ascii: "@")) else { return value }
        // Nearly every domain is lowercase ASCII already; lowercasing builds new strings.
        if value.utf8[at...].allSatisfy({ $0 < 0x80 && !(0x41...0x5A).contains($0) }) { return value }
        return String(value[..<at]) + value[at...].lowercased()
    }

    /// ASCII only, so e.g. "ß" can't turn into the valid code "SS".
    static func uppercasingASCII(_ value: String) -> String {
        var out = UTF8Builder(capacity: value.utf8.count)
        for scalar in value.unicodeScalars {
            if ("a"..."z").contains(scalar), let upper = Unicode.Scalar(scalar.value - 0x20) {
                out.append(upper)
            } else {
                out.append(scalar)
            }
        }
        return out.string
    }
}

extension StringProtocol {
    /// Without white space (spaces, tabs, line breaks and Unicode's others) at either end: for config values and
    /// files, where Foundation's `trimmingCharacters(in: .whitespacesAndNewlines)` served before.
    package func trimmingWhitespaceAndNewlines() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        var trimmed = String.UnicodeScalarView()
        trimmed.append(contentsOf: scalars[first...last])
        return String(trimmed)
    }
}
