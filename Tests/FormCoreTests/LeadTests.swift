import Testing
import FormCore

@Suite struct LeadTests {
    @Test func valueIsNilWhenMissingOrEmpty() {
        let lead = Lead(values: [.email: "max@example.org", .phone: ""], consent: true, formID: "dach")
        #expect(lead.value(.email) == "max@example.org")
        #expect(lead.value(.phone) == nil)
        #expect(lead.value(.street) == nil)
        #expect(lead.consent)
        #expect(lead.formID == "dach")
    }

    @Test func defaults() {
        let lead = Lead(formID: "x")
        #expect(lead.values.isEmpty)
        #expect(lead.consent == false)
    }

    @Test(arguments: ["O'Brien", "Müller", "Иван", "محمد", "山田", " "])
    func valuesAreReturnedUnchanged(name: String) {
        #expect(Lead(values: [.lastName: name], formID: "x").value(.lastName) == name)
    }

    @Test func equality() {
        #expect(Lead(values: [.email: "a@b.de"], formID: "x") == Lead(values: [.email: "a@b.de"], formID: "x"))
        #expect(Lead(values: [.email: "a@b.de"], formID: "x") != Lead(values: [.email: "a@b.de"], consent: true, formID: "x"))
    }
}
