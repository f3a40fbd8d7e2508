import FoundationEssentials
import HTTPClient
import JSON
import Logging
import Outbox

/// Posts alerts as JSON to `alerts.webhook_url` (a chat webhook, say). Failures are logged, never retried:
/// the outbox itself keeps the lead.
struct WebhookAlerts: AlertSink {
    let url: URL
    let logger: Logger
    private let http: HTTPClient

    /// - Parameter environment: where the proxy settings come from (curl's variables).
    init(url: URL, environment: [String: String], logger: Logger) {
        self.url = url
        self.logger = logger
        var configuration = HTTPClient.Configuration()
        configuration.maxConcurrentRequests = 2
        configuration.proxies = .fromEnvironment(environment)
        http = HTTPClient(configuration: configuration)
    }

    func send(_ alert: Alert) async {
        let body = JSONValue.object(Self.body(alert).mapValues { .string($0) }).serialized()
        let request = HTTPClientRequest(
            method: "POST", url: url, headers: [("Content-Type", "application/json")],
            body: Array(body.utf8))
        do {
            let response = try await http.send(request, timeout: .seconds(10))
            if !(200..<300).contains(response.status) {
                logger.warning("alert webhook answered with an error", metadata: ["status": "\(response.status)"])
            }
        } catch {
            logger.warning("alert webhook not reachable", metadata: ["error": "\(error)"])
        }
    }

    /// The JSON body: no personal data, only what points the operator to `heroform outbox show`.
    static func body(_ alert: Alert) -> [String: String] {
        switch alert {
        case .leadFailed(let reference, let formID, let reason):
            return [
                "event": "lead_failed", "reference": reference, "form": formID, "reason": reason,
                "hint": "heroform outbox show \(reference)",
            ]
        case .keyRejected(let reason, nil):
            return [
                "event": "hero_key_rejected", "reason": reason,
                "hint": "check HERO_API_KEY; leads are kept and retried",
            ]
        case .keyRejected(let reason, let account?):
            return [
                "event": "hero_key_rejected", "reason": reason, "account": account,
                "hint": "check the key of hero.accounts.\(account); its leads are kept and retried, others go on",
            ]
        case .fileFailed(let reference, let formID, let number, let reason):
            return [
                "event": "file_failed", "reference": reference, "form": formID, "file": String(number),
                "reason": reason, "hint": "heroform outbox show \(reference); heroform outbox retry \(reference)",
            ]
        case .receiverUnreachable(let seconds, let reason, let waiting):
            return [
                "event": "hero_unreachable", "unreachable_minutes": String(seconds / 60), "reason": reason,
                "waiting": String(waiting), "hint": "leads are stored and go to HERO as soon as it answers again",
            ]
        case .receiverRecovered(let seconds, let waiting):
            return [
                "event": "hero_recovered", "unreachable_minutes": String(seconds / 60), "waiting": String(waiting),
                "hint": "the waiting leads are being sent now",
            ]
        }
    }
}
