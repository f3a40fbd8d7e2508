import FoundationEssentials
import Glibc

/// The JSON body for HERO's `POST /api/v1/Projects/create` (see hero-lead-api.txt).
///
/// Encoding omits nil and empty strings, and sub-objects that end up empty, because HERO would
/// otherwise overwrite data with "" — so an empty value can never be sent, however the payload was built.
public struct HeroPayload: Sendable, Equatable, Codable {
    public var measure: String
    public var customer: Customer?
    public var address: Address?
    /// Only set when the project site differs; HERO then uses it instead of `address`.
    public var projectAddress: Address?
    public var projectMatch: ProjectMatch?

    public init(
        measure: String,
        customer: Customer? = nil,
        address: Address? = nil,
        projectAddress: Address? = nil,
        projectMatch: ProjectMatch? = nil
    ) {
        self.measure = measure
        self.customer = customer
        self.address = address
        self.projectAddress = projectAddress
        self.projectMatch = projectMatch
    }

    enum CodingKeys: String, CodingKey {
        case measure
        case customer
        case address
        case projectAddress = "projectaddress"
        case projectMatch = "project_match"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeNonEmpty(measure, forKey: .measure)
        if let customer, !customer.isEmpty { try container.encode(customer, forKey: .customer) }
        if let address, !address.isEmpty { try container.encode(address, forKey: .address) }
        if let projectAddress, !projectAddress.isEmpty { try container.encode(projectAddress, forKey: .projectAddress) }
        if let projectMatch, !projectMatch.isEmpty { try container.encode(projectMatch, forKey: .projectMatch) }
    }

    /// Compact UTF-8 JSON with sorted keys, so equal payloads give equal bytes (testable, loggable).
    public func jsonData() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Only strings are encoded, which cannot fail; the fallback exists so nothing can trap.
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }

    public struct Customer: Sendable, Equatable, Codable {
        public var email: String?
        /// The salutation: "Herr", "Frau" or "Divers".
        public var title: String?
        public var firstName: String?
        public var lastName: String?
        public var companyName: String?
        public var phoneHome: String?

        public init(
            email: String? = nil, title: String? = nil, firstName: String? = nil,
            lastName: String? = nil, companyName: String? = nil, phoneHome: String? = nil
        ) {
            self.email = email
            self.title = title
            self.firstName = firstName
            self.lastName = lastName
            self.companyName = companyName
            self.phoneHome = phoneHome
        }

        enum CodingKeys: String, CodingKey {
            case email, title
            case firstName = "first_name"
            case lastName = "last_name"
            case companyName = "company_name"
            case phoneHome = "phone_home"
        }

        var isEmpty: Bool {
            [email, title, firstName, lastName, companyName, phoneHome].allSatisfy { $0?.isEmpty ?? true }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeNonEmpty(email, forKey: .email)
            try container.encodeNonEmpty(title, forKey: .title)
            try container.encodeNonEmpty(firstName, forKey: .firstName)
            try container.encodeNonEmpty(lastName, forKey: .lastName)
            try container.encodeNonEmpty(companyName, forKey: .companyName)
            try container.encodeNonEmpty(phoneHome, forKey: .phoneHome)
        }
    }

    public struct Address: Sendable, Equatable, Codable {
        public var street: String?
        public var city: String?
        public var zipcode: String?
        public var countryCode: String?

        public init(street: String? = nil, city: String? = nil, zipcode: String? = nil, countryCode: String? = nil) {
            self.street = street
            self.city = city
            self.zipcode = zipcode
            self.countryCode = countryCode
        }

        enum CodingKeys: String, CodingKey {
            case street, city, zipcode
            case countryCode = "country_code"
        }

        var isEmpty: Bool {
            [street, city, zipcode, countryCode].allSatisfy { $0?.isEmpty ?? true }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeNonEmpty(street, forKey: .street)
            try container.encodeNonEmpty(city, forKey: .city)
            try container.encodeNonEmpty(zipcode, forKey: .zipcode)
            try container.encodeNonEmpty(countryCode, forKey: .countryCode)
        }
    }

    public struct ProjectMatch: Sendable, Equatable, Codable {
        /// Shown in the project's log book: the visitor's message.
        public var comment: String?
        /// Shown in the project's notes field.
        public var partnerNotes: String?
        public var partnerSource: String?

        public init(comment: String? = nil, partnerNotes: String? = nil, partnerSource: String? = nil) {
            self.comment = comment
            self.partnerNotes = partnerNotes
            self.partnerSource = partnerSource
        }

        enum CodingKeys: String, CodingKey {
            case comment
            case partnerNotes = "partner_notes"
            case partnerSource = "partner_source"
        }

        var isEmpty: Bool {
            [comment, partnerNotes, partnerSource].allSatisfy { $0?.isEmpty ?? true }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeNonEmpty(comment, forKey: .comment)
            try container.encodeNonEmpty(partnerNotes, forKey: .partnerNotes)
            try container.encodeNonEmpty(partnerSource, forKey: .partnerSource)
        }
    }
}

extension KeyedEncodingContainer {
    /// HERO must never receive "" (it would blank existing data), so empty counts as absent.
    mutating func encodeNonEmpty(_ value: String?, forKey key: Key) throws {
        guard let value, !value.isEmpty else { return }
        try encode(value, forKey: key)
    }
}
