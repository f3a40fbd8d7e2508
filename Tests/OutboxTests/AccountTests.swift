import Foundation
import Synchronization
import Testing
@testable import Outbox

/// Leads of several receiver accounts in one outbox: each remembers its account, goes through that account's
/// senders, and a refused key holds back only its own account's leads.
@Suite struct AccountTests {
    let outbox: TemporaryOutbox
    let mueller = FakeSender()
    let schmidt = FakeSender()
    let fallback = FakeSender()
    let alerts = RecordingAlerts()

    init() throws { outbox = try TemporaryOutbox() }

    func worker() -> DeliveryWorker {
        DeliveryWorker(
            store: outbox.store, sender: fallback,
            accounts: [
                "mueller": AccountSenders(leads: mueller, files: nil),
                "schmidt": AccountSenders(leads: schmidt, files: nil),
            ], logger: quietLogger, alerts: alerts, random: { 0.5 })
    }

    func stored(_ reference: String, form: String = "default", account: String?) async throws -> String {
        let lead = OutboxStore.NewLead(formID: form, payload: Data(), account: account)
        _ = try await outbox.store.perform {
            try $0.insert(
                lead, reference: { reference }, payloadFor: { _ in samplePayload }, now: Date(), maxAge: 86400)
        }
        return reference
    }

    @Test func aLeadRemembersItsAccountAndGoesThroughItsSenders() async throws {
        let worker = worker()
        let first = try await stored("MUE-MUE-MUE", account: "mueller")
        let second = try await stored("DEF-DEF-DEF", account: nil)
        #expect(try await outbox.store.record(first)?.account == "mueller")
        #expect(try await outbox.store.record(second)?.account == nil)
        #expect(await worker.deliverNow(first, deadline: .seconds(30)) == .delivered)
        #expect(await worker.deliverNow(second, deadline: .seconds(30)) == .delivered)
        #expect(mueller.delivered == 1)
        #expect(fallback.delivered == 1)
        #expect(schmidt.calls == 0)
    }

    @Test func aRefusedKeyHoldsBackOnlyItsAccount() async throws {
        let worker = worker()
        mueller.mode = .answering(.keyRejected(reason: "HERO refused the API key (HTTP 401)"))
        let refused = try await stored("MUE-MUE-MUE", account: "mueller")
        let other = try await stored("SCH-SCH-SCH", account: "schmidt")
        #expect(await worker.deliverNow(refused, deadline: .seconds(5)) == .retryLater)
        #expect(await worker.deliverNow(other, deadline: .seconds(30)) == .delivered)
        let waiting = try #require(try await outbox.store.record(refused))
        #expect(waiting.status == .pending)
        // Today's 15 minutes for a refused key.
        #expect(waiting.nextAttemptAt.timeIntervalSinceNow > 800)
        #expect(worker.health.keyRejectedAccounts == ["mueller"])
        #expect(!worker.health.keyRejected, "the default key was not refused")
        #expect(worker.health.circuit == .closed, "a refused key is no outage")
        #expect(alerts.all == [.keyRejected(reason: "HERO refused the API key (HTTP 401)", account: "mueller")])

        // A second refusal does not alert again; a delivery for the account clears it.
        let again = try await stored("MUE-MUE-TWO", account: "mueller")
        #expect(await worker.deliverNow(again, deadline: .seconds(5)) == .retryLater)
        #expect(alerts.all.count == 1)
        mueller.mode = .up
        let fixed = try await stored("MUE-MUE-FIX", account: "mueller")
        #expect(await worker.deliverNow(fixed, deadline: .seconds(30)) == .delivered)
        #expect(worker.health.keyRejectedAccounts.isEmpty)
    }

    @Test func aLeadOfAnAccountNoLongerConfiguredWaitsAsForARefusedKey() async throws {
        let worker = worker()
        let orphan = try await stored("ORP-ORP-ORP", account: "weber")
        #expect(await worker.deliverNow(orphan, deadline: .seconds(5)) == .retryLater)
        let record = try #require(try await outbox.store.record(orphan))
        #expect(record.status == .pending)
        #expect(record.lastError == "no key for the account \"weber\" (it is not in the config)")
        #expect(worker.health.keyRejectedAccounts == ["weber"])
        #expect(fallback.calls + mueller.calls + schmidt.calls == 0)
    }

    /// A missing key is no answer from the receiver: while the circuit is open, a probe that takes such a lead
    /// leaves it open (the receiver may still be down), and no call is counted.
    @Test func aMissingKeyNeitherClosesTheCircuitNorCountsAsACall() async throws {
        let outcomes = Mutex<[SendOutcome]>([])
        var policy = RetryPolicy()
        policy.firstDelay = 3600
        var circuit = ReceiverCircuit.Settings()
        circuit.firstProbeDelay = 0.05
        circuit.maxProbeDelay = 0.05
        let worker = DeliveryWorker(
            store: outbox.store, sender: fallback, policy: policy, circuit: circuit, logger: quietLogger,
            random: { 0.5 }, onOutcome: { outcome in outcomes.withLock { $0.append(outcome) } })
        fallback.mode = .answering(.unavailable(reason: "HTTP 503"))
        for index in 0..<3 {
            let reference = try await stored("OUT-OUT-00\(index)", account: nil)
            #expect(await worker.deliverNow(reference, deadline: .seconds(30)) == .retryLater)
        }
        #expect(worker.health.circuit == .open)
        // Due now, while the three above wait an hour: the probe takes it.
        let orphan = try await stored("ORP-ORP-ORP", account: "weber")
        worker.start(pollInterval: .seconds(30))
        for _ in 0..<600 where try await outbox.store.record(orphan)?.lastError == nil {
            try await Task.sleep(for: .milliseconds(20))
        }
        await worker.stop()
        #expect(try await outbox.store.record(orphan)?.lastError?.contains("no key") == true)
        #expect(worker.health.circuit != .closed, "a missing key says nothing about the receiver")
        // Later probes may take the waiting leads (the receiver still answers 503): calls, each counted once.
        #expect(outcomes.withLock { $0.count } == fallback.calls, "only calls to the receiver are counted")
    }

    @Test func listFiltersByForm() async throws {
        _ = try await stored("AAA-AAA-AAA", form: "mueller-dach", account: "mueller")
        _ = try await stored("BBB-BBB-BBB", form: "schmidt-bad", account: "schmidt")
        _ = try await stored("CCC-CCC-CCC", form: "mueller-dach", account: "mueller")
        let listed = try await outbox.store.perform { try $0.list(formID: "mueller-dach") }
        #expect(listed.map(\.reference) == ["CCC-CCC-CCC", "AAA-AAA-AAA"])
        let pending = try await outbox.store.perform { try $0.list(status: .pending, formID: "schmidt-bad") }
        #expect(pending.map(\.reference) == ["BBB-BBB-BBB"])
        #expect(try await outbox.store.perform { try $0.list(status: .failed, formID: "schmidt-bad") }.isEmpty)
        #expect(try await outbox.store.perform { try $0.list(formID: "nobody") }.isEmpty)
    }
}

@Suite struct AccountMigrationTests {
    @Test func anOutboxOfTheSecondVersionKeepsItsLeadsOnTheDefaultAccount() async throws {
        let dataDir = NSTemporaryDirectory() + "heroform-outbox-v2-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        do {
            let old = try Database(path: dataDir + "/outbox.sqlite3")
            // Version 2 added the attachments table and the leads' files columns, as the release before accounts did.
            try old.execute(
                outboxSchemaVersion1
                    + """
                    CREATE INDEX leads_due ON leads (status, next_attempt_at);
                    CREATE TABLE attachments (
                        lead_id INTEGER NOT NULL REFERENCES leads (id), number INTEGER NOT NULL, filename TEXT,
                        media_type TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('image', 'document')),
                        size INTEGER NOT NULL, sha256 TEXT NOT NULL,
                        state TEXT NOT NULL CHECK (state IN ('pending', 'uploaded', 'attached', 'failed')),
                        upload_id TEXT, external_id INTEGER, last_error TEXT, failed_at REAL, file_erased_at REAL,
                        PRIMARY KEY (lead_id, number)
                    );
                    ALTER TABLE leads ADD COLUMN files_state TEXT CHECK (files_state IN ('pending', 'done'));
                    ALTER TABLE leads ADD COLUMN files_target_id INTEGER;
                    ALTER TABLE leads ADD COLUMN files_target_label TEXT;
                    ALTER TABLE leads ADD COLUMN files_attempts INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE leads ADD COLUMN files_next_attempt_at REAL;
                    ALTER TABLE leads ADD COLUMN files_in_flight_since REAL;
                    ALTER TABLE leads ADD COLUMN files_give_up_at REAL;

                    """ + oldPendingLead + "PRAGMA user_version = 2;")
        }
        let store = try OutboxStore(dataDir: dataDir)
        let version = try store.database.withLock { try $0.query("PRAGMA user_version").first?["user_version"]?.int }
        #expect(version == 3)
        let old = try #require(try await store.record("OLD-OLD-OLD"))
        #expect(old.status == .pending)
        #expect(old.account == nil, "leads from before accounts go with the default key")

        // It goes through the default senders, a new lead through its account's.
        let fallback = FakeSender()
        let mueller = FakeSender()
        let worker = DeliveryWorker(
            store: store, sender: fallback, accounts: ["mueller": AccountSenders(leads: mueller, files: nil)],
            logger: quietLogger)
        #expect(await worker.deliverNow("OLD-OLD-OLD", deadline: .seconds(30)) == .delivered)
        let lead = OutboxStore.NewLead(formID: "mueller", payload: Data(), account: "mueller")
        _ = try await store.perform {
            try $0.insert(lead, reference: { "NEW-NEW-NEW" }, payloadFor: { _ in samplePayload }, now: Date(),
                          maxAge: 86400)
        }
        #expect(await worker.deliverNow("NEW-NEW-NEW", deadline: .seconds(30)) == .delivered)
        #expect((fallback.delivered, mueller.delivered) == (1, 1))

        // Opening it again changes nothing (the migration runs once).
        let reopened = try OutboxStore(dataDir: dataDir)
        #expect(try await reopened.record("NEW-NEW-NEW")?.account == "mueller")
    }

    /// A rollback must not read an outbox whose leads it would misroute.
    @Test func anOutboxFromANewerVersionIsNotOpened() throws {
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("newer-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        do {
            let newer = try Database(path: dataDir + "/outbox.sqlite3")
            try newer.execute("PRAGMA user_version = 4;")
        }
        #expect {
            _ = try OutboxStore(dataDir: dataDir)
        } throws: { error in
            "\(error)".contains("written by a newer heroform (schema 4, this one knows up to 3)")
        }
    }
}
