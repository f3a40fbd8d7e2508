import FormCore
import HTTPServer
import Testing
@testable import HeroformApp

/// Which media types are JSON is MediaType's rule (MediaTypeTests); here, that a request sending one wants JSON.
@Suite struct NegotiationTests {
    private func request(_ headers: HTTPHeaders) -> HTTPRequest {
        HTTPRequest(head: HTTPRequestHead(method: .post, target: "/leads", headers: headers))
    }

    @Test(arguments: ["application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8",
                      " application/json ; charset=utf-8", "\tapplication/json", "application/problem+json",
                      "application/vnd.api+JSON; q=1", "+json"])
    func jsonMediaTypes(header: String) {
        #expect(Negotiation.prefersJSON(request(["Content-Type": header])))
    }

    @Test(arguments: ["", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonx",
                      "application/json+", "text/json5", "json", "application/ json", "application/json-seq", "application/jso"])
    func otherMediaTypes(header: String) {
        #expect(!Negotiation.prefersJSON(request(["Content-Type": header])))
    }

    @Test func acceptDecidesForAForm() {
        let form = "application/x-www-form-urlencoded"
        #expect(Negotiation.prefersJSON(request(["Content-Type": form, "Accept": "application/json"])))
        #expect(!Negotiation.prefersJSON(request(["Content-Type": form, "Accept": "text/html,application/json;q=0.9"])))
        #expect(Negotiation.prefersJSON(request(["Content-Type": form, "Accept": "text/html;q=0.5, application/*"])))
        #expect(!Negotiation.prefersJSON(request(["Content-Type": form])))
        #expect(!Negotiation.prefersJSON(request(["Content-Type": form, "Accept": "*/*"])))
    }

    @Test(arguments: [("en", Language.en), ("en-GB,en;q=0.9", .en), ("de-DE", .de), ("fr, en;q=0.5", .en),
                      ("en;q=0.3, de;q=0.7", .de), ("EN-us", .en), ("fr", .de), ("", .de), ("en;q=0", .de),
                      ("*", .de), (";;,,", .de)])
    func visitorLanguageFromAcceptLanguage(header: String, expected: Language) {
        #expect(Negotiation.language(request(["Accept-Language": header])) == expected)
    }

    @Test func visitorLanguageIsGermanWithoutAcceptLanguage() {
        #expect(Negotiation.language(request([:])) == .de)
    }
}
