/// Where a lead came from: the campaign parameters of the page it was sent from (`utm_*`, `gclid`) and that page's
/// address, without query or fragment.
///
/// A value that is too long, not printable or (the page) not an http(s) URL is dropped, never refused: a customer's
/// lead must not fail over a tracking parameter. Not personal data per se, but a page's address could hold some, so
/// none of it is logged above debug.
package struct Attribution: Sendable, Equatable {
    /// The names in page URLs, hidden fields and request bodies, in the order of the notes line.
    package enum Key: String, CaseIterable, Sendable {
        case source = "utm_source"
        case medium = "utm_medium"
        case campaign = "utm_campaign"
        case term = "utm_term"
        case content = "utm_content"
        case gclid
        case pageURL = "page_url"

        /// In Characters, after trimming; a longer value is dropped, not cut.
        package var maxLength: Int {
            switch self {
            case .source, .medium, .campaign, .term, .content: 100
            // Google's click ids run to about 100 characters; room for longer ones.
            case .gclid: 200
            case .pageURL: 500
            }
        }
    }

    private var values: [Key: String] = [:]

    package init() {}

    /// The valid values among `fields` (a request's fields or a page's query); the rest are dropped. A page address
    /// loses its query and fragment.
    package init(_ fields: [String: String]) {
        for key in Key.allCases {
            guard let raw = fields[key.rawValue], let value = Self.checked(raw, for: key) else { continue }
            values[key] = value
        }
    }

    package subscript(key: Key) -> String? { values[key] }

    package var isEmpty: Bool { values.isEmpty }

    /// The values under their names, for hidden fields and request bodies.
    package var fields: [String: String] {
        Dictionary(uniqueKeysWithValues: values.map { ($0.key.rawValue, $0.value) })
    }

    /// The value as it is kept, or nil when it is dropped.
    static func checked(_ raw: String, for key: Key) -> String? {
        var value = raw.trimmingWhitespaceAndNewlines()
        if key == .pageURL, let end = value.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            value = String(value[..<end])
        }
        guard !value.isEmpty, value.utf8.count <= key.maxLength || value.count <= key.maxLength else { return nil }
        switch key {
        case .source, .medium, .campaign, .term, .content:
            // Quotes and semicolons would let a value close its quoted part of the notes line and forge another
            // ("…"; Seite: …); real campaign values do not use them.
            let forging = value.contains("\"") || value.contains(";")
            return !forging && value.unicodeScalars.allSatisfy(Self.isPrintable) ? value : nil
        case .gclid:
            return value.unicodeScalars.allSatisfy(Self.isClickIDScalar) ? value : nil
        case .pageURL:
            return Self.isWebPage(value) ? value : nil
        }
    }

    /// Visible text and spaces: no control, format or separator characters (which could break a line of HERO's
    /// notes or hide text), nothing private-use or unassigned.
    static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 { return scalar.value >= 0x20 && scalar.value != 0x7F }
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .unassigned, .surrogate: return false
        default: return true
        }
    }

    /// Google's click ids are URL-safe base64.
    static func isClickIDScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "A"..."Z", "a"..."z", "0"..."9", "-", "_": true
        default: false
        }
    }

    /// An absolute http(s) URL with a host and no user name or password, in the ASCII a browser writes it in;
    /// characters a URL never holds unescaped (space, quotes, angle brackets, backslash) are refused.
    static func isWebPage(_ url: String) -> Bool {
        guard let origin = origin(of: url), !origin.hasSuffix("://"), !origin.contains("@") else { return false }
        return url.utf8.allSatisfy { byte in
            byte > 0x20 && byte < 0x7F && !"\"<>\\^`{|}".utf8.contains(byte)
        }
    }

    /// `scheme://host[:port]` of an http(s) URL, lowercased as origins compare, or nil for any other kind of text.
    package static func origin(of url: String) -> String? {
        let start = url.prefix(8).lowercased()
        guard let scheme = ["https://", "http://"].first(where: start.hasPrefix) else { return nil }
        return scheme + url.dropFirst(scheme.count).prefix { $0 != "/" }.lowercased()
    }

    /// A Referer's origin and path, when it is a page address that would be kept.
    package static func page(fromReferer referer: String) -> String? {
        checked(referer, for: .pageURL)
    }
}

// MARK: In HERO's notes

extension Attribution {
    /// One line for HERO's `partner_notes`, in German like the rest of them; nil when nothing is known:
    /// `Quelle: google / cpc / Kampagne "dach-herbst" / Suchbegriff "dach undicht" / Inhalt "anzeige-b" / gclid X;
    /// Seite: https://www.example.de/dachsanierung`. Parts not sent are left out; a medium without a source shows the
    /// source as `–`, so the medium is never read as one.
    package var notesLine: String? {
        var origin: [String] = []
        if let source = self[.source] {
            origin.append(source)
        } else if self[.medium] != nil {
            origin.append("–")
        }
        if let medium = self[.medium] { origin.append(medium) }
        if let campaign = self[.campaign] { origin.append("Kampagne \"\(campaign)\"") }
        if let term = self[.term] { origin.append("Suchbegriff \"\(term)\"") }
        if let content = self[.content] { origin.append("Inhalt \"\(content)\"") }
        if let gclid = self[.gclid] { origin.append("gclid \(gclid)") }
        var parts: [String] = []
        if !origin.isEmpty { parts.append("Quelle: " + origin.joined(separator: " / ")) }
        if let page = self[.pageURL] { parts.append("Seite: \(page)") }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }
}
