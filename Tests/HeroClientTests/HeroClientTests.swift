import Foundation
import HeroClient
import HeroStandIn
import HTTPServer
import Testing

let minimalPayload = Data(#"{"address":{"zipcode":"30449"},"customer":{"email":"max@example.org"},"measure":"DOG"}"#.utf8)

@Suite struct HeroClientTests {
    @Test func createsAProjectWithTheDocumentedRequest() async throws {
        let hero = HeroStandIn(apiKey: "secret-key")
        let endpoint = try hero.start()
        try await hero.runThenStop {
            // Generous: the suite runs in parallel on two cores, and this test is not about timeouts.
            let client = HeroClient(endpoint: endpoint, apiKey: "secret-key", timeout: .seconds(30))
            let outcome = await client.createProject(payload: minimalPayload)
            guard case .created(let id) = outcome else {
                Issue.record("expected created, got \(outcome)")
                return
            }
            #expect(id == 1001)
            let call = try #require(hero.calls.first)
            #expect(call.headers["Authorization"] == "Bearer secret-key")
            #expect(call.headers["Content-Type"] == "application/json")
            #expect(call.headers["Accept"] == "application/json")
            #expect(call.body == Array(minimalPayload))
        }
    }

    @Test func wrongKeyIsUnauthorized() async throws {
        let hero = HeroStandIn(apiKey: "right")
        let endpoint = try hero.start()
        await hero.runThenStop {
            let outcome = await HeroClient(endpoint: endpoint, apiKey: "wrong").createProject(payload: minimalPayload)
            #expect(outcome == .unauthorized(status: 401, message: "Unauthenticated."))
            #expect(hero.createdProjects.isEmpty)
        }
    }

    @Test func contractViolationsAreRejectedWithHerosMessage() async throws {
        let hero = HeroStandIn()
        let endpoint = try hero.start()
        await hero.runThenStop {
            let client = HeroClient(endpoint: endpoint, apiKey: hero.apiKey)
            let noZip = Data(#"{"customer":{"email":"a@b.de"},"measure":"DOG"}"#.utf8)
            #expect(
                await client.createProject(payload: noZip) == .rejected(status: 400, message: "Fehlende Postleitzahl"))
            let empty = Data(#"{"address":{"zipcode":"30449","city":""},"customer":{"email":"a@b.de"},"measure":"DOG"}"#.utf8)
            #expect(await client.createProject(payload: empty) == .rejected(status: 400, message: "Leerer Wert: address.city"))
        }
    }

    @Test(arguments: [
        (HeroStandIn.Mode.failing(status: 503, message: "Wartung"), HeroOutcome.unavailable("HTTP 503")),
        (.failing(status: 500, message: "Fehler"), .unavailable("HTTP 500")),
        (.failing(status: 429, message: "Too Many Attempts."), .unavailable("HTTP 429")),
        (.failing(status: 403, message: "Forbidden"), .unauthorized(status: 403, message: "Forbidden")),
        (.failing(status: 422, message: "Ungültige Daten"), .rejected(status: 422, message: "Ungültige Daten")),
        (.okWithoutSuccess, .rejected(status: 200, message: "Projekt konnte nicht angelegt werden")),
    ])
    func classifiesHerosAnswers(_ mode: HeroStandIn.Mode, _ expected: HeroOutcome) async throws {
        let hero = HeroStandIn()
        let endpoint = try hero.start()
        await hero.runThenStop {
            hero.mode = mode
            #expect(await HeroClient(endpoint: endpoint, apiKey: hero.apiKey).createProject(payload: minimalPayload) == expected)
        }
    }

    @Test func aBurstOfLeadsIsSentSideBySide() async throws {
        // At a remote API's latency, how many calls run at once decides how fast a burst gets through.
        let hero = HeroStandIn(apiKey: "k")
        let endpoint = try hero.start()
        // Long enough that the calls overlap even on a loaded machine.
        hero.mode = .slow(.seconds(2))
        let client = HeroClient(endpoint: endpoint, apiKey: "k", timeout: .seconds(30))
        let created = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<HeroClient.maxConcurrentCalls {
                group.addTask {
                    if case .created = await client.createProject(payload: minimalPayload) { return true }
                    return false
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(created == HeroClient.maxConcurrentCalls)
        // URLSession, used before, let only 6 of them in at a time by default.
        #expect(hero.peakConcurrentCalls > 6, "peak \(hero.peakConcurrentCalls)")
        await hero.stop()
    }

    @Test func aStoppedStandInIsReleased() async throws {
        // Its server's responder holds it: it must not hold the server (and its listener) once stopped.
        weak var released: HeroStandIn?
        do {
            let hero = HeroStandIn()
            let endpoint = try hero.start()
            let client = HeroClient(endpoint: endpoint, apiKey: hero.apiKey, timeout: .seconds(30))
            #expect(await client.createProject(payload: minimalPayload) == .created(id: 1001))
            await hero.stop()
            released = hero
        }
        for _ in 0..<3000 where released != nil { try await Task.sleep(for: .milliseconds(10)) }
        #expect(released == nil, "the stopped stand-in is still referenced")
    }

    @Test func slowHeroTimesOut() async throws {
        let hero = HeroStandIn()
        let endpoint = try hero.start()
        await hero.runThenStop {
            hero.mode = .slow(.seconds(60))
            let started = ContinuousClock.now
            let outcome = await HeroClient(endpoint: endpoint, apiKey: hero.apiKey, timeout: .seconds(1)).createProject(payload: minimalPayload)
            #expect(outcome == .unavailable("timed out"))
            // It waited for the timeout, and gave up long before the stand-in's answer (after 60 s) would have come.
            let waited = ContinuousClock.now - started
            #expect(waited >= .milliseconds(900) && waited < .seconds(30), "\(waited)")
        }
    }

    @Test func aTimeoutUnderASecondIsKept() async throws {
        // URLSession on Linux cut a 500 ms timeout to a few milliseconds; the own client waits the whole 500 ms.
        let hero = HeroStandIn()
        let endpoint = try hero.start()
        await hero.runThenStop {
            hero.mode = .slow(.seconds(60))
            let client = HeroClient(endpoint: endpoint, apiKey: hero.apiKey, timeout: .milliseconds(500))
            let started = ContinuousClock.now
            #expect(await client.createProject(payload: minimalPayload) == .unavailable("timed out"))
            let waited = ContinuousClock.now - started
            #expect(waited >= .milliseconds(450) && waited < .seconds(30), "\(waited)")
        }
    }

    @Test func unreachableHeroIsUnavailable() async throws {
        // Port 9 (discard) on loopback: nothing listens there (a stopped stand-in's port could be handed to a test
        // running in parallel).
        let nowhere = try #require(URL(string: "http://127.0.0.1:9/api/v1/Projects/create"))
        let outcome = await HeroClient(endpoint: nowhere, apiKey: "k", timeout: .seconds(5)).createProject(payload: minimalPayload)
        guard case .unavailable = outcome else {
            Issue.record("expected unavailable, got \(outcome)")
            return
        }
    }

    @Test func descriptionNeverShowsTheKey() {
        let client = HeroClient(apiKey: "super-secret")
        #expect(!"\(client)".contains("super-secret"))
        #expect(!String(reflecting: client).contains("super-secret"))
    }

    @Test func classifiesWithoutNetwork() {
        #expect(HeroOutcome.classify(status: 200, body: Array(#"{"status":"success","id":7}"#.utf8)) == .created(id: 7))
        #expect(HeroOutcome.classify(status: 200, body: Array("not json".utf8)) == .rejected(status: 200, message: "not json"))
        #expect(HeroOutcome.classify(status: 502, body: []) == .unavailable("HTTP 502"))
        // What HERO may send is read leniently: a created project must never count as refused (and be sent again).
        #expect(HeroOutcome.classify(status: 200, body: Array(#"{"status":"success","id":5,"id":6}"#.utf8)) == .created(id: 6))
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(HeroOutcome.classify(status: 200, body: Array(#"{"status":"success","id":7,"x":\#(deep)}"#.utf8)) == .created(id: 7))
        #expect(HeroOutcome.classify(status: 404, body: []) == .rejected(status: 404, message: "HTTP 404"))
    }
}
