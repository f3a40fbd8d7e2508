import Foundation
import Synchronization
import Testing
@testable import Outbox

/// A receiver of files that answers each step as told and records every call.
final class FakeAttachmentSender: AttachmentSender {
    struct Answers: Sendable {
        var target: StepOutcome<AttachmentTarget>? = nil
        /// Per file number; files not named are uploaded.
        var upload: [Int: StepOutcome<String>] = [:]
        var attach: [Int: StepOutcome<Int?>] = [:]
    }

    private let state = Mutex<(answers: Answers, calls: [String])>((Answers(), []))

    var answers: Answers {
        get { state.withLock { $0.answers } }
        set { state.withLock { $0.answers = newValue } }
    }
    /// `target`, `upload N`, `attach N uuid M`, in order.
    var calls: [String] { state.withLock { $0.calls } }

    func target(forExternalID externalID: Int?) async -> StepOutcome<AttachmentTarget> {
        state.withLock { state in
            state.calls.append("target")
            return state.answers.target ?? .done(AttachmentTarget(id: (externalID ?? 0) + 5000, label: "DOG-1"))
        }
    }

    func upload(_ file: AttachmentRecord, at path: String) async -> StepOutcome<String> {
        let exists = FileManager.default.fileExists(atPath: path)
        return state.withLock { state in
            state.calls.append("upload \(file.number)")
            guard exists else { return .refused(reason: "no file", detail: path) }
            return state.answers.upload[file.number] ?? .done("uuid\(file.number)")
        }
    }

    func attach(_ file: AttachmentRecord, uploadID: String, to target: AttachmentTarget) async -> StepOutcome<Int?> {
        state.withLock { state in
            state.calls.append("attach \(file.number) \(uploadID) \(target.id)")
            return state.answers.attach[file.number] ?? .done(700 + file.number)
        }
    }
}

@Suite struct AttachmentTests {
    let outbox: TemporaryOutbox
    let sender = FakeSender()
    let files = FakeAttachmentSender()
    let alerts = RecordingAlerts()
    let clock = TestClock()

    init() throws { outbox = try TemporaryOutbox() }

    func worker() -> DeliveryWorker {
        DeliveryWorker(
            store: outbox.store, sender: sender, attachmentSender: files, policy: RetryPolicy(), logger: quietLogger,
            alerts: alerts, now: { [clock] in clock.now }, random: { 0.5 })
    }

    /// Stages `contents` as files and stores a lead with them; returns the reference.
    @discardableResult
    func storeLead(_ reference: String = "AAA-AAA-AAA", files contents: [[UInt8]]) async throws -> String {
        let staged = try outbox.store.attachmentFiles.stage()
        var attachments: [NewAttachment] = []
        for (index, bytes) in contents.enumerated() {
            var writer = try staged.create(number: index + 1)
            try writer.write(bytes)
            let (size, sha256) = try writer.finish()
            attachments.append(
                NewAttachment(
                    number: index + 1, filename: "photo\(index + 1).jpg", mediaType: "image/jpeg", kind: .image,
                    size: size, sha256: sha256))
        }
        let now = clock.now
        let newFiles = attachments
        let result = try await outbox.store.perform { session in
            try session.insert(
                OutboxStore.NewLead(formID: "default", payload: Data()), reference: { reference },
                payloadFor: { _ in samplePayload }, now: now, maxAge: 7 * 86400, attachments: newFiles,
                staged: staged)
        }
        guard case .inserted = result else {
            staged.discard()
            throw CancellationError()
        }
        return reference
    }

    /// Claims the leads whose files are due now.
    func due() async throws -> [LeadRecord] {
        try await outbox.store.perform { [clock] in try $0.claimDueFiles(now: clock.now, limit: 8) }
    }

    func path(_ reference: String, _ number: Int) -> String {
        outbox.store.attachmentFiles.path(of: reference, number: number)
    }

    @Test func storedFilesAreSyncedPrivateAndDescribed() async throws {
        let reference = try await storeLead(files: [Array("first".utf8), Array(repeating: 7, count: 100_000)])
        let record = try #require(try await outbox.store.record(reference))
        #expect(record.filesPending == true)
        #expect(record.attachments.map(\.number) == [1, 2])
        #expect(record.attachments.map(\.size) == [5, 100_000])
        #expect(record.attachments[0].sha256 == "a7937b64b8caa58f03721bb6bacf5c78cb235febe0e70b1b84cd99541461a08e")
        #expect(record.attachments.allSatisfy { $0.state == .pending && !$0.fileErased })
        #expect(try Data(contentsOf: URL(fileURLWithPath: path(reference, 1))) == Data("first".utf8))
        let attributes = try FileManager.default.attributesOfItem(atPath: path(reference, 2))
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let folder = try FileManager.default.attributesOfItem(atPath: outbox.store.attachmentFiles.folder(of: reference))
        #expect((folder[.posixPermissions] as? Int) == 0o700)
        // Nothing is left in the staging area.
        let incoming = outbox.store.attachmentFiles.root + "/.incoming"
        #expect(try FileManager.default.contentsOfDirectory(atPath: incoming).isEmpty)
    }

    @Test func aRepeatedSubmissionLeavesItsFilesStagedForTheCallerToDiscard() async throws {
        let staged = try outbox.store.attachmentFiles.stage()
        var writer = try staged.create(number: 1)
        try writer.write([1, 2, 3])
        let (size, sha256) = try writer.finish()
        let attachment = NewAttachment(
            number: 1, filename: "a.png", mediaType: "image/png", kind: .image, size: size, sha256: sha256)
        let now = clock.now
        let lead = OutboxStore.NewLead(formID: "default", payload: Data(), fingerprint: "same")
        _ = try await outbox.store.perform { try $0.insert(
            lead, reference: { "AAA-AAA-AAA" }, payloadFor: { _ in samplePayload }, now: now, maxAge: 86400) }
        let again = try await outbox.store.perform { try $0.insert(
            lead, reference: { "BBB-BBB-BBB" }, payloadFor: { _ in samplePayload }, now: now, maxAge: 86400,
            attachments: [attachment], staged: staged) }
        guard case .duplicate(let first) = again else { Issue.record("not a duplicate: \(again)"); return }
        #expect(first.reference == "AAA-AAA-AAA")
        #expect(FileManager.default.fileExists(atPath: staged.folder))
        staged.discard()
        #expect(!FileManager.default.fileExists(atPath: staged.folder))
    }

    /// What the start's warning of leads waiting without a key counts: pending leads, and delivered ones whose files
    /// still wait, by account.
    @Test func leadsWaitingForTheirAccountCountTheirFiles() async throws {
        let withFiles = try await storeLead("FIL-FIL-FIL", files: [[1, 2, 3]])
        for (reference, account) in [("DON-DON-DON", nil), ("PEN-PEN-PEN", nil), ("MUE-MUE-MUE", "mueller")] {
            let lead = OutboxStore.NewLead(formID: "default", payload: Data(), account: account)
            _ = try await outbox.store.perform {
                try $0.insert(
                    lead, reference: { reference }, payloadFor: { _ in samplePayload }, now: Date(), maxAge: 86400)
            }
        }
        _ = try await outbox.store.perform { [clock] in
            try $0.markDelivered(withFiles, externalID: 7, now: clock.now)
            try $0.markDelivered("DON-DON-DON", externalID: 8, now: clock.now)
        }
        #expect(try await outbox.store.perform { try $0.waitingByAccount() } == [nil: 2, "mueller": 1])
    }

    @Test func aFailedMoveStoresNeitherLeadNorFiles() async throws {
        let staged = try outbox.store.attachmentFiles.stage()
        var writer = try staged.create(number: 1)
        try writer.write([1])
        let (size, sha256) = try writer.finish()
        // The folder the files would move to is taken by a file: the rename fails inside the commit.
        _ = FileManager.default.createFile(atPath: outbox.store.attachmentFiles.folder(of: "AAA-AAA-AAA") + "/x",
                                           contents: nil)
        try FileManager.default.createDirectory(
            atPath: outbox.store.attachmentFiles.folder(of: "AAA-AAA-AAA") + "/y", withIntermediateDirectories: true)
        let now = clock.now
        await #expect(throws: AttachmentFileError.self) {
            try await outbox.store.perform { try $0.insert(
                OutboxStore.NewLead(formID: "default", payload: Data()), reference: { "AAA-AAA-AAA" },
                payloadFor: { _ in samplePayload }, now: now, maxAge: 86400,
                attachments: [NewAttachment(number: 1, filename: "a", mediaType: "image/png", kind: .image,
                                            size: size, sha256: sha256)], staged: staged) }
        }
        #expect(try await outbox.store.record("AAA-AAA-AAA") == nil)
    }

    @Test func leftoversOfACrashAreRemovedAtStart() async throws {
        let reference = try await storeLead(files: [[1], [2]])
        let root = outbox.store.attachmentFiles.root
        // A submission cut short while writing, and a folder whose lead never got committed.
        let staged = try outbox.store.attachmentFiles.stage()
        var writer = try staged.create(number: 1)
        try writer.write([9])
        try FileManager.default.createDirectory(atPath: root + "/ZZZ-ZZZ-ZZZ", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: root + "/ZZZ-ZZZ-ZZZ/1", contents: Data([1]))
        // The staging folder and the unknown lead's file.
        #expect(await worker().removeLeftoverFiles() == 2)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root).sorted() == [".incoming", reference])
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/.incoming").isEmpty)
        #expect(FileManager.default.fileExists(atPath: path(reference, 1)))
        #expect(FileManager.default.fileExists(atPath: path(reference, 2)))
    }

    @Test func filesFollowTheLeadEachAttachedOnceAndDeleted() async throws {
        let reference = try await storeLead(files: [[1], [2], [3]])
        let worker = worker()
        #expect(await worker.deliverNow(reference, deadline: .seconds(5)) == .delivered)
        let round = try await due()
        #expect(round.count == 1)
        await worker.sendFiles(try #require(round.first))
        #expect(files.calls == [
            "target", "upload 1", "attach 1 uuid1 6001", "upload 2", "attach 2 uuid2 6001", "upload 3",
            "attach 3 uuid3 6001",
        ])
        let record = try #require(try await outbox.store.record(reference))
        #expect(record.status == .delivered)
        #expect(record.filesPending == false)
        #expect(record.filesTarget == AttachmentTarget(id: 6001, label: "DOG-1"))
        #expect(record.attachments.map(\.state) == [.attached, .attached, .attached])
        #expect(record.attachments.map(\.externalID) == [701, 702, 703])
        #expect(record.attachments.map(\.uploadID) == ["uuid1", "uuid2", "uuid3"])
        #expect(record.attachments.allSatisfy { $0.fileErased })
        #expect(!FileManager.default.fileExists(atPath: outbox.store.attachmentFiles.folder(of: reference)))
        #expect(AttachmentSummary(record.attachments).text == "3/3")
    }

    @Test func theBackgroundLoopSendsFilesAfterAnInlineDelivery() async throws {
        let reference = try await storeLead(files: [[1]])
        let worker = DeliveryWorker(
            store: outbox.store, sender: sender, attachmentSender: files, logger: quietLogger, alerts: alerts)
        worker.start(pollInterval: .seconds(30))
        defer { Task { await worker.stop() } }
        #expect(await worker.deliverNow(reference, deadline: .seconds(5)) == .delivered)
        for _ in 0..<200 where try await outbox.store.record(reference)?.filesPending != false {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(try await outbox.store.record(reference)?.attachments.first?.state == .attached)
        await worker.stop()
    }

    @Test(arguments: [true, false])
    func anOutageEndsTheRoundAndTheNextStartsWhereItStopped(_ duringAttach: Bool) async throws {
        let reference = try await storeLead(files: [[1], [2]])
        let worker = worker()
        _ = await worker.deliverNow(reference, deadline: .seconds(5))
        if duringAttach {
            files.answers.attach[2] = .unavailable(reason: "HTTP 503")
        } else {
            files.answers.upload[2] = .unavailable(reason: "HTTP 503")
        }
        let first = try await due()
        await worker.sendFiles(try #require(first.first))
        var record = try #require(try await outbox.store.record(reference))
        #expect(record.filesPending == true)
        #expect(record.filesAttempts == 1)
        #expect(record.attachments.map(\.state) == [.attached, duringAttach ? .uploaded : .pending])
        #expect(record.attachments[1].lastError == "HTTP 503")
        // Not due before its backoff (about 30 s).
        let none = try await due()
        #expect(none.isEmpty)
        clock.advance(60)
        files.answers = .init()
        let second = try await due()
        await worker.sendFiles(try #require(second.first))
        record = try #require(try await outbox.store.record(reference))
        #expect(record.attachments.map(\.state) == [.attached, .attached])
        // The target is looked up once; file 1 is never sent again; an upload whose handle was recorded is not
        // repeated.
        #expect(files.calls.filter { $0 == "target" }.count == 1)
        #expect(files.calls.filter { $0.hasPrefix("upload 1") }.count == 1)
        #expect(files.calls.filter { $0.hasPrefix("attach 1") }.count == 1)
        #expect(files.calls.filter { $0.hasPrefix("upload 2") }.count == (duringAttach ? 1 : 2))
    }

    @Test func aRefusedFileFailsAloneAndIsReported() async throws {
        let reference = try await storeLead(files: [[1], [2], [3]])
        let worker = worker()
        _ = await worker.deliverNow(reference, deadline: .seconds(5))
        files.answers.upload[2] = .refused(reason: "HERO refused the file (HTTP 415)", detail: "Dateityp")
        let round = try await due()
        await worker.sendFiles(try #require(round.first))
        let record = try #require(try await outbox.store.record(reference))
        #expect(record.attachments.map(\.state) == [.attached, .failed, .attached])
        #expect(record.attachments[1].lastError == "HERO refused the file (HTTP 415): Dateityp")
        #expect(record.filesPending == false)
        #expect(AttachmentSummary(record.attachments).text == "2/3 (1 failed)")
        // Kept on disk for the operator.
        #expect(FileManager.default.fileExists(atPath: path(reference, 2)))
        #expect(alerts.all == [.fileFailed(reference: reference, formID: "default", number: 2,
                                           reason: "HERO refused the file (HTTP 415)")])
        let counts = try await outbox.store.perform { try $0.fileCounts() }
        #expect(counts.pending == 0 && counts.failed == 1)

        // Retried by the operator: uploaded afresh, and attached.
        files.answers = .init()
        let retried = try await outbox.store.perform { [clock] in try $0.retryFailedFiles(reference, now: clock.now, maxAge: 86400) }
        #expect(retried == 1)
        let retry = try await due()
        await worker.sendFiles(try #require(retry.first))
        let after = try #require(try await outbox.store.record(reference))
        #expect(after.attachments.map(\.state) == [.attached, .attached, .attached])
        #expect(files.calls.filter { $0.hasPrefix("upload 2") }.count == 2)
        #expect(files.calls.filter { $0 == "target" }.count == 1)
    }

    @Test func withoutATargetEveryFileFails() async throws {
        let reference = try await storeLead(files: [[1], [2]])
        let worker = worker()
        _ = await worker.deliverNow(reference, deadline: .seconds(5))
        files.answers.target = .refused(reason: "HERO has no project_match for project 1001", detail: "")
        let round = try await due()
        await worker.sendFiles(try #require(round.first))
        let record = try #require(try await outbox.store.record(reference))
        #expect(record.attachments.map(\.state) == [.failed, .failed])
        #expect(record.filesPending == false)
        #expect(alerts.all.count == 2)
    }

    @Test func aRefusedKeyWaitsSlowlyAndIsReportedOnce() async throws {
        let reference = try await storeLead(files: [[1]])
        let worker = worker()
        _ = await worker.deliverNow(reference, deadline: .seconds(5))
        files.answers.upload[1] = .keyRejected(reason: "HERO refused the API key (HTTP 401)")
        let round = try await due()
        await worker.sendFiles(try #require(round.first))
        #expect(worker.health.filesKeyRejected)
        #expect(!worker.health.keyRejected, "the lead endpoint took the key")
        #expect(alerts.all == [.keyRejected(reason: "HERO refused the API key (HTTP 401)")])
        // Another lead goes through (its key is fine), and its files meet the same refusal: no second alert.
        let other = try await storeLead("BBB-BBB-BBB", files: [[2]])
        files.answers.upload[1] = .keyRejected(reason: "HERO refused the API key (HTTP 401)")
        _ = await worker.deliverNow(other, deadline: .seconds(5))
        let next = try await due().filter { $0.reference == other }
        await worker.sendFiles(try #require(next.first))
        #expect(alerts.all.count == 1)
        clock.advance(RetryPolicy().keyRejectedDelay - 1)
        let none = try await due()
        #expect(none.isEmpty)
        clock.advance(2)
        let one = try await due()
        #expect(one.map(\.reference).contains(reference))
    }

    @Test func filesStillWaitingWhenTheLeadRunsOutOfTimeFail() async throws {
        let reference = try await storeLead(files: [[1]])
        let worker = worker()
        _ = await worker.deliverNow(reference, deadline: .seconds(5))
        files.answers.upload[1] = .unavailable(reason: "timed out")
        clock.advance(7 * 86400)
        let round = try await due()
        await worker.sendFiles(try #require(round.first))
        let record = try #require(try await outbox.store.record(reference))
        #expect(record.attachments.first?.state == .failed)
        #expect(record.attachments.first?.lastError == "gave up after 1 attempts: timed out")
        #expect(record.filesPending == false)
    }

    @Test func aRefusedKeyNeverCostsFilesWhileOtherFailuresRunOutOfTime() async throws {
        let reference = try await storeLead(files: [[1]])
        let worker = worker()
        _ = await worker.deliverNow(reference, deadline: .seconds(5))
        files.answers.upload[1] = .keyRejected(reason: "HERO refused the API key (HTTP 401)")
        clock.advance(30 * 86400)
        var round = try await due()
        await worker.sendFiles(try #require(round.first))
        var record = try #require(try await outbox.store.record(reference))
        #expect(record.attachments.first?.state == .pending)
        #expect(record.filesPending == true)
        // The key is fixed; HERO is down now, and the lead is long past its time: the file gives up.
        files.answers.upload[1] = .unavailable(reason: "HTTP 503")
        clock.advance(RetryPolicy().keyRejectedDelay)
        round = try await due()
        await worker.sendFiles(try #require(round.first))
        record = try #require(try await outbox.store.record(reference))
        #expect(record.attachments.first?.state == .failed)

        // Retried by the operator: a fresh deadline, so one failure does not give up at once.
        let retried = try await outbox.store.perform { [clock] in
            try $0.retryFailedFiles(reference, now: clock.now, maxAge: 86400)
        }
        #expect(retried == 1)
        round = try await due()
        await worker.sendFiles(try #require(round.first))
        record = try #require(try await outbox.store.record(reference))
        #expect(record.attachments.first?.state == .pending)
        #expect(record.attachments.first?.lastError == "HTTP 503")
    }

    @Test func aRetryWhileARoundRunsKeepsTheFilesPendingForTheNextRound() async throws {
        let reference = try await storeLead(files: [[1], [2]])
        let worker = worker()
        _ = await worker.deliverNow(reference, deadline: .seconds(5))
        files.answers.upload[1] = .refused(reason: "refused", detail: "")
        let round = try await due()
        await worker.sendFiles(try #require(round.first))
        // The operator retries file 1 while a (second) round is in flight, which then ends.
        let now = clock.now
        _ = try await outbox.store.perform { session in
            _ = try session.retryFailedFiles(reference, now: now, maxAge: 86400)
            _ = try session.claimDueFiles(now: now, limit: 8)
            try session.markFilesDone(reference)
        }
        let record = try #require(try await outbox.store.record(reference))
        #expect(record.filesPending == true)
        #expect(try await due().count == 1)
    }

    @Test func aRoundCutShortByACrashResumesWithoutRepeatingRecordedSteps() async throws {
        let reference = try await storeLead(files: [[1], [2]])
        _ = await worker().deliverNow(reference, deadline: .seconds(5))
        // The process died after file 1's upload was recorded, with the round still claimed.
        let now = clock.now
        _ = try await outbox.store.perform { session in
            _ = try session.claimDueFiles(now: now, limit: 8)
            try session.recordFilesTarget(reference, AttachmentTarget(id: 42, label: nil))
            try session.recordUpload(reference, number: 1, uploadID: "kept")
        }
        clock.advance(1)
        let next = worker() // a new process
        let none = try await due()
        #expect(none.isEmpty)
        _ = try await outbox.store.perform { [clock] in try $0.resumeAfterRestart(now: clock.now, startedAt: clock.now) }
        let round = try await due()
        await next.sendFiles(try #require(round.first))
        #expect(files.calls == ["attach 1 kept 42", "upload 2", "attach 2 uuid2 42"])
    }

    @Test func theRetentionPurgeErasesNamesAndFiles() async throws {
        let reference = try await storeLead(files: [[1], [2]])
        let worker = DeliveryWorker(
            store: outbox.store, sender: sender, attachmentSender: files, logger: quietLogger, retention: 10,
            alerts: alerts, now: { [clock] in clock.now })
        _ = await worker.deliverNow(reference, deadline: .seconds(5))
        files.answers.upload[2] = .refused(reason: "refused", detail: "")
        let round = try await due()
        await worker.sendFiles(try #require(round.first))
        #expect(FileManager.default.fileExists(atPath: path(reference, 2)))
        clock.advance(60)
        #expect(await worker.purgeExpired() == 1)
        let record = try #require(try await outbox.store.record(reference))
        #expect(record.attachments.allSatisfy { $0.filename == nil && $0.fileErased })
        #expect(!FileManager.default.fileExists(atPath: outbox.store.attachmentFiles.folder(of: reference)))
    }

    @Test func filesOfFailedAttachmentsExpire() async throws {
        let reference = try await storeLead(files: [[1]])
        let worker = DeliveryWorker(
            store: outbox.store, sender: sender, attachmentSender: files, logger: quietLogger,
            failedFileRetention: 3600, alerts: alerts, now: { [clock] in clock.now })
        _ = await worker.deliverNow(reference, deadline: .seconds(5))
        files.answers.upload[1] = .refused(reason: "refused", detail: "")
        let round = try await due()
        await worker.sendFiles(try #require(round.first))
        clock.advance(1800)
        await worker.purgeExpired()
        #expect(FileManager.default.fileExists(atPath: path(reference, 1)))
        clock.advance(3600)
        await worker.purgeExpired()
        #expect(!FileManager.default.fileExists(atPath: path(reference, 1)))
        let retried = try await outbox.store.perform { [clock] in try $0.retryFailedFiles(reference, now: clock.now, maxAge: 86400) }
        #expect(retried == 0)
    }
}

@Suite struct AttachmentMigrationTests {
    @Test func anOutboxOfTheFirstVersionTakesFilesAfterItsUpgrade() async throws {
        let dataDir = NSTemporaryDirectory() + "heroform-outbox-v1-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        do {
            // The schema as the first release wrote it, with one pending lead.
            let old = try Database(path: dataDir + "/outbox.sqlite3")
            try old.execute(outboxSchemaVersion1 + oldPendingLead + "PRAGMA user_version = 1;")
        }
        let store = try OutboxStore(dataDir: dataDir)
        let old = try #require(try await store.perform { try $0.find("OLD-OLD-OLD") })
        #expect(old.status == .pending)
        #expect(old.filesPending == nil)
        #expect(old.attachments.isEmpty)
        let version = try store.database.withLock { try $0.query("PRAGMA user_version").first?["user_version"]?.int }
        #expect(version == 3)

        let staged = try store.attachmentFiles.stage()
        var writer = try staged.create(number: 1)
        try writer.write([1, 2, 3])
        let (size, sha256) = try writer.finish()
        let file = NewAttachment(number: 1, filename: "a.png", mediaType: "image/png", kind: .image, size: size,
                                 sha256: sha256)
        let now = Date()
        _ = try await store.perform { try $0.insert(
            OutboxStore.NewLead(formID: "default", payload: Data()), reference: { "NEW-NEW-NEW" },
            payloadFor: { _ in samplePayload }, now: now, maxAge: 86400, attachments: [file], staged: staged) }
        #expect(try await store.perform { try $0.find("NEW-NEW-NEW") }?.attachments.count == 1)
    }
}
