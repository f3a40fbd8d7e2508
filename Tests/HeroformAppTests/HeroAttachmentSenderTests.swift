import Foundation
import HeroClient
import HeroStandIn
import Outbox
import Testing
@testable import HeroformApp

/// HERO's answers to the file steps in the outbox's terms.
@Suite struct HeroAttachmentSenderTests {
    func file(_ name: String?, _ mediaType: String, number: Int = 1) -> AttachmentRecord {
        AttachmentRecord(
            number: number, filename: name, mediaType: mediaType, kind: .image, size: 10, sha256: "", state: .pending,
            uploadID: nil, externalID: nil, lastError: nil, fileErased: false)
    }

    @Test(arguments: [
        ("dach.jpg", "image/jpeg", "dach.jpg"), ("DACH.JPEG", "image/jpeg", "DACH.JPEG"),
        ("angebot.pdf", "image/jpeg", "angebot.jpg"), ("foto", "image/png", "foto.png"),
        ("x.", "image/heic", "x.heic"), (".pdf", "image/png", "datei-1.png"), ("scan.PDF", "application/pdf", "scan.PDF"),
    ])
    func theNameSentCarriesTheExtensionOfWhatTheFileIs(name: String, mediaType: String, sent: String) {
        #expect(HeroAttachmentSender.uploadName(file(name, mediaType)) == sent)
    }

    @Test func aFileWithoutANameGetsOne() {
        #expect(HeroAttachmentSender.uploadName(file(nil, "image/png", number: 3)) == "datei-3.png")
    }

    @Test func largeFilesGetLongerToUpload() {
        #expect(HeroAttachmentSender.uploadTimeout(bytes: 1_000_000) == .seconds(120))
        #expect(HeroAttachmentSender.uploadTimeout(bytes: 100 * 1024 * 1024) == .seconds(400))
    }

    @Test func aMissingFileIsRefusedAndAProjectWithoutItsMatchWaits() async throws {
        let hero = HeroStandIn(apiKey: "key")
        try hero.start()
        await hero.runThenStop {
            let client = HeroClient(
                endpoint: hero.endpoint, graphQLEndpoint: hero.graphQLEndpoint, uploadEndpoint: hero.uploadEndpoint,
                apiKey: "key")
            let sender = HeroAttachmentSender(client: client, documentTypeID: nil)
            guard case .refused(let reason, _) = await sender.upload(file("a.png", "image/png"), at: "/nonexistent/1")
            else {
                Issue.record("a missing file must be refused")
                return
            }
            #expect(reason == "the stored file is missing")
            #expect(hero.uploadCalls.isEmpty)
            // HERO does not know project 424242 (yet): the files wait rather than fail.
            guard case .unavailable = await sender.target(forExternalID: 424_242) else {
                Issue.record("a missing project_match must be retried")
                return
            }
            guard case .refused = await sender.target(forExternalID: nil) else {
                Issue.record("no project id: nowhere to attach")
                return
            }
        }
    }
}
