import JSON

/// What one call to HERO's Lead API came to, classified for the caller's retry decision.
package enum HeroOutcome: Sendable, Equatable {
    /// HTTP 200 with `"status":"success"`: the project exists in HERO.
    case created(id: Int?)
    /// HERO refused the API key (401/403). Retrying will not help until the key is fixed, but the lead is fine.
    case unauthorized(status: Int, message: String)
    /// HERO is unreachable, slow, rate-limiting (429) or failing (5xx): worth retrying later.
    case unavailable(String)
    /// HERO answered and refused this lead (other 4xx, or 200 without success): retrying the same payload
    /// would fail again. `message` is HERO's own, kept for the operator.
    case rejected(status: Int, message: String)

    /// Classifies an HTTP answer from HERO (RFC 9110 status semantics plus HERO's JSON envelope).
    package static func classify(status: Int, body: [UInt8]) -> HeroOutcome {
        // Lenient with what HERO may send: a repeated key (the last one counts, as JSONSerialization read it) or deep
        // nesting elsewhere must not turn a created project into a "failed" lead that someone then sends again.
        let json = try? JSONValue.parse(body, maxDepth: 512, lastKeyWins: true)
        let message =
            json?["message"]?.string.map { String($0.prefix(500)) }
            ?? String(decoding: body.prefix(200), as: UTF8.self).split(whereSeparator: \.isWhitespace).joined(
                separator: " ")
        switch status {
        case 200:
            guard json?["status"]?.string == "success" else {
                return .rejected(
                    status: status, message: message.isEmpty ? "answer without \"status\":\"success\"" : message)
            }
            return .created(id: json?["id"]?.integer ?? json?["id"]?.string.flatMap { Int($0) })
        case 401, 403:
            return .unauthorized(status: status, message: message)
        case 408, 425, 429, 500...599:
            // Only the status: an error page's text may echo what was sent (personal data), and this reason
            // reaches logs, alerts and /readyz.
            return .unavailable("HTTP \(status)")
        default:
            return .rejected(status: status, message: message.isEmpty ? "HTTP \(status)" : message)
        }
    }
}
