import Testing
import FormCore

@Suite struct ValidationFailureTests {
    @Test(arguments: [
        (Language.de, "Bitte prüfen Sie die markierten Felder."),
        (.en, "Please check the highlighted fields."),
    ])
    func summaryLine(language: Language, expected: String) {
        let failure = ValidationFailure(errors: [.email: "x"])
        #expect(failure.message(language: language) == expected)
    }

    @Test func carriesTheFieldErrors() {
        let failure = ValidationFailure(errors: [.email: "a", .zipcode: "b"])
        #expect(failure.errors[.email] == "a")
        #expect(failure.errors[.zipcode] == "b")
        #expect(failure.errors[.phone] == nil)
        #expect(failure != ValidationFailure(errors: [.email: "a"]))
    }
}
