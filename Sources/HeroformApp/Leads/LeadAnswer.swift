import FormCore
import HTTPServer
import JSON

/// The answers heroform gives about leads it took: JSON with the reference for site JavaScript, or
/// post/redirect/get to the thank-you page for a browser.
enum LeadAnswer {
    /// 200 `success` when the lead is in HERO, 202 `queued` when it is stored and waits for HERO; a browser goes
    /// to the form's `success_url` or the thank-you page either way. `files` (for a form that takes files) is how
    /// many came with the lead: JSON says `"attachments": N`.
    static func taken(
        reference: String, delivered: Bool, form: FormDefinition, json: Bool, files: Int? = nil
    ) -> HTTPResponse {
        guard json else { return redirect(to: form.successURL ?? "/thanks?ref=\(reference)&form=\(form.id)") }
        var body: [String: JSONValue] = ["status": delivered ? "success" : "queued", "reference": .string(reference)]
        if let files { body["attachments"] = .number(Double(files)) }
        return Self.json(.object(body), status: delivered ? .ok : .accepted)
    }

    /// Made once: every refusal of a flood is one of these answers.
    private static let jsonHeaders: HTTPHeaders = [
        "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store",
    ]

    static func json(_ body: JSONValue, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: jsonHeaders, body: body.serializedBytes())
    }

    /// Post/redirect/get: a reload of the thank-you page does not submit again.
    static func redirect(to location: String) -> HTTPResponse {
        var response = HTTPResponse.redirect(to: location, status: .seeOther)
        response.headers.set("Cache-Control", "no-store")
        return response
    }
}
