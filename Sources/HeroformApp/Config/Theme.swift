import FoundationEssentials
import Glibc

/// How a form looks beyond the default stylesheet: an accent colour, a logo, CSS variables, an extra stylesheet.
/// Everything is served from this server (the CSP allows nothing else), and every value is checked so that no
/// config can inject CSS or markup.
package struct Theme: Sendable, Equatable {
    package var accent: String?
    /// A path on this server, e.g. `/assets/logo.svg`.
    package var logoURL: String?
    /// `--hf-*` custom properties, e.g. `--hf-radius: 0`.
    package var variables: [String: String] = [:]
    /// A path on this server, e.g. `/assets/company.css`, loaded after the default stylesheet.
    package var stylesheet: String?

    package init(
        accent: String? = nil, logoURL: String? = nil, variables: [String: String] = [:], stylesheet: String? = nil
    ) {
        self.accent = accent
        self.logoURL = logoURL
        self.variables = variables
        self.stylesheet = stylesheet
    }

    /// The generated stylesheet with the variables (nil when there are none).
    package var css: String? {
        var declarations = variables
        if let accent { declarations["--hf-accent"] = accent }
        guard !declarations.isEmpty else { return nil }
        return ":root {\n"
            + declarations.keys.sorted().map { "  \($0): \(declarations[$0] ?? "");" }.joined(separator: "\n") + "\n}\n"
    }

    static func read(_ reader: inout JSONObjectReader) -> Theme {
        var theme = Theme()
        if let accent = reader.string("accent") {
            if isColor(accent) {
                theme.accent = accent
            } else {
                reader.problem("accent", "must be a colour like #1f5fa8")
            }
        }
        if let logo = reader.string("logo_url") {
            if isLocalPath(logo) {
                theme.logoURL = logo
            } else {
                reader.problem("logo_url", "must be a path on this server, like /assets/logo.svg")
            }
        }
        if let sheet = reader.string("stylesheet") {
            if isLocalPath(sheet) {
                theme.stylesheet = sheet
            } else {
                reader.problem("stylesheet", "must be a path on this server, like /assets/company.css")
            }
        }
        if var variables = reader.object("css_variables") {
            for (name, value) in variables.allStrings() {
                guard isVariableName(name) else {
                    variables.problem(name, "CSS variables here start with --hf- and use a-z, 0-9 and -")
                    continue
                }
                guard isSafeValue(value) else {
                    variables.problem(name, "value may use letters, digits, spaces and # . , % ( ) - only")
                    continue
                }
                theme.variables[name] = value
            }
            reader.absorb(variables)
        }
        return theme
    }

    static func isColor(_ text: String) -> Bool {
        let hex = text.dropFirst()
        return text.first == "#" && [3, 4, 6, 8].contains(hex.count) && hex.allSatisfy(\.isHexDigit)
    }

    static func isLocalPath(_ text: String) -> Bool {
        text.hasPrefix("/") && !text.hasPrefix("//") && text.count <= 200
            && text.unicodeScalars.allSatisfy {
                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-".unicodeScalars.contains($0)
            }
    }

    static func isVariableName(_ text: String) -> Bool {
        text.hasPrefix("--hf-") && text.count <= 64
            && text.unicodeScalars.allSatisfy { "abcdefghijklmnopqrstuvwxyz0123456789-".unicodeScalars.contains($0) }
    }

    static func isSafeValue(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 200
            && text.unicodeScalars.allSatisfy {
                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 #.,%()-".unicodeScalars.contains($0)
            }
    }
}
