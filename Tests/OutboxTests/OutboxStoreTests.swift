import Foundation
import Synchronization
import Testing
@testable import Outbox

@Suite struct OutboxStoreTests {
    let outbox: TemporaryOutbox
    var store: OutboxStore { outbox.store }
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    init() throws { outbox = try TemporaryOutbox() }

    @Test func storesALeadAsPending() throws {
        try store.performBlocking { session in
            guard case .inserted(let record) = try session.add("AAA-AAA-AAA", now: t0) else {
                Issue.record("not inserted")
                return
            }
            #expect(record.status == .pending)
            #expect(record.attempts == 0)
            #expect(record.payload == samplePayload)
            #expect(record.createdAt == t0)
            #expect(record.giveUpAt == t0.addingTimeInterval(7 * 86400))
            #expect(try session.find("AAA-AAA-AAA") == record)
            #expect(try session.counts() == OutboxStore.Counts(pending: 1, delivered: 0, failed: 0))
        }
    }

    /// The probe after an outage: the lead due soonest, due or not, and not one another attempt has. A failed probe
    /// pushes its lead back, so the next probe is another lead (one HERO fails on alone cannot keep the circuit open).
    @Test func theProbeTakesTheLeadDueSoonestWhetherDueOrNot() throws {
        try store.performBlocking { session in
            for reference in ["AAA-AAA-AAA", "BBB-BBB-BBB", "CCC-CCC-CCC"] { try session.add(reference, now: t0) }
            try session.markRetry("AAA-AAA-AAA", next: t0.addingTimeInterval(3600), error: "HTTP 503")
            try session.markRetry("BBB-BBB-BBB", next: t0.addingTimeInterval(60), error: "HTTP 503")
            try session.markRetry("CCC-CCC-CCC", next: t0.addingTimeInterval(600), error: "HTTP 503")
            #expect(try session.claimDue(now: t0, limit: 10).isEmpty, "none is due")
            let first = try session.claimNextPending(now: t0)
            #expect(first?.reference == "BBB-BBB-BBB")
            #expect(first?.inFlightSince == t0)
            // The probe failed: its lead's backoff moves it behind the others.
            try session.markRetry("BBB-BBB-BBB", next: t0.addingTimeInterval(7200), error: "HTTP 503")
            #expect(try session.claimNextPending(now: t0)?.reference == "CCC-CCC-CCC")
            #expect(try session.claimNextPending(now: t0)?.reference == "AAA-AAA-AAA", "CCC is claimed")
            #expect(try session.claimNextPending(now: t0)?.reference == "BBB-BBB-BBB")
            #expect(try session.claimNextPending(now: t0) == nil, "every pending lead is claimed")
        }
    }

    /// After an outage every pending lead and every pending file round is due at once; delivered leads stay as
    /// they are.
    @Test func madeDueAfterAnOutageWithoutWaitingOutTheBackoff() throws {
        try store.performBlocking { session in
            for reference in ["AAA-AAA-AAA", "BBB-BBB-BBB", "CCC-CCC-CCC"] { try session.add(reference, now: t0) }
            try session.markRetry("AAA-AAA-AAA", next: t0.addingTimeInterval(3600), error: "HTTP 503")
            try session.markRetry("BBB-BBB-BBB", next: t0.addingTimeInterval(60), error: "HTTP 503")
            try session.markDelivered("CCC-CCC-CCC", externalID: 7, now: t0)
            let later = t0.addingTimeInterval(10)
            #expect(try session.makeWaitingDue(now: later) == 2)
            #expect(try session.claimDue(now: later, limit: 10).map(\.reference).sorted() == ["AAA-AAA-AAA", "BBB-BBB-BBB"])
            #expect(try session.find("CCC-CCC-CCC")?.status == .delivered)
            #expect(try session.counts().pending == 2)
            #expect(try session.oldestPendingAge(now: later) == 10)
        }
    }

    @Test func survivesReopening() throws {
        try store.performBlocking { try $0.add("AAA-AAA-AAA", now: t0) }
        let reopened = try OutboxStore(dataDir: outbox.dataDir)
        #expect(try reopened.performBlocking { try $0.find("AAA-AAA-AAA") }?.payload == samplePayload)
    }

    @Test func fileIsPrivate() throws {
        try store.performBlocking { try $0.add("AAA-AAA-AAA", now: t0) }
        let attributes = try FileManager.default.attributesOfItem(atPath: store.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let folder = try FileManager.default.attributesOfItem(atPath: outbox.dataDir)
        #expect((folder[.posixPermissions] as? NSNumber)?.intValue == 0o700)
    }

    @Test func sameSubmissionWithinTenMinutesIsADuplicate() throws {
        try store.performBlocking { session in
            try session.add("AAA-AAA-AAA", now: t0, fingerprint: "f1")
            let first = try #require(try session.find("AAA-AAA-AAA"))
            let again = try session.add("BBB-BBB-BBB", now: t0.addingTimeInterval(599), fingerprint: "f1")
            #expect(again == .duplicate(first))
            let later = t0.addingTimeInterval(601)
            guard case .inserted = try session.add("CCC-CCC-CCC", now: later, fingerprint: "f1") else {
                Issue.record("after the window the same submission is a new lead")
                return
            }
            guard case .inserted = try session.add("DDD-DDD-DDD", now: t0, fingerprint: "f2") else {
                Issue.record("a different submission is a new lead")
                return
            }
            #expect(try session.counts().pending == 3)
        }
    }

    /// `admit` (the app spends a form token there) is asked only for a new lead, after the duplicate checks.
    @Test func admitIsAskedAfterTheDuplicateChecksAndCanTurnALeadAway() throws {
        try store.performBlocking { session in
            let lead = OutboxStore.NewLead(formID: "default", payload: Data(), fingerprint: "f1", idempotencyKey: "k1")
            var asked = 0
            let refused = try session.insert(lead, reference: { "AAA-AAA-AAA" }, payloadFor: { _ in samplePayload },
                                             now: t0, maxAge: 86400, admit: { asked += 1; return false })
            #expect(refused == .notAdmitted)
            #expect(asked == 1)
            #expect(try session.counts() == .init())
            try session.add("BBB-BBB-BBB", now: t0, fingerprint: "f1", key: "k1")
            let duplicate = try session.insert(lead, reference: { "CCC-CCC-CCC" }, payloadFor: { _ in samplePayload },
                                               now: t0, maxAge: 86400, admit: { asked += 1; return false })
            guard case .duplicate(let first) = duplicate else {
                Issue.record("a repeat is a duplicate whatever admit would say")
                return
            }
            #expect(first.reference == "BBB-BBB-BBB")
            let conflict = OutboxStore.NewLead(formID: "default", payload: Data(), fingerprint: "f2", idempotencyKey: "k1")
            #expect(try session.insert(conflict, reference: { "DDD-DDD-DDD" }, payloadFor: { _ in samplePayload },
                                       now: t0, maxAge: 86400, admit: { asked += 1; return true }) == .keyConflict)
            #expect(asked == 1, "neither a duplicate nor a key conflict is admitted")
        }
    }

    @Test func idempotencyKeyHoldsForADay() throws {
        try store.performBlocking { session in
            try session.add("AAA-AAA-AAA", now: t0, fingerprint: "f1", key: "k1")
            let again = try session.add("BBB-BBB-BBB", now: t0.addingTimeInterval(86000), fingerprint: "f1", key: "k1")
            guard case .duplicate(let first) = again else {
                Issue.record("same key and submission within a day must be a duplicate")
                return
            }
            #expect(first.reference == "AAA-AAA-AAA")
            let other = try session.add("CCC-CCC-CCC", now: t0.addingTimeInterval(100), fingerprint: "other", key: "k1")
            #expect(other == .keyConflict)
            let dayLater = try session.add("DDD-DDD-DDD", now: t0.addingTimeInterval(86401), fingerprint: "third",
                                           key: "k1")
            guard case .inserted = dayLater else {
                Issue.record("a day later the key no longer matches")
                return
            }
        }
    }

    @Test func referenceClashDrawsAgain() throws {
        try store.performBlocking { session in
            try session.add("AAA-AAA-AAA", now: t0)
            let draws = ReferenceDraws(["AAA-AAA-AAA", "BBB-BBB-BBB"])
            let result = try session.insert(.init(formID: "default", payload: Data()), reference: { draws.next() },
                                          payloadFor: { Data($0.utf8) }, now: t0, maxAge: 100)
            guard case .inserted(let record) = result else {
                Issue.record("not inserted")
                return
            }
            #expect(record.reference == "BBB-BBB-BBB")
            #expect(record.payload == Data("BBB-BBB-BBB".utf8))
        }
    }

    @Test func aClaimIsExclusive() throws {
        try store.performBlocking { session in
            try session.add("AAA-AAA-AAA", now: t0)
            #expect(try session.claim("AAA-AAA-AAA", now: t0)?.inFlightSince == t0)
            #expect(try session.claim("AAA-AAA-AAA", now: t0) == nil)
            #expect(try session.claimDue(now: t0.addingTimeInterval(10), limit: 10).isEmpty)
            // A restart releases claims made before it, not those of the running process.
            try session.resumeAfterRestart(now: t0, startedAt: t0)
            #expect(try session.claim("AAA-AAA-AAA", now: t0) == nil)
            try session.resumeAfterRestart(now: t0.addingTimeInterval(5), startedAt: t0.addingTimeInterval(5))
            #expect(try session.claim("AAA-AAA-AAA", now: t0) != nil)
        }
    }

    @Test func insertCanClaimAtOnceAndReleaseGivesItBack() throws {
        try store.performBlocking { session in
            _ = try session.insert(.init(formID: "default", payload: Data()), reference: { "AAA-AAA-AAA" },
                                   payloadFor: { _ in samplePayload }, now: t0, maxAge: 100, claim: true)
            #expect(try session.find("AAA-AAA-AAA")?.inFlightSince == t0)
            #expect(try session.claimDue(now: t0, limit: 10).isEmpty, "claimed leads are not picked up twice")
            try session.release("AAA-AAA-AAA")
            #expect(try session.find("AAA-AAA-AAA")?.inFlightSince == nil)
            #expect(try session.find("AAA-AAA-AAA")?.attempts == 0)
            #expect(try session.claimDue(now: t0, limit: 10).map(\.reference) == ["AAA-AAA-AAA"])
        }
    }

    @Test func claimDueTakesOnlyDueLeadsOldestFirst() throws {
        try store.performBlocking { session in
            try session.add("AAA-AAA-AAA", now: t0)
            try session.add("BBB-BBB-BBB", now: t0.addingTimeInterval(1))
            try session.add("CCC-CCC-CCC", now: t0.addingTimeInterval(2))
            try session.markRetry("AAA-AAA-AAA", next: t0.addingTimeInterval(100), error: "HTTP 503")
            let due = try session.claimDue(now: t0.addingTimeInterval(5), limit: 10)
            #expect(due.map(\.reference) == ["BBB-BBB-BBB", "CCC-CCC-CCC"])
            let later = try session.claimDue(now: t0.addingTimeInterval(200), limit: 10)
            #expect(later.map(\.reference) == ["AAA-AAA-AAA"])
        }
    }

    @Test func restartMakesPendingLeadsDueAndReleasesClaims() throws {
        try store.performBlocking { session in
            try session.add("AAA-AAA-AAA", now: t0)
            try session.add("BBB-BBB-BBB", now: t0)
            try session.markRetry("AAA-AAA-AAA", next: t0.addingTimeInterval(3000), error: "x")
            _ = try session.claim("BBB-BBB-BBB", now: t0)
            try session.resumeAfterRestart(now: t0.addingTimeInterval(10))
            let due = try session.claimDue(now: t0.addingTimeInterval(10), limit: 10)
            #expect(Set(due.map(\.reference)) == ["AAA-AAA-AAA", "BBB-BBB-BBB"])
        }
    }

    @Test func outcomesAreRecorded() throws {
        try store.performBlocking { session in
            try session.add("AAA-AAA-AAA", now: t0)
            try session.add("BBB-BBB-BBB", now: t0)
            try session.markRetry("AAA-AAA-AAA", next: t0.addingTimeInterval(30), error: "HTTP 503")
            var record = try #require(try session.find("AAA-AAA-AAA"))
            #expect(record.attempts == 1)
            #expect(record.lastError == "HTTP 503")
            #expect(record.status == .pending)
            try session.markDelivered("AAA-AAA-AAA", externalID: 4711, now: t0.addingTimeInterval(40))
            record = try #require(try session.find("AAA-AAA-AAA"))
            #expect(record.status == .delivered)
            #expect(record.attempts == 2)
            #expect(record.externalID == 4711)
            #expect(record.deliveredAt == t0.addingTimeInterval(40))
            #expect(record.lastError == nil)
            try session.markFailed("BBB-BBB-BBB", error: "HERO rejected it (HTTP 422): Fehlende Postleitzahl")
            #expect(try session.find("BBB-BBB-BBB")?.status == .failed)
            #expect(try session.find("BBB-BBB-BBB")?.lastError == "HERO rejected it (HTTP 422): Fehlende Postleitzahl")
            #expect(try session.counts() == OutboxStore.Counts(pending: 0, delivered: 1, failed: 1))
            #expect(try session.list(status: .failed).map(\.reference) == ["BBB-BBB-BBB"])
            #expect(try session.list().map(\.reference) == ["BBB-BBB-BBB", "AAA-AAA-AAA"])
        }
    }

    @Test func retryBringsFailedLeadsBackWithAFreshDeadline() throws {
        try store.performBlocking { session in
            try session.add("AAA-AAA-AAA", now: t0)
            try session.add("BBB-BBB-BBB", now: t0)
            try session.add("CCC-CCC-CCC", now: t0)
            try session.markFailed("AAA-AAA-AAA", error: "x")
            try session.markFailed("BBB-BBB-BBB", error: "x")
            try session.markDelivered("CCC-CCC-CCC", externalID: 1, now: t0)
            let later = t0.addingTimeInterval(30 * 86400)
            #expect(try session.retry("AAA-AAA-AAA", now: later, maxAge: 100))
            let record = try #require(try session.find("AAA-AAA-AAA"))
            #expect(record.status == .pending)
            #expect(record.nextAttemptAt == later)
            #expect(record.giveUpAt == later.addingTimeInterval(100))
            #expect(try !session.retry("CCC-CCC-CCC", now: later, maxAge: 100))
            #expect(try !session.retry("ZZZ-ZZZ-ZZZ", now: later, maxAge: 100))
            #expect(try session.retryAllFailed(now: later, maxAge: 100) == 1)
            #expect(try session.counts() == OutboxStore.Counts(pending: 2, delivered: 1, failed: 0))
        }
    }

    @Test func retentionErasesPersonalDataOfOldDeliveredLeadsOnly() throws {
        try store.performBlocking { session in
            try session.add("AAA-AAA-AAA", now: t0, fingerprint: "f", key: "k")
            try session.add("BBB-BBB-BBB", now: t0)
            try session.add("CCC-CCC-CCC", now: t0)
            try session.add("DDD-DDD-DDD", now: t0)
            try session.markDelivered("AAA-AAA-AAA", externalID: 1, now: t0)
            try session.markDelivered("BBB-BBB-BBB", externalID: 2, now: t0.addingTimeInterval(20 * 86400))
            try session.markFailed("CCC-CCC-CCC", error: "x")
            let now = t0.addingTimeInterval(31 * 86400)
            #expect(try session.eraseDelivered(before: now.addingTimeInterval(-30 * 86400), now: now) == 1)
            let erased = try #require(try session.find("AAA-AAA-AAA"))
            #expect(erased.payload == nil)
            #expect(erased.erasedAt == now)
            #expect(erased.status == .delivered)
            #expect(erased.reference == "AAA-AAA-AAA")
            #expect(erased.deliveredAt == t0)
            #expect(try session.find("BBB-BBB-BBB")?.payload != nil, "delivered within the retention period")
            #expect(try session.find("CCC-CCC-CCC")?.payload != nil, "failed leads are kept until handled")
            #expect(try session.find("DDD-DDD-DDD")?.payload != nil, "pending leads are kept")
            // Erased data cannot be retried, and the fingerprint no longer matches.
            #expect(try !session.retry("AAA-AAA-AAA", now: now, maxAge: 100))
            guard case .inserted = try session.add("EEE-EEE-EEE", now: now, fingerprint: "f", key: "k") else {
                Issue.record("erased fingerprints must not match")
                return
            }
            // BBB, delivered 11 days before `now`, goes once the cutoff passes it.
            #expect(try session.eraseDelivered(before: now, now: now) == 1)
        }
    }

    @Test func oneServerPerDataDir() throws {
        let lock = try DataDirLock(dataDir: outbox.dataDir)
        #expect(throws: DataDirLock.Busy.self) { try DataDirLock(dataDir: outbox.dataDir) }
        withExtendedLifetime(lock) {}
    }

    @Test func theWriteProbeWritesAndLeavesNothingBehind() async throws {
        func tables() throws -> [String] {
            try store.database.withLock { db in
                try db.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").compactMap { $0["name"]?.string }
            }
        }
        let before = try tables()
        try await store.perform { try $0.probeWrite() }
        try await store.perform { try $0.probeWrite() }
        #expect(try tables() == before)
        // A store that cannot grow (as on a full disk) fails the probe; taking the write lock alone would not.
        try store.database.withLock { db in
            let pages = try #require(try db.query("PRAGMA page_count").first?["page_count"]?.int)
            #expect(try db.query("PRAGMA freelist_count").first?["freelist_count"]?.int == 1, "the first probe's page")
            try db.execute("PRAGMA max_page_count = \(pages)")
            try db.execute("BEGIN IMMEDIATE; ROLLBACK")
        }
        try await store.perform { try $0.probeWrite() } // the free page is reused
        try store.database.withLock { db in
            // Its free page taken by a table of its own, the store is full.
            try db.execute("CREATE TABLE filler (x)")
        }
        await #expect(throws: (any Error).self) { try await store.perform { try $0.probeWrite() } }
    }

    @Test func unusableDataDirIsAnError() {
        #expect(throws: (any Error).self) { try OutboxStore(dataDir: "/proc/heroform-cannot-exist") }
    }
}

/// Hands out references in order, then repeats the last.
final class ReferenceDraws: Sendable {
    private let queue: Mutex<[String]>
    init(_ references: [String]) { queue = Mutex(references) }
    func next() -> String { queue.withLock { $0.count > 1 ? $0.removeFirst() : $0.first ?? "" } }
}

/// `perform` commits the work of concurrent callers together.
@Suite struct GroupCommitTests {
    /// Group commit: concurrent callers share commits, each caller's work stays atomic on its own, and a result
    /// is only handed back once it is committed (another connection already sees it).
    @Test func concurrentWorkIsCommittedTogetherAndEachStaysAtomic() async throws {
        let outbox = try TemporaryOutbox()
        let store = outbox.store
        let dataDir = outbox.dataDir
        struct Refused: Error {}
        let results = await withTaskGroup(of: (Int, Bool).self) { group in
            for index in 0..<200 {
                group.addTask {
                    let reference = String(format: "G%02d-AAA-%03d", index % 7, index)
                    do {
                        try await store.perform { session in
                            try session.add(reference, now: Date())
                            // Every tenth caller fails after writing: only its own row must go.
                            if index % 10 == 0 { throw Refused() }
                        }
                        // Committed before we hear of it: a second connection finds the row.
                        let other = try OutboxStore(dataDir: dataDir)
                        return (index, try await other.record(reference) != nil)
                    } catch is Refused {
                        do { return (index, try await store.record(reference) == nil) } catch { return (index, false) }
                    } catch {
                        return (index, false)
                    }
                }
            }
            var all: [Int: Bool] = [:]
            for await (index, ok) in group { all[index] = ok }
            return all
        }
        #expect(results.count == 200)
        #expect(results.values.allSatisfy { $0 })
        #expect(try await store.perform { try $0.counts() }.pending == 180)
        #expect(store.groupCommits.load(ordering: .relaxed) < 200, "concurrent callers did not share a commit")
    }

    @Test func aGroupWhoseTransactionCannotStartRunsNothingAndTellsEveryCaller() async throws {
        let outbox = try TemporaryOutbox()
        // Another connection holds the write lock past the busy timeout: BEGIN IMMEDIATE fails.
        let other = try OutboxStore(dataDir: outbox.dataDir)
        outbox.store.database.withLock { $0.setBusyTimeout(milliseconds: 100) }
        let ran = Shared(false)
        try await other.holdWriteLock {
            await #expect(throws: SQLiteError.self) {
                try await outbox.store.perform { session in
                    // Outside a transaction this would commit on its own while the caller hears of a failure.
                    ran.value = true
                    try session.add("LCK-AAA-AAA", now: Date())
                }
            }
        }
        #expect(!ran.value, "work ran although its group had no transaction")
        #expect(try await outbox.store.record("LCK-AAA-AAA") == nil)
        // Afterwards the store works again.
        _ = try await outbox.store.perform { try $0.add("LCK-AAA-BBB", now: Date()) }
        #expect(try await outbox.store.record("LCK-AAA-BBB") != nil)
    }

    /// A blocking call (`performBlocking`, not `perform`) from another thread while a group is open waits for the
    /// group instead of joining its transaction, where a failing work's rollback would take it along.
    @Test func aDirectCallDuringAGroupIsNotPartOfIt() async throws {
        let outbox = try TemporaryOutbox()
        let store = outbox.store
        let inside = DispatchSemaphore(value: 0)
        let proceed = DispatchSemaphore(value: 0)
        struct Refused: Error {}
        let grouped = Task {
            try await store.perform { session in
                try session.add("GRP-AAA-AAA", now: Date())
                inside.signal()
                _ = proceed.wait(timeout: .now() + 60)
                throw Refused()
            }
        }
        // Waited for on a thread of its own: not on the cooperative pool.
        let entered = await withCheckedContinuation { continuation in
            // Generous: at the parallel suite's start this task may wait behind seconds of other tests' work.
            Thread.detachNewThread { continuation.resume(returning: inside.wait(timeout: .now() + 60) == .success) }
        }
        #expect(entered)
        let direct = Shared(0)  // 0 running, 1 stored, 2 failed
        Thread.detachNewThread {
            let stored = (try? store.performBlocking { try $0.add("DIR-AAA-AAA", now: Date()) }) != nil
            direct.value = stored ? 1 : 2
        }
        try await Task.sleep(for: .milliseconds(100))
        #expect(direct.value == 0, "the direct call ran inside the open group")
        proceed.signal()
        await #expect(throws: Refused.self) { try await grouped.value }
        for _ in 0..<1000 where direct.value == 0 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(direct.value == 1)
        #expect(try await store.record("DIR-AAA-AAA") != nil, "the direct call's lead went with the failed group")
        #expect(try await store.record("GRP-AAA-AAA") == nil)
    }
}
