import Foundation
import HTTPServer
import HTTPTesting
import Logging
import Synchronization
import Testing
@testable import Outbox

@Suite struct AlertSinkTests {
    @Test func webhookGetsJSONWithoutPersonalData() async throws {
        let received = Mutex<[HTTPRequest]>([])
        var router = Router()
        router.post("/hook") { request in
            received.withLock { $0.append(request) }
            return .text("ok")
        }
        try await TestServer.with(router) { server in
            let url = try #require(URL(string: "http://127.0.0.1:\(server.port)/hook"))
            let sink = WebhookAlerts(url: url, logger: quietLogger)
            await sink.send(.leadFailed(reference: "AAA-AAA-AAA", formID: "default", reason: "HERO rejected it (HTTP 422)"))
            await sink.send(.keyRejected(status: 401))
        }
        let requests = received.withLock { $0 }
        #expect(requests.count == 2)
        #expect(requests.first?.headers["Content-Type"] == "application/json")
        let first = try #require(requests.first.flatMap { try? JSONSerialization.jsonObject(with: Data($0.body)) } as? [String: String])
        #expect(first == ["event": "lead_failed", "reference": "AAA-AAA-AAA", "form": "default",
                          "reason": "HERO rejected it (HTTP 422)", "hint": "heroform outbox show AAA-AAA-AAA"])
        let second = try #require(requests.last.flatMap { try? JSONSerialization.jsonObject(with: Data($0.body)) } as? [String: String])
        #expect(second["event"] == "hero_key_rejected")
    }

    @Test func unreachableOrFailingWebhookIsLoggedNotThrown() async throws {
        let capture = LogCapture()
        var router = Router()
        router.post("/hook") { _ in .error(.internalServerError) }
        try await TestServer.with(router) { server in
            let failing = WebhookAlerts(url: try #require(URL(string: "http://127.0.0.1:\(server.port)/hook")), logger: capture.logger)
            await failing.send(.keyRejected(status: 403))
        }
        let unreachable = WebhookAlerts(url: try #require(URL(string: "http://127.0.0.1:9/hook")), logger: capture.logger)
        await unreachable.send(.keyRejected(status: 403))
        let lines = capture.lines.withLock { $0 }
        #expect(lines.contains { $0.hasPrefix("warning alert webhook answered HTTP 500") })
        #expect(lines.contains { $0.hasPrefix("warning alert webhook not reachable") })
    }
}
