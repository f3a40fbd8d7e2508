package import JSON

/// What one call of the file steps came to (the project_match lookup, an upload, an attachment), classified like
/// `HeroOutcome` for the caller's retry decision. HERO's GraphQL answers failures with HTTP 200 and an `errors`
/// array, so a 200 counts only when it has no errors and carries the expected data.
package enum HeroFileOutcome<Value: Sendable & Equatable>: Sendable, Equatable {
    /// HERO did it; the value is what the step yields (the project_match, the upload's uuid, the file's id).
    case success(Value)
    /// HERO refused the API key (401/403 from the upload or GraphQL endpoint). Retrying will not help until the key
    /// is fixed.
    case unauthorized(status: Int, message: String)
    /// HERO is unreachable, slow, rate-limiting (408, 425, 429) or failing (5xx): worth retrying later.
    case unavailable(String)
    /// HERO answered and refused this call: another 4xx, a GraphQL `errors` answer, or a success without the
    /// expected data. Retrying the same call would fail again. `message` is HERO's own (truncated, never the key).
    case rejected(status: Int, message: String)
    /// Uploads only: the file to send could not be opened or read, or changed while it was sent. Nothing reached
    /// HERO whole; the problem is on this side.
    case fileUnreadable(String)

    /// The longest message kept from an answer.
    static var maxMessageLength: Int { 500 }

    /// The classification of an answer that is not a 2xx; nil for a 2xx, which the caller reads itself.
    static func classifyFailure(status: Int, body: [UInt8], json: JSONValue?) -> HeroFileOutcome? {
        guard !(200...299).contains(status) else { return nil }
        switch status {
        case 401, 403:
            return .unauthorized(status: status, message: message(in: body, json: json) ?? "HTTP \(status)")
        case 408, 425, 429, 500...599:
            // Only the status: an error page's text may echo what was sent, and this reason reaches logs and alerts.
            return .unavailable("HTTP \(status)")
        default:
            return .rejected(status: status, message: message(in: body, json: json) ?? "HTTP \(status)")
        }
    }

    /// Classifies an answer of HERO's GraphQL endpoint: `value` reads the expected data out of `data`; nil from it
    /// (or no `data` at all) is a refusal with `missing` as its message.
    package static func classifyGraphQL(
        status: Int, body: [UInt8], missing: String, value: (JSONValue) -> Value?
    ) -> HeroFileOutcome {
        let json = parse(body)
        if let failure = classifyFailure(status: status, body: body, json: json) { return failure }
        guard let json else { return .rejected(status: status, message: message(in: body, json: nil) ?? missing) }
        if let errors = json["errors"], errors != .null, errors != .array([]) {
            return .rejected(status: status, message: graphQLMessages(errors) ?? "GraphQL errors without a message")
        }
        guard let data = json["data"], let found = value(data) else {
            return .rejected(status: status, message: missing)
        }
        return .success(found)
    }

    /// Lenient with what HERO may send (a repeated key, deep nesting elsewhere): a call HERO carried out must not
    /// count as refused because of how its answer was written.
    static func parse(_ body: [UInt8]) -> JSONValue? {
        try? JSONValue.parse(body, maxDepth: 512, lastKeyWins: true)
    }

    /// HERO's message: `message`, the GraphQL `errors`' messages, or the start of the body; nil when there is none.
    static func message(in body: [UInt8], json: JSONValue?) -> String? {
        if let message = json?["message"]?.string, !message.isEmpty { return truncated(message) }
        if let errors = json?["errors"], let messages = graphQLMessages(errors) { return messages }
        let text = String(decoding: body.prefix(200), as: UTF8.self).split(whereSeparator: \.isWhitespace)
            .joined(separator: " ")
        return text.isEmpty ? nil : text
    }

    /// The messages of a GraphQL `errors` array, joined with "; ".
    private static func graphQLMessages(_ errors: JSONValue) -> String? {
        guard case .array(let entries) = errors else { return nil }
        let messages = entries.compactMap { $0["message"]?.string }.filter { !$0.isEmpty }
        return messages.isEmpty ? nil : truncated(messages.joined(separator: "; "))
    }

    private static func truncated(_ text: String) -> String {
        text.count > maxMessageLength ? String(text.prefix(maxMessageLength - 1)) + "…" : text
    }

    /// The same outcome with every occurrence of `secret` in its messages replaced: an answer that echoes the key
    /// must not carry it into logs, alerts or the outbox.
    func redacting(_ secret: String) -> HeroFileOutcome {
        guard !secret.isEmpty else { return self }
        func clean(_ text: String) -> String { text.replacing(secret, with: "[key]") }
        switch self {
        case .success, .fileUnreadable: return self
        case .unauthorized(let status, let message): return .unauthorized(status: status, message: clean(message))
        case .unavailable(let reason): return .unavailable(clean(reason))
        case .rejected(let status, let message): return .rejected(status: status, message: clean(message))
        }
    }
}

extension HeroFileOutcome<String> {
    /// Classifies an answer of HERO's upload endpoint: a success is `"status":"success"` with a non-empty
    /// `data.uuid` (under `data`, not at the top level: integrations that read a top-level uuid sent an empty one).
    package static func classifyUpload(status: Int, body: [UInt8]) -> HeroFileOutcome<String> {
        let json = parse(body)
        if let failure = classifyFailure(status: status, body: body, json: json) { return failure }
        guard json?["status"]?.string == "success" else {
            return .rejected(status: status, message: message(in: body, json: json) ?? "answer without data.uuid")
        }
        guard let uuid = json?["data"]?["uuid"]?.string, !uuid.isEmpty else {
            return .rejected(status: status, message: "answer without data.uuid")
        }
        return .success(uuid)
    }
}

/// A number HERO may write as a JSON number or as a string of digits.
func heroID(_ value: JSONValue?) -> Int? {
    value?.integer ?? value?.string.flatMap { Int($0) }
}
