import Foundation
import Testing
import FormCore

@Suite struct LanguageTests {
    @Test func rawValuesAreISOCodes() {
        #expect(Language.allCases == [.de, .en])
        #expect(Language(rawValue: "de") == .de)
        #expect(Language(rawValue: "en") == .en)
    }

    @Test(arguments: ["DE", "fr", "", "de-DE", "english"])
    func unsupportedCodes(code: String) {
        #expect(Language(rawValue: code) == nil)
    }

    @Test func decodesFromConfigJSON() throws {
        let decoded = try JSONDecoder().decode([Language].self, from: Data(#"["en","de"]"#.utf8))
        #expect(decoded == [.en, .de])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Language].self, from: Data(#"["fr"]"#.utf8)) }
    }
}
