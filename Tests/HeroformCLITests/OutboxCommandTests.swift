import Foundation
import HeroStandIn
import HTTPTesting
import JSON
import Outbox
import Testing

let payload = Data(#"{"address":{"zipcode":"30449"},"customer":{"email":"geheim@example.org","last_name":"Geheim"},"measure":"DOG"}"#.utf8)

/// `heroform outbox ...` on a data dir prepared with the store itself.
@Suite struct OutboxCommandTests {
    let workspace: Workspace
    let store: OutboxStore
    let now = Date()

    init() throws {
        workspace = try Workspace(config: #"{"storage": {"data_dir": "data"}, "# + forms + "}")
        store = try OutboxStore(dataDir: workspace.url.appendingPathComponent("data").path)
        let now = self.now
        try store.performBlocking { session in
            func add(_ reference: String, at date: Date) throws {
                _ = try session.insert(.init(formID: "default", payload: Data()), reference: { reference },
                                       payloadFor: { _ in payload }, now: date, maxAge: 7 * 86400)
            }
            try add("AAA-AAA-AAA", at: now.addingTimeInterval(-40 * 86400))
            try session.markDelivered("AAA-AAA-AAA", externalID: 4711, now: now.addingTimeInterval(-40 * 86400))
            try add("CCC-CCC-CCC", at: now.addingTimeInterval(-60))
            try session.markFailed("CCC-CCC-CCC", error: "HERO rejected it (HTTP 422): Fehlende Postleitzahl")
            try add("DDD-DDD-DDD", at: now.addingTimeInterval(-30))
            try session.markFailed("DDD-DDD-DDD", error: "gave up after 40 attempts: HTTP 503")
            try add("EEE-EEE-EEE", at: now)
        }
    }

    func run(_ arguments: [String]) async throws -> (Int32?, String) {
        try await ServerProcess.run(["outbox"] + arguments, directory: workspace.url)
    }

    func record(_ reference: String) async throws -> LeadRecord? {
        try await store.perform { try $0.find(reference) }
    }

    @Test func listShowsATableWithoutPersonalData() async throws {
        let (status, output) = try await run(["list"])
        #expect(status == 0)
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("REFERENCE    FORM     STATUS") == true)
        #expect(lines.dropFirst().first?.hasPrefix("EEE-EEE-EEE  default  pending") == true, "newest first: \(output)")
        #expect(output.contains("AAA-AAA-AAA  default  delivered"))
        #expect(output.contains("4711"))
        #expect(output.contains("1 pending, 1 delivered, 2 failed"))
        #expect(!output.contains("geheim"))
        #expect(!output.contains("Postleitzahl"))

        let (_, failed) = try await run(["list", "--status", "failed"])
        #expect(failed.contains("CCC-CCC-CCC") && failed.contains("DDD-DDD-DDD"))
        #expect(!failed.contains("EEE-EEE-EEE"))
        let (badStatus, bad) = try await run(["list", "--status", "lost"])
        #expect(badStatus != 0)
        #expect(bad.contains("lost"))
    }

    @Test func showPrintsEverythingForOneLead() async throws {
        let (status, output) = try await run(["show", "ccc-ccc-ccc"])
        #expect(status == 0)
        #expect(output.contains("reference:    CCC-CCC-CCC"))
        #expect(output.contains("status:       failed"))
        #expect(output.contains("last error:   HERO rejected it (HTTP 422): Fehlende Postleitzahl"))
        #expect(output.contains("\"email\": \"geheim@example.org\""))
        #expect(output.contains("heroform outbox retry CCC-CCC-CCC"))
        let (missing, message) = try await run(["show", "ZZZ-ZZZ-ZZZ"])
        #expect(missing != 0)
        #expect(message.contains("no lead with reference ZZZ-ZZZ-ZZZ"))
    }

    @Test func listFiltersByFormAndShowNamesTheAccount() async throws {
        try await store.perform { [now] session in
            _ = try session.insert(
                .init(formID: "mueller-dach", payload: Data(), account: "mueller"), reference: { "MMM-MMM-MMM" },
                payloadFor: { _ in payload }, now: now, maxAge: 7 * 86400)
        }
        let (status, output) = try await run(["list", "--form", "mueller-dach"])
        #expect(status == 0)
        #expect(output.contains("MMM-MMM-MMM  mueller-dach  pending"), "\(output)")
        #expect(!output.contains("EEE-EEE-EEE") && !output.contains("AAA-AAA-AAA"))
        #expect(output.contains("(listed: 1 of the form mueller-dach)"))
        let (_, both) = try await run(["list", "--form", "default", "--status", "failed"])
        #expect(both.contains("CCC-CCC-CCC") && both.contains("DDD-DDD-DDD"))
        #expect(!both.contains("EEE-EEE-EEE") && !both.contains("MMM-MMM-MMM"))

        let (_, shown) = try await run(["show", "MMM-MMM-MMM"])
        #expect(shown.contains("account:      mueller"))
        let (_, fallback) = try await run(["show", "EEE-EEE-EEE"])
        #expect(fallback.contains("account:      default (HERO_API_KEY)"))
    }

    @Test func retryPutsFailedLeadsBack() async throws {
        let (status, output) = try await run(["retry", "CCC-CCC-CCC"])
        #expect(status == 0)
        #expect(output.contains("CCC-CCC-CCC queued for delivery"))
        #expect(try await record("CCC-CCC-CCC")?.status == .pending)
        #expect(try await record("DDD-DDD-DDD")?.status == .failed)

        let (allStatus, all) = try await run(["retry", "--all-failed"])
        #expect(allStatus == 0)
        #expect(all.contains("1 failed lead(s) queued"))
        #expect(try await store.perform { try $0.counts() } == OutboxStore.Counts(pending: 3, delivered: 1, failed: 0))

        let (deliveredStatus, delivered) = try await run(["retry", "AAA-AAA-AAA"])
        #expect(deliveredStatus != 0)
        #expect(delivered.contains("cannot be retried"))
        let (neitherStatus, neither) = try await run(["retry"])
        #expect(neitherStatus != 0)
        #expect(neither.contains("either a reference or --all-failed"))
    }

    @Test func purgeErasesOldDeliveredLeads() async throws {
        let (status, output) = try await run(["purge"])
        #expect(status == 0)
        #expect(output.contains("erased the personal data of 1 delivered lead(s) older than 30 days"))
        let erased = try #require(try await record("AAA-AAA-AAA"))
        #expect(erased.payload == nil)
        #expect(erased.status == .delivered)
        #expect(try await record("CCC-CCC-CCC")?.payload != nil)
        let (_, shown) = try await run(["show", "AAA-AAA-AAA"])
        #expect(shown.contains("personal data erased"))
        #expect(!shown.contains("geheim"))
    }
}

/// The promise of the outbox, with a real process: a lead answered 202 survives SIGKILL and reaches HERO exactly once.
@Suite struct CrashRecoveryTests {
    @Test func leadQueuedBeforeSIGKILLIsDeliveredOnceAfterRestart() async throws {
        let hero = HeroStandIn(apiKey: "crash-test-key")
        let endpoint = try hero.start()
        try await hero.runThenStop {
            hero.mode = .failing(status: 503, message: "Wartung")
            let workspace = try Workspace(config: #"{"server": {"port": 0}, "hero": {"endpoint": "\#(endpoint.absoluteString)", "timeout_seconds": 1}, "storage": {"data_dir": "data"}, "security": {"min_fill_seconds": 0}, "# + forms + "}")
            let environment = ["HERO_API_KEY": "crash-test-key"]

            let first = try ServerProcess(["serve"], directory: workspace.url, environment: environment)
            let port = try #require(await first.listeningPort(), "\(first.text)")
            let client = try await RawClient.connect(port: port)
            try await client.send("GET /token HTTP/1.1\r\nHost: a\r\n\r\n")
            let tokenAnswer = try await client.readResponse()
            let token = try #require((try? JSONSerialization.jsonObject(with: Data(tokenAnswer.body)) as? [String: String])?["token"])
            let body = #"{"email":"kill@example.org","last_name":"Kill","zipcode":"30449","consent":true,"_token":"\#(token)"}"#
            try await client.send("POST /leads HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
            let response = try await client.readResponse()
            #expect(response.status == 202)
            first.signal(SIGKILL)
            _ = await first.exitCode()
            #expect(hero.createdProjects.isEmpty)

            hero.mode = .up
            let second = try ServerProcess(["serve"], directory: workspace.url, environment: environment)
            #expect(await second.listeningPort() != nil)
            for _ in 0..<100 where hero.createdProjects.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
            try await Task.sleep(for: .seconds(1))
            #expect(hero.createdProjects.count == 1)
            #expect(hero.createdProjects.first?["customer"]?["email"] == "kill@example.org")
            second.signal(SIGTERM)
            #expect(await second.exitCode() == 0)
            let (_, list) = try await ServerProcess.run(["outbox", "list"], directory: workspace.url)
            #expect(list.contains("0 pending, 1 delivered, 0 failed"))
        }
    }
}
