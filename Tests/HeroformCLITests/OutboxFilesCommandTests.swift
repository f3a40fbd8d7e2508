import Foundation
import HTTPTesting
import Outbox
import Testing

/// `heroform outbox ...` for leads that came with files: the list's summary, the details, retrying failed files and
/// copying kept files out.
@Suite struct OutboxFilesCommandTests {
    let workspace: Workspace
    let store: OutboxStore

    init() throws {
        workspace = try Workspace(config: #"{"storage": {"data_dir": "data"}, "# + forms + "}")
        store = try OutboxStore(dataDir: workspace.url.appendingPathComponent("data").path)
        let staged = try store.attachmentFiles.stage()
        var attachments: [NewAttachment] = []
        for (number, name) in [(1, "dach.jpg"), (2, "../../etc/passwd"), (3, "angebot.pdf")] {
            var writer = try staged.create(number: number)
            try writer.write(Array("file \(number)".utf8))
            let (size, sha256) = try writer.finish()
            attachments.append(NewAttachment(
                number: number, filename: name, mediaType: number == 3 ? "application/pdf" : "image/jpeg",
                kind: number == 3 ? .document : .image, size: size, sha256: sha256))
        }
        let now = Date()
        let newFiles = attachments
        try store.performBlocking { session in
            _ = try session.insert(
                .init(formID: "default", payload: Data()), reference: { "FFF-FFF-FFF" }, payloadFor: { _ in payload },
                now: now, maxAge: 7 * 86400, attachments: newFiles, staged: staged)
            try session.markDelivered("FFF-FFF-FFF", externalID: 4711, now: now)
            try session.recordFilesTarget("FFF-FFF-FFF", AttachmentTarget(id: 9911, label: "DOG-1766"))
            try session.recordUpload("FFF-FFF-FFF", number: 1, uploadID: "a11ptylhfago0ogg")
            try session.recordAttached("FFF-FFF-FFF", number: 1, externalID: 501, now: now)
            try session.recordFileFailed("FFF-FFF-FFF", number: 2, error: "HERO refused the file (HTTP 422): zu groß", now: now)
            try session.recordFileFailed("FFF-FFF-FFF", number: 3, error: "HERO refused the file (HTTP 422): Typ\u{1B}[2J", now: now)
            try session.markFilesDone("FFF-FFF-FFF")
        }
        store.attachmentFiles.remove(reference: "FFF-FFF-FFF", number: 1)

        // A lead delivered 40 days ago whose file HERO refused: kept until the retention purge.
        let old = try store.attachmentFiles.stage()
        var writer = try old.create(number: 1)
        try writer.write(Array("old".utf8))
        let (size, sha256) = try writer.finish()
        let oldFile = NewAttachment(
            number: 1, filename: "alt.jpg", mediaType: "image/jpeg", kind: .image, size: size, sha256: sha256)
        let then = now.addingTimeInterval(-40 * 86400)
        try store.performBlocking { session in
            _ = try session.insert(
                .init(formID: "default", payload: Data()), reference: { "GGG-GGG-GGG" }, payloadFor: { _ in payload },
                now: then, maxAge: 7 * 86400, attachments: [oldFile], staged: old)
            try session.markDelivered("GGG-GGG-GGG", externalID: 4712, now: then)
            try session.recordFileFailed("GGG-GGG-GGG", number: 1, error: "HERO refused the file (HTTP 422)", now: then)
            try session.markFilesDone("GGG-GGG-GGG")
        }
    }

    func run(_ arguments: [String]) async throws -> (Int32?, String) {
        try await ServerProcess.run(["outbox"] + arguments, directory: workspace.url)
    }

    @Test func listAndShowTellHowFarTheFilesGot() async throws {
        let (status, list) = try await run(["list"])
        #expect(status == 0)
        #expect(list.contains("FILES"))
        #expect(list.contains("1/3 (2 failed)"))
        #expect(!list.contains("dach.jpg"))

        let (_, show) = try await run(["show", "FFF-FFF-FFF"])
        #expect(show.contains("files:        1/3 (2 failed)"))
        #expect(show.contains("HERO project: match 9911 (DOG-1766), https://login.hero-software.de/partner/Projects/view/9911"))
        #expect(show.contains("1. dach.jpg  image/jpeg  1 KB  attached, upload a11ptylhfago0ogg, HERO file 501"))
        #expect(show.contains("3. angebot.pdf  application/pdf  1 KB  failed, HERO refused the file (HTTP 422): Typ?[2J"))
        #expect(!show.contains("\u{1B}"), "no terminal escapes from HERO's text")
        #expect(show.contains("heroform outbox files FFF-FFF-FFF --to DIR"))
    }

    @Test func filesCopiesWhatIsKeptUnderSafeNames() async throws {
        let target = workspace.url.appendingPathComponent("out").path
        let (status, output) = try await run(["files", "fff-fff-fff", "--to", target])
        #expect(status == 0, "\(output)")
        let copied = try FileManager.default.contentsOfDirectory(atPath: target).sorted()
        // File 1 went to HERO and was deleted; the visitor's name cannot leave the folder.
        #expect(copied == ["2-_.._etc_passwd", "3-angebot.pdf"])
        #expect(try String(contentsOfFile: target + "/3-angebot.pdf", encoding: .utf8) == "file 3")

        // Copying again would overwrite: refused, by name.
        let (again, refused) = try await run(["files", "FFF-FFF-FFF", "--to", target])
        #expect(again != 0)
        #expect(refused.contains("cannot copy file 2"))

        let (unknown, message) = try await run(["files", "XXX-XXX-XXX", "--to", target])
        #expect(unknown != 0)
        #expect(message.contains("no lead with reference XXX-XXX-XXX"))
    }

    @Test func purgeErasesTheFilesOfErasedLeadsOnly() async throws {
        let oldFolder = store.attachmentFiles.folder(of: "GGG-GGG-GGG")
        #expect(FileManager.default.fileExists(atPath: oldFolder))
        let (status, output) = try await run(["purge"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("erased the personal data of 1 delivered lead(s)"))
        #expect(!FileManager.default.fileExists(atPath: oldFolder))
        #expect(FileManager.default.fileExists(atPath: store.attachmentFiles.path(of: "FFF-FFF-FFF", number: 2)))
        let found = try await store.perform { try $0.find("GGG-GGG-GGG") }
        #expect(found?.attachments.first?.filename == nil)
        #expect(found?.attachments.first?.fileErased == true)
    }

    @Test func retryQueuesOnlyTheFailedFiles() async throws {
        let (status, output) = try await run(["retry", "FFF-FFF-FFF"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("2 failed file(s) of FFF-FFF-FFF queued for delivery"))
        let found = try await store.perform { try $0.find("FFF-FFF-FFF") }
        let record = try #require(found)
        #expect(record.status == .delivered)
        #expect(record.filesPending == true)
        #expect(record.attachments.map(\.state) == [.attached, .pending, .pending])
        #expect(record.attachments[1].uploadID == nil)

        let (again, message) = try await run(["retry", "FFF-FFF-FFF"])
        #expect(again != 0)
        #expect(message.contains("no failed files kept for it"))
    }
}
