import Foundation
import HTTPServer
import HTTPTesting
import Logging
import Outbox
import Synchronization
import Testing
@testable import HeroformApp

@Suite struct WebhookAlertsTests {
    var quietLogger: Logger {
        var logger = Logger(label: "webhook-test")
        logger.logLevel = .critical
        return logger
    }

    @Test func webhookGetsJSONWithoutPersonalData() async throws {
        let received = Mutex<[HTTPRequest]>([])
        var router = Router()
        router.post("/hook") { request in
            received.withLock { $0.append(request) }
            return .text("ok")
        }
        try await TestServer.with(router) { server in
            let url = try #require(URL(string: "http://127.0.0.1:\(server.port)/hook"))
            let sink = WebhookAlerts(url: url, environment: [:], logger: quietLogger)
            await sink.send(.leadFailed(reference: "AAA-AAA-AAA", formID: "default", reason: "HERO rejected it (HTTP 422)"))
            await sink.send(.keyRejected(reason: "HERO refused the API key (HTTP 401)"))
        }
        let requests = received.withLock { $0 }
        #expect(requests.count == 2)
        #expect(requests.first?.headers["Content-Type"] == "application/json")
        let first = try #require(requests.first.flatMap { try? JSONSerialization.jsonObject(with: Data($0.body.bytes)) }
                                 as? [String: String])
        #expect(first == ["event": "lead_failed", "reference": "AAA-AAA-AAA", "form": "default",
                          "reason": "HERO rejected it (HTTP 422)", "hint": "heroform outbox show AAA-AAA-AAA"])
        let second = try #require(requests.last.flatMap { try? JSONSerialization.jsonObject(with: Data($0.body.bytes)) }
                                  as? [String: String])
        #expect(second == ["event": "hero_key_rejected", "reason": "HERO refused the API key (HTTP 401)",
                           "hint": "check HERO_API_KEY; leads are kept and retried"])
    }

    @Test func outageAlertsSayHowLongAndHowManyWait() {
        #expect(
            WebhookAlerts.body(.receiverUnreachable(unreachableSeconds: 930, reason: "HTTP 503", waiting: 12)) == [
                "event": "hero_unreachable", "unreachable_minutes": "15", "reason": "HTTP 503", "waiting": "12",
                "hint": "leads are stored and go to HERO as soon as it answers again",
            ])
        #expect(
            WebhookAlerts.body(.receiverRecovered(unreachableSeconds: 3725, waiting: 40)) == [
                "event": "hero_recovered", "unreachable_minutes": "62", "waiting": "40",
                "hint": "the waiting leads are being sent now",
            ])
    }

    @Test func unreachableOrFailingWebhookIsLoggedNotThrown() async throws {
        let capture = LogCapture()
        var router = Router()
        router.post("/hook") { _ in .error(.internalServerError) }
        try await TestServer.with(router) { server in
            let url = try #require(URL(string: "http://127.0.0.1:\(server.port)/hook"))
            let failing = WebhookAlerts(url: url, environment: [:], logger: capture.logger)
            await failing.send(.keyRejected(reason: "HERO refused the API key (HTTP 403)"))
        }
        let nowhere = try #require(URL(string: "http://127.0.0.1:9/hook"))
        let unreachable = WebhookAlerts(url: nowhere, environment: [:], logger: capture.logger)
        await unreachable.send(.keyRejected(reason: "HERO refused the API key (HTTP 403)"))
        let lines = capture.lines.withLock { $0 }
        #expect(lines.contains("warning alert webhook answered with an error status=500"), "\(lines)")
        #expect(lines.contains { $0.hasPrefix("warning alert webhook not reachable error=") }, "\(lines)")
    }
}
