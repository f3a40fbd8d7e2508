/// Language of a form's page and messages. Raw values are ISO 639-1 codes as used in config and `lang`.
package enum Language: String, Sendable, Codable, CaseIterable {
    case de
    case en
}
