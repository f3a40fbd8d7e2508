import FoundationEssentials
import Glibc
import HTTPClient
import JSON
import Logging

/// Something an operator should hear about without reading logs.
package enum Alert: Sendable, Equatable {
    case leadFailed(reference: String, formID: String, reason: String)
    case keyRejected(status: Int)

    /// The JSON body: no personal data, only what points the operator to `heroform outbox show`.
    package var json: [String: String] {
        switch self {
        case .leadFailed(let reference, let formID, let reason):
            return ["event": "lead_failed", "reference": reference, "form": formID, "reason": reason,
                    "hint": "heroform outbox show \(reference)"]
        case .keyRejected(let status):
            return ["event": "hero_key_rejected", "reason": "HERO refused the API key (HTTP \(status))",
                    "hint": "check HERO_API_KEY; leads are kept and retried"]
        }
    }
}

package protocol AlertSink: Sendable {
    func send(_ alert: Alert) async
}

/// Posts alerts as JSON to `alerts.webhook_url` (a chat webhook, say). Failures are logged, never retried:
/// the outbox itself keeps the lead.
package struct WebhookAlerts: AlertSink {
    let url: URL
    let logger: Logger
    private let http = HTTPClient(configuration: {
        var configuration = HTTPClient.Configuration()
        configuration.maxConcurrentRequests = 2
        configuration.proxies = .fromEnvironment(ProcessInfo.processInfo.environment)
        return configuration
    }())

    package init(url: URL, logger: Logger) {
        self.url = url
        self.logger = logger
    }

    package func send(_ alert: Alert) async {
        let body = JSONValue.object(alert.json.mapValues { .string($0) }).serialized()
        let request = HTTPClientRequest(method: "POST", url: url, headers: [("Content-Type", "application/json")],
                                        body: Array(body.utf8))
        do {
            let response = try await http.send(request, timeout: .seconds(10))
            if !(200..<300).contains(response.status) {
                logger.warning("alert webhook answered HTTP \(response.status)")
            }
        } catch {
            logger.warning("alert webhook not reachable: \(error)")
        }
    }
}
