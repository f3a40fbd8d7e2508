import Foundation
import Testing
import FormCore

@Suite struct FieldTests {
    @Test(arguments: [
        (Field.form, "form"), (.salutation, "salutation"), (.firstName, "first_name"), (.lastName, "last_name"),
        (.companyName, "company_name"), (.email, "email"), (.phone, "phone"), (.street, "street"),
        (.zipcode, "zipcode"), (.city, "city"), (.countryCode, "country_code"), (.projectStreet, "project_street"),
        (.projectZipcode, "project_zipcode"), (.projectCity, "project_city"),
        (.projectCountryCode, "project_country_code"), (.message, "message"), (.consent, "consent"),
    ])
    func rawValueIsTheHTMLName(field: Field, name: String) {
        #expect(field.rawValue == name)
        #expect(Field(rawValue: name) == field)
    }

    @Test func allCasesAreListedOnceInPageOrder() {
        #expect(Field.allCases.count == 17)
        #expect(Set(Field.allCases.map(\.rawValue)).count == 17)
        #expect(Field.allCases.first == .form)
        #expect(Field.allCases.last == .consent)
    }

    @Test(arguments: [
        (Field.form, 64), (.salutation, 10), (.firstName, 100), (.lastName, 100), (.companyName, 150),
        (.email, 254), (.phone, 40), (.street, 150), (.zipcode, 10), (.city, 100), (.countryCode, 2),
        (.projectStreet, 150), (.projectZipcode, 10), (.projectCity, 100), (.projectCountryCode, 2),
        (.message, 5000), (.consent, 10),
    ])
    func maxLength(field: Field, limit: Int) {
        #expect(field.maxLength == limit)
    }

    @Test func onlyTheMessageIsMultiline() {
        #expect(Field.allCases.filter(\.isMultiline) == [.message])
    }

    @Test func projectAddressFields() {
        #expect(Field.allCases.filter(\.isProjectAddress) == [.projectStreet, .projectZipcode, .projectCity, .projectCountryCode])
    }

    @Test(arguments: ["First_Name", "firstName", "", " email", "email ", "<script>", "e\u{200B}mail"])
    func unknownNamesAreNotFields(name: String) {
        #expect(Field(rawValue: name) == nil)
    }

    @Test func codableUsesTheRawValue() throws {
        let data = try JSONEncoder().encode([Field.firstName, .projectCountryCode])
        #expect(String(decoding: data, as: UTF8.self) == #"["first_name","project_country_code"]"#)
        #expect(try JSONDecoder().decode([Field].self, from: data) == [.firstName, .projectCountryCode])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Field].self, from: Data(#"["firstName"]"#.utf8)) }
    }
}
