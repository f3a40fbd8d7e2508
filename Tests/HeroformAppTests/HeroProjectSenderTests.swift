import Foundation
import HeroClient
import HeroStandIn
import Outbox
import Testing
@testable import HeroformApp

/// HERO's answers in the outbox's terms.
@Suite struct HeroProjectSenderTests {
    @Test(arguments: [
        (HeroOutcome.created(id: 7), SendOutcome.delivered(externalID: 7)),
        (.created(id: nil), .delivered(externalID: nil)),
        (.unauthorized(status: 401, message: "Unauthenticated."),
         .keyRejected(reason: "HERO refused the API key (HTTP 401)")),
        (.unauthorized(status: 403, message: "Forbidden"), .keyRejected(reason: "HERO refused the API key (HTTP 403)")),
        (.unavailable("HTTP 503"), .unavailable(reason: "HTTP 503")),
        (.unavailable("timed out"), .unavailable(reason: "timed out")),
        (.rejected(status: 422, message: "Fehlende Postleitzahl"),
         .refused(reason: "HERO rejected it (HTTP 422)", detail: "Fehlende Postleitzahl")),
        (.rejected(status: 200, message: "Projekt konnte nicht angelegt werden"),
         .refused(reason: "HERO rejected it (HTTP 200)", detail: "Projekt konnte nicht angelegt werden")),
    ])
    func mapsEachOfHerosAnswers(_ answer: HeroOutcome, _ expected: SendOutcome) {
        #expect(HeroProjectSender.outcome(answer) == expected)
    }

    /// /metrics counts sendings under the names of HERO's answers, as it did when it was handed those.
    @Test(arguments: [
        (HeroOutcome.created(id: 1), "created"), (.unauthorized(status: 401, message: ""), "unauthorized"),
        (.unavailable("HTTP 502"), "unavailable"), (.rejected(status: 400, message: "x"), "rejected"),
    ])
    func metricsKeepTheLabelsOfHerosAnswers(_ answer: HeroOutcome, _ label: String) {
        let metrics = Metrics()
        metrics.heroCall(HeroProjectSender.outcome(answer))
        let text = metrics.render(outbox: [:], mode: "live", version: "0")
        for outcome in ["created", "unauthorized", "unavailable", "rejected"] {
            #expect(text.contains("heroform_hero_calls_total{outcome=\"\(outcome)\"} \(outcome == label ? 1 : 0)\n"))
        }
    }

    @Test func dryRunCountsAsCreated() {
        let metrics = Metrics()
        metrics.heroCall(.delivered(externalID: nil))
        #expect(metrics.render(outbox: [:], mode: "dry-run", version: "0")
            .contains("heroform_hero_calls_total{outcome=\"created\"} 1\n"))
    }
}

/// The delivery worker with the HERO sender, against HERO's stand-in over HTTP: what reaches the lead's record
/// from HERO's real answers.
@Suite struct HeroDeliveryTests {
    let outbox: TemporaryOutbox
    let hero: HeroStandIn
    let sender: HeroProjectSender
    let alerts = RecordingAlerts()

    init() throws {
        outbox = try TemporaryOutbox()
        hero = HeroStandIn()
        let endpoint = try hero.start()
        sender = HeroProjectSender(client: HeroClient(endpoint: endpoint, apiKey: hero.apiKey, timeout: .seconds(5)))
    }

    func worker() -> DeliveryWorker {
        DeliveryWorker(store: outbox.store, sender: sender, logger: quietLogger, alerts: alerts, random: { 0.5 })
    }

    @Test func deliversInlineWhenHeroIsUp() async throws {
        try await hero.runThenStop {
            let reference = try await outbox.stored()
            #expect(await worker().deliverNow(reference, deadline: .seconds(30)) == .delivered)
            let record = try #require(try await outbox.record(reference))
            #expect(record.status == .delivered)
            #expect(record.externalID == 1001)
            #expect(record.attempts == 1)
            #expect(hero.createdProjects.count == 1)
        }
    }

    @Test(arguments: [(503, "Wartung"), (500, "Fehler"), (429, "Too Many Attempts.")])
    func serverErrorsAreRetriedWithBackoff(_ status: Int, _ message: String) async throws {
        try await hero.runThenStop {
            hero.mode = .failing(status: status, message: message)
            let reference = try await outbox.stored()
            let before = Date()
            #expect(await worker().deliverNow(reference, deadline: .seconds(2)) == .retryLater)
            let record = try #require(try await outbox.record(reference))
            #expect(record.status == .pending)
            #expect(record.attempts == 1)
            #expect(record.lastError == "HTTP \(status)",
                    "HERO's error text (\(message)) is not kept: it may echo personal data")
            let delay = record.nextAttemptAt.timeIntervalSince(before)
            #expect(delay > 25 && delay < 40)
            #expect(record.inFlightSince == nil)
        }
    }

    @Test func unreachableHeroIsRetried() async throws {
        // The stand-in is not used: stopped first, so nothing that throws can leave it running.
        await hero.stop()
        let reference = try await outbox.stored()
        // Port 9 (discard) on loopback: nothing listens there. Not the stand-in's old port, which a test running in
        // parallel may already have been given again.
        let nowhere = try #require(URL(string: "http://127.0.0.1:9/api/v1/Projects/create"))
        let sender = HeroProjectSender(client: HeroClient(endpoint: nowhere, apiKey: "k", timeout: .seconds(5)))
        let worker = DeliveryWorker(store: outbox.store, sender: sender, logger: quietLogger)
        #expect(await worker.deliverNow(reference, deadline: .seconds(6)) == .retryLater)
        #expect(try await outbox.record(reference)?.status == .pending)
        #expect(try await outbox.record(reference)?.lastError == "cannot connect: Connection refused")
    }

    @Test func rejectedKeyKeepsLeadsAndIsReported() async throws {
        try await hero.runThenStop {
            hero.mode = .failing(status: 401, message: "Unauthenticated.")
            let worker = worker()
            let reference = try await outbox.stored()
            #expect(await worker.deliverNow(reference, deadline: .seconds(2)) == .retryLater)
            #expect(worker.health.keyRejected)
            #expect(worker.health.lastError == "HERO refused the API key (HTTP 401)")
            let record = try #require(try await outbox.record(reference))
            #expect(record.status == .pending)
            #expect(record.lastError == "HERO refused the API key (HTTP 401)")
            #expect(alerts.all == [.keyRejected(reason: "HERO refused the API key (HTTP 401)")])
        }
    }

    @Test(arguments: [HeroStandIn.Mode.failing(status: 422, message: "Fehlende Postleitzahl"), .okWithoutSuccess])
    func refusedLeadsFailAtOnceWithHerosMessage(_ mode: HeroStandIn.Mode) async throws {
        try await hero.runThenStop {
            hero.mode = mode
            let reference = try await outbox.stored()
            #expect(await worker().deliverNow(reference, deadline: .seconds(30)) == .failed)
            let record = try #require(try await outbox.record(reference))
            #expect(record.status == .failed)
            let expected = mode == .okWithoutSuccess
                ? "HERO rejected it (HTTP 200): Projekt konnte nicht angelegt werden"
                : "HERO rejected it (HTTP 422): Fehlende Postleitzahl"
            #expect(record.lastError == expected)
            #expect(record.payload != nil, "kept for the operator")
            let status = mode == .okWithoutSuccess ? 200 : 422
            #expect(alerts.all == [.leadFailed(reference: reference, formID: "default",
                                               reason: "HERO rejected it (HTTP \(status))")])
        }
    }
}
