import Testing
@testable import FormCore

@Suite struct EmailCheckTests {
    static func domain(labelLength: Int) -> String {
        [String(repeating: "a", count: labelLength), String(repeating: "b", count: labelLength),
         String(repeating: "c", count: labelLength), "de"].joined(separator: ".")
    }

    @Test(arguments: [
        "max.mustermann@example.org", "o'brien@example.ie", "user+tag@sub.example.co.uk", "first_last@example.com",
        "a@b.cd", "1234@123.de", "name@domain-with-hyphen.de", "jörg@müller.de", "ivan@почта.рф",
        "user@xn--80ak6aa92e.xn--p1ai", "用户@例子.广告", "info@बीबीसी.भारत", "x@ex4mple.museum",
        String(repeating: "a", count: 64) + "@example.de",
        "a@" + String(repeating: "d", count: 63) + ".de",
    ])
    func valid(email: String) {
        #expect(EmailCheck.isValid(email))
    }

    @Test(arguments: [
        "", "plain", "@example.de", "max@", "max@@example.de", "a@b@example.de", "max mustermann@example.de",
        "max@example", "max@example.d", "max@example.12", "max@example.d3", "max@-example.de", "max@example-.de",
        "max@example..de", "max@.example.de", "max@example.de.", "<script>@example.de", "max@exa mple.de",
        "max@example.de\r\nBcc: x@y.de", "max@example.de Bcc: x@y.de", "max\u{0}@example.de", "a\u{202E}b@example.de",
        "a\u{200B}b@example.de", "max@[127.0.0.1]", "\"quoted\"@example.de", "max,other@example.de",
        "max;@example.de", "max(comment)@example.de", "max\\@example.de", "max:1@example.de", ".max@example.de",
        "max.@example.de", "ma..x@example.de", "max@exam_ple.de", "max@example.de'; DROP TABLE leads;--",
        "max@example.xn--", "max@example.-de", "max@\u{0301}.de", "max@例子.广告1",
        String(repeating: "a", count: 65) + "@example.de",
        "a@" + String(repeating: "d", count: 64) + ".de",
        "max@example.de\u{0}", "max@exam\u{202E}ple.de", "max\t@example.de",
    ])
    func invalid(email: String) {
        #expect(!EmailCheck.isValid(email))
    }

    @Test func totalLengthLimit() {
        let fits = String(repeating: "l", count: 64) + "@" + Self.domain(labelLength: 61)
        let tooLong = String(repeating: "l", count: 64) + "@" + Self.domain(labelLength: 62)
        #expect(fits.count == 253)
        #expect(tooLong.count == 256)
        #expect(EmailCheck.isValid(fits))
        #expect(!EmailCheck.isValid(tooLong))
        #expect(!EmailCheck.isValid(String(repeating: "a@b.de", count: 200_000)))
    }
}
