import Testing
import FormCore

@Suite struct NameCheckTests {
    @Test(arguments: [
        "Max", "Müller-Lüdenscheidt", "O'Brien", "N’Diaye", "J. R. R. Tolkien", "Иван", "Пётр Ильич", "محمد",
        "عبد الله", "山田", "김민준", "Nguyễn Văn A", "Zoë", "d'Artagnan", "Ólafur", "देवनागरी", "Hawaiʻi",
        "Jean\u{2010}Luc", "Ĳsbrand", "Straße", "Ǆemal",
    ])
    func valid(name: String) {
        #expect(NameCheck.isValid(name))
    }

    @Test(arguments: [
        "", " ", "12345", "!!!", "...", "'-", "Max2", "<script>", "Robert'); DROP TABLE leads;--", "Max@Muster",
        "😀", "Max😀", "Max\u{0}", "a_b", "Max\nMuster", "Max\u{202E}", "Max\u{200B}", "Müller & Söhne", "Max,", "١٢٣",
        "\u{0301}", "Ⅷ",
    ])
    func invalid(name: String) {
        #expect(!NameCheck.isValid(name))
    }
}
