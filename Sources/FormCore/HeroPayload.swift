package import FoundationEssentials
package import JSON

/// The JSON body for HERO's `POST /api/v1/Projects/create` (see hero-lead-api.txt).
///
/// The JSON leaves out nil and empty strings, and sub-objects that end up empty, because HERO would
/// otherwise overwrite data with "" — so an empty value can never be sent, however the payload was built.
// Public only while HeroformApp's public LeadDelivery names it.
public struct HeroPayload: Sendable, Equatable {
    package var measure: String
    package var customer: Customer?
    package var address: Address?
    /// Only set when the project site differs; HERO then uses it instead of `address`.
    package var projectAddress: Address?
    package var projectMatch: ProjectMatch?

    package init(
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

    /// The payload as HERO reads it, with HERO's key names; empty values and sub-objects left out.
    package var json: JSONValue {
        JSONValue.nonEmptyObject([
            "measure": .nonEmpty(measure),
            "customer": customer?.json,
            "address": address?.json,
            "projectaddress": projectAddress?.json,
            "project_match": projectMatch?.json,
        ]) ?? [:]
    }

    /// Compact UTF-8 JSON with sorted keys, so equal payloads give equal bytes (testable, loggable).
    package func jsonBytes() -> [UInt8] {
        json.serializedBytes()
    }

    /// `jsonBytes()` as `Data`, for the outbox and the HERO client, which take `Data`.
    package func jsonData() -> Data {
        Data(jsonBytes())
    }

    package struct Customer: Sendable, Equatable {
        package var email: String?
        /// The salutation: "Herr", "Frau" or "Divers".
        package var title: String?
        package var firstName: String?
        package var lastName: String?
        package var companyName: String?
        package var phoneHome: String?

        package init(
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

        /// Nil when every value is empty.
        var json: JSONValue? {
            JSONValue.nonEmptyObject([
                "email": .nonEmpty(email), "title": .nonEmpty(title), "first_name": .nonEmpty(firstName),
                "last_name": .nonEmpty(lastName), "company_name": .nonEmpty(companyName),
                "phone_home": .nonEmpty(phoneHome),
            ])
        }

        var isEmpty: Bool {
            [email, title, firstName, lastName, companyName, phoneHome].allSatisfy { $0?.isEmpty ?? true }
        }
    }

    package struct Address: Sendable, Equatable {
        package var street: String?
        package var city: String?
        package var zipcode: String?
        package var countryCode: String?

        package init(street: String? = nil, city: String? = nil, zipcode: String? = nil, countryCode: String? = nil) {
            self.street = street
            self.city = city
            self.zipcode = zipcode
            self.countryCode = countryCode
        }

        /// Nil when every value is empty.
        var json: JSONValue? {
            JSONValue.nonEmptyObject([
                "street": .nonEmpty(street), "city": .nonEmpty(city), "zipcode": .nonEmpty(zipcode),
                "country_code": .nonEmpty(countryCode),
            ])
        }

        var isEmpty: Bool {
            [street, city, zipcode, countryCode].allSatisfy { $0?.isEmpty ?? true }
        }
    }

    package struct ProjectMatch: Sendable, Equatable {
        /// Shown in the project's log book: the visitor's message.
        package var comment: String?
        /// Shown in the project's notes field.
        package var partnerNotes: String?
        package var partnerSource: String?

        package init(comment: String? = nil, partnerNotes: String? = nil, partnerSource: String? = nil) {
            self.comment = comment
            self.partnerNotes = partnerNotes
            self.partnerSource = partnerSource
        }

        /// Nil when every value is empty.
        var json: JSONValue? {
            JSONValue.nonEmptyObject([
                "comment": .nonEmpty(comment), "partner_notes": .nonEmpty(partnerNotes),
                "partner_source": .nonEmpty(partnerSource),
            ])
        }

        var isEmpty: Bool {
            [comment, partnerNotes, partnerSource].allSatisfy { $0?.isEmpty ?? true }
        }
    }
}

extension JSONValue {
    /// HERO must never receive "" (it would blank existing data), so empty counts as absent.
    fileprivate static func nonEmpty(_ text: String?) -> JSONValue? {
        guard let text, !text.isEmpty else { return nil }
        return .string(text)
    }

    /// An object of the members that are there; nil when none is, so an empty object is left out too.
    fileprivate static func nonEmptyObject(_ members: [String: JSONValue?]) -> JSONValue? {
        let present = members.compactMapValues { $0 }
        return present.isEmpty ? nil : .object(present)
    }
}
