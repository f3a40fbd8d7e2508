/// A field of the contact form. Raw values are the HTML `name`s and JSON keys,
/// so renaming a case is a breaking change for every embedded form.
package enum Field: String, CaseIterable, Sendable, Codable {
    case form
    case salutation
    case firstName = "first_name"
    case lastName = "last_name"
    case companyName = "company_name"
    case email
    case phone
    case street
    case zipcode
    case city
    case countryCode = "country_code"
    case projectStreet = "project_street"
    case projectZipcode = "project_zipcode"
    case projectCity = "project_city"
    case projectCountryCode = "project_country_code"
    case message
    case consent

    /// Maximum length in Characters after sanitizing; also usable as the HTML `maxlength`.
    package var maxLength: Int {
        switch self {
        case .form: 64
        case .salutation: 10
        case .firstName, .lastName: 100
        case .companyName: 150
        case .email: 254 // RFC 5321 path limit
        case .phone: 40
        case .street, .projectStreet: 150
        case .zipcode, .projectZipcode: 10
        case .city, .projectCity: 100
        case .countryCode, .projectCountryCode: 2
        case .message: 5000
        case .consent: 10
        }
    }

    /// Only the message keeps line breaks; every other field is a single line.
    package var isMultiline: Bool { self == .message }

    /// The fields of the differing project (site) address.
    package var isProjectAddress: Bool {
        switch self {
        case .projectStreet, .projectZipcode, .projectCity, .projectCountryCode: true
        default: false
        }
    }
}
