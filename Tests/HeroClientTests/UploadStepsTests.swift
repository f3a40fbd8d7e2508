import CryptoPrimitives
import Foundation
import HTTPClient
import HTTPServer
import HeroClient
import HeroStandIn
import JSON
import Testing

/// Uploads against the stand-in over real sockets, the whole way from a new project to attached files, and what
/// the stand-in enforces of the upload endpoint.
@Suite struct UploadStepsTests {
    @Test func aProjectGetsAPhotoAndADocumentEachAttachedOnce() async throws {
        let (hero, client) = try startHero()
        try await hero.runThenStop {
            let photo = try makeTestFile(3 * 1024 * 1024 + 5, name: "leak.jpg", seed: 3)
            defer { removeTestFile(photo.path) }
            let pdf = try makeTestFile(40_000, name: "offer.pdf", seed: 4)
            defer { removeTestFile(pdf.path) }

            let projectID = try await client.createTestProject()
            guard case .success(let match) = await client.projectMatch(forProject: projectID) else {
                Issue.record("no project_match")
                return
            }
            guard case .success(let photoUUID) = await client.upload(file: photo.path, filename: "leak.jpg",
                                                                      contentType: "image/jpeg"),
                  case .success(let pdfUUID) = await client.upload(file: pdf.path, filename: "Angebot.pdf",
                                                                   contentType: "application/pdf")
            else {
                Issue.record("an upload failed: \(hero.uploadCalls.map(\.status))")
                return
            }
            #expect(photoUUID.count == 16 && photoUUID.allSatisfy { $0.isLowercase || $0.isNumber })
            guard case .success(let imageID) = await client.attachImage(uuid: photoUUID, projectMatch: match.id),
                  case .success(let documentID) = await client.attachDocument(
                    uuid: pdfUUID, projectMatch: match.id, documentTypeID: 1_250_455)
            else {
                Issue.record("an attachment failed")
                return
            }

            let attached = hero.attachments(projectMatch: match.id)
            #expect(attached.map(\.id) == [imageID, documentID])
            #expect(attached.map(\.kind) == [.image, .document(typeID: 1_250_455)])
            #expect(attached.map(\.upload.filename) == ["leak.jpg", "Angebot.pdf"])
            #expect(attached.map(\.upload.contentType) == ["image/jpeg", "application/pdf"])
            #expect(attached.map(\.upload.size) == [photo.bytes.count, pdf.bytes.count])
            // Byte for byte, a few MB streamed from disk.
            let received = attached.first?.upload.bytes ?? []
            #expect(received.elementsEqual(photo.bytes))
            #expect(attached.first?.upload.sha256 == CryptoPrimitives.hex(CryptoPrimitives.sha256(photo.bytes)))
            let receivedPDF = attached.last?.upload.bytes ?? []
            #expect(receivedPDF.elementsEqual(pdf.bytes))
            #expect(hero.attachments.count == 2)
            #expect(hero.createdProjects.count == 1)

            // The key went in x-auth-token, never as Bearer.
            let call = try #require(hero.uploadCalls.first)
            #expect(call.headers["x-auth-token"] == "file-key")
            #expect(call.headers["Authorization"] == nil)
            #expect(call.headers["Content-Type"]?.hasPrefix("multipart/form-data; boundary=heroform-") == true)
        }
    }

    @Test func theUploadTakesTheKeyOnlyInXAuthToken() async throws {
        let (hero, _) = try startHero()
        try await hero.runThenStop {
            let body = Array(
                ("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n"
                    + "Content-Type: image/jpeg\r\n\r\nxyz\r\n--b--\r\n").utf8)
            let multipart = ("Content-Type", "multipart/form-data; boundary=b")
            let auths = [("Authorization", "Bearer \(hero.apiKey)"), ("x-auth-token", "wrong"), ("X-Auth", hero.apiKey)]
            for auth in auths {
                let (status, json) = try await rawPost(hero.uploadEndpoint, headers: [auth, multipart], body: body)
                #expect(status == 401, "\(auth.0)")
                #expect(json?["message"] == "Unauthenticated.")
            }
            let (status, json) = try await rawPost(
                hero.uploadEndpoint, headers: [("x-auth-token", hero.apiKey), multipart], body: body)
            #expect(status == 200)
            #expect(json?["status"] == "success")
            #expect(json?["data"]?["uuid"]?.string == hero.uploads.first?.uuid)
            #expect(json?["uuid"] == nil)
            #expect(hero.uploads.count == 1)
        }
    }

    @Test func aWrongKeyIsUnauthorizedOnUpload() async throws {
        let (hero, client) = try startHero(apiKey: "right", clientKey: "wrong")
        try await hero.runThenStop {
            let file = try makeTestFile(1000)
            defer { removeTestFile(file.path) }
            #expect(await client.uploadJPEG(file.path)
                == .unauthorized(status: 401, message: "Unauthenticated."))
            #expect(hero.uploads.isEmpty)
        }
    }

    @Test func theStandInTakesExactlyOnePartNamedFileWithANameAndAType() async throws {
        let (hero, _) = try startHero()
        try await hero.runThenStop {
            func part(_ disposition: String, type: String? = "image/jpeg", content: String = "xyz") -> String {
                "--b\r\nContent-Disposition: form-data; \(disposition)\r\n"
                    + (type.map { "Content-Type: \($0)\r\n" } ?? "") + "\r\n\(content)\r\n"
            }
            let file = part("name=\"file\"; filename=\"a.jpg\"")
            let cases: [(body: String, contentType: String, status: Int, message: String)] = [
                (file + "--b--\r\n", "application/octet-stream", 415,
                 "Content-Type muss multipart/form-data mit boundary sein"),
                (file + "--b--\r\n", "multipart/form-data", 415,
                 "Content-Type muss multipart/form-data mit boundary sein"),
                (file + file + "--b--\r\n", "multipart/form-data; boundary=b", 422,
                 "Genau ein Teil namens file erwartet, nicht 2 (\"file\", \"file\")"),
                (part("name=\"note\"", type: nil) + file + "--b--\r\n", "multipart/form-data; boundary=b", 422,
                 "Genau ein Teil namens file erwartet, nicht 2 (\"note\", \"file\")"),
                (part("name=\"upload\"; filename=\"a.jpg\"") + "--b--\r\n", "multipart/form-data; boundary=b", 422,
                 "Genau ein Teil namens file erwartet, nicht 1 (\"upload\")"),
                ("--b--\r\n", "multipart/form-data; boundary=b", 422,
                 "Genau ein Teil namens file erwartet, nicht 0 ()"),
                (part("name=\"file\"") + "--b--\r\n", "multipart/form-data; boundary=b", 422,
                 "Der Teil file braucht einen Dateinamen"),
                (part("name=\"file\"; filename=\"\"") + "--b--\r\n", "multipart/form-data; boundary=b", 422,
                 "Der Teil file braucht einen Dateinamen"),
                (part("name=\"file\"; filename=\"a.jpg\"", type: nil) + "--b--\r\n",
                 "multipart/form-data; boundary=b", 422, "Der Teil file braucht einen Content-Type"),
                (part("name=\"file\"; filename=\"a.jpg\"", content: "") + "--b--\r\n",
                 "multipart/form-data; boundary=b", 422, "Die Datei ist leer"),
                (file, "multipart/form-data; boundary=b", 400,
                 "Ungültiger multipart-Body: multipart body is missing the final boundary"),
            ]
            for (body, contentType, status, message) in cases {
                let answer = try await rawPost(
                    hero.uploadEndpoint, headers: [("x-auth-token", hero.apiKey), ("Content-Type", contentType)],
                    body: Array(body.utf8))
                #expect(answer.status == status, "\(body)")
                #expect(answer.json?["message"]?.string == message, "\(body)")
                #expect(answer.json?["status"] == "error")
            }
            #expect(hero.uploads.isEmpty)
        }
    }

    @Test(arguments: [
        (HeroStandIn.UploadMode.failing(status: 500, message: "Server Error"),
         HeroFileOutcome<String>.unavailable("HTTP 500")),
        (.failing(status: 503, message: "Wartung"), .unavailable("HTTP 503")),
        (.failing(status: 429, message: "Too Many Attempts."), .unavailable("HTTP 429")),
        (.failing(status: 403, message: "Forbidden"), .unauthorized(status: 403, message: "Forbidden")),
        (.failing(status: 422, message: "Dateityp nicht erlaubt"),
         .rejected(status: 422, message: "Dateityp nicht erlaubt")),
        (.failing(status: 413, message: "Datei zu groß"), .rejected(status: 413, message: "Datei zu groß")),
        (.refusingLargerThan(10_000),
         .rejected(status: 413, message: "413 Content Too Large: request body larger than 10000 bytes")),
        (.okWithoutUUID, .rejected(status: 200, message: "answer without data.uuid")),
    ])
    func failingUploadsAreClassified(_ mode: HeroStandIn.UploadMode, _ expected: HeroFileOutcome<String>) async throws {
        let (hero, client) = try startHero()
        try await hero.runThenStop {
            let file = try makeTestFile(100_000)
            defer { removeTestFile(file.path) }
            hero.uploadMode = mode
            #expect(await client.uploadJPEG(file.path) == expected)
            // It recovers.
            hero.uploadMode = .up
            guard case .success(let uuid) = await client.uploadJPEG(file.path) else {
                Issue.record("no recovery")
                return
            }
            #expect(hero.uploads.last?.uuid == uuid)
            let received = hero.uploads.last?.bytes ?? []
            #expect(received.elementsEqual(file.bytes))
        }
    }

    @Test func anUploadWhoseAnswerGotLostIsUnavailableButHeroHasIt() async throws {
        let (hero, client) = try startHero()
        try await hero.runThenStop {
            let file = try makeTestFile(1000)
            defer { removeTestFile(file.path) }
            hero.uploadMode = .actsThenFails(status: 502)
            #expect(await client.uploadJPEG(file.path) == .unavailable("HTTP 502"))
            #expect(hero.uploads.count == 1)
        }
    }

    @Test func aSlowUploadTimesOut() async throws {
        let (hero, client) = try startHero(timeout: .milliseconds(500))
        try await hero.runThenStop {
            let file = try makeTestFile(1000)
            defer { removeTestFile(file.path) }
            hero.uploadMode = .slow(.seconds(60))
            let started = ContinuousClock.now
            #expect(await client.uploadJPEG(file.path) == .unavailable("timed out"))
            #expect(ContinuousClock.now - started < .seconds(30))
        }
    }

    @Test func unreachableUploadIsUnavailable() async throws {
        let file = try makeTestFile(1000)
        defer { removeTestFile(file.path) }
        let nowhere = try #require(URL(string: "http://127.0.0.1:9/app/v8/FileUploads/upload"))
        let client = HeroClient(uploadEndpoint: nowhere, apiKey: "k", uploadTimeout: .seconds(5))
        guard case .unavailable = await client.uploadJPEG(file.path) else {
            Issue.record("expected unavailable")
            return
        }
    }

    @Test func aFileThatCannotBeOpenedIsReportedAndNothingIsSent() async throws {
        let (hero, client) = try startHero()
        await hero.runThenStop {
            let missing = FileManager.default.temporaryDirectory
                .appendingPathComponent("heroform-gone-\(UUID()).jpg").path
            #expect(await client.upload(file: missing, filename: "a.jpg", contentType: "image/jpeg")
                == .fileUnreadable("cannot open a file: No such file or directory"))
            #expect(hero.uploadCalls.isEmpty)
        }
    }

    @Test func theFilenameAndTypeAreSanitisedForThePartHeader() async throws {
        let (hero, client) = try startHero()
        try await hero.runThenStop {
            let file = try makeTestFile(1000)
            defer { removeTestFile(file.path) }
            let names: [(given: String, sent: String)] = [
                ("Schaden \"Dach\"\r\nX-Evil: 1/..\\a.jpg", "Schaden _Dach___X-Evil: 1_.._a.jpg"),
                ("Küche – Wasserschaden.jpg", "Küche – Wasserschaden.jpg"),
                ("\r\n", "__"),
                ("   ", "file"),
                ("", "file"),
                (String(repeating: "a", count: 300) + ".jpeg", String(repeating: "a", count: 195) + ".jpeg"),
            ]
            for (given, sent) in names {
                #expect(await client.upload(file: file.path, filename: given, contentType: "image/jpeg\r\nX: y")
                    .isSuccess, "\(given)")
                #expect(hero.uploads.last?.filename == sent)
                #expect(hero.uploads.last?.contentType == "application/octet-stream")
            }
        }
    }

    @Test func anAttachmentThatFailedIsMadeOnceWhenHeroRecovers() async throws {
        let (hero, client) = try startHero()
        try await hero.runThenStop {
            let file = try makeTestFile(1000)
            defer { removeTestFile(file.path) }
            let project = hero.addProject()
            guard case .success(let uuid) = await client.upload(
                file: file.path, filename: "a.png", contentType: "image/png")
            else {
                Issue.record("upload failed")
                return
            }
            hero.graphQLModes[.uploadImage] = .failing(status: 500, message: "Server Error")
            #expect(await client.attachImage(uuid: uuid, projectMatch: project.id) == .unavailable("HTTP 500"))
            hero.graphQLModes[.uploadImage] = .okWithoutData
            #expect(await client.attachImage(uuid: uuid, projectMatch: project.id)
                == .rejected(status: 200, message: "answer without data.upload_image.id"))
            #expect(hero.attachments.isEmpty)
            hero.setGraphQLMode(.up)
            guard case .success(let id) = await client.attachImage(uuid: uuid, projectMatch: project.id) else {
                Issue.record("attach failed")
                return
            }
            #expect(hero.attachments(projectMatch: project.id).map(\.id) == [id])
            #expect(hero.attachments(projectMatch: project.id).first?.upload.uuid == uuid)
        }
    }

    @Test func anAttachmentWhoseAnswerGotLostIsThereInHero() async throws {
        // What a caller must expect when it retries after a lost answer: HERO does not deduplicate.
        let (hero, client) = try startHero()
        try await hero.runThenStop {
            let file = try makeTestFile(1000)
            defer { removeTestFile(file.path) }
            let project = hero.addProject()
            guard case .success(let uuid) = await client.upload(
                file: file.path, filename: "a.pdf", contentType: "application/pdf")
            else {
                Issue.record("upload failed")
                return
            }
            hero.graphQLModes[.uploadDocument] = .actsThenFails(status: 504)
            #expect(await client.attachDocument(uuid: uuid, projectMatch: project.id, documentTypeID: 1_250_455)
                == .unavailable("HTTP 504"))
            hero.setGraphQLMode(.up)
            #expect(
                await client.attachDocument(uuid: uuid, projectMatch: project.id, documentTypeID: 1_250_455).isSuccess)
            #expect(hero.attachments(projectMatch: project.id).count == 2)
        }
    }

    @Test func uploadAnswersAreClassifiedWithoutNetwork() {
        func classify(_ status: Int, _ body: String) -> HeroFileOutcome<String> {
            HeroFileOutcome.classifyUpload(status: status, body: Array(body.utf8))
        }
        #expect(classify(200, #"{"status":"success","data":{"uuid":"a11ptylhfago0ogg","id":45237629}}"#)
            == .success("a11ptylhfago0ogg"))
        #expect(classify(201, #"{"status":"success","data":{"uuid":"a11ptylhfago0ogg"}}"#)
            == .success("a11ptylhfago0ogg"))
        // A top-level uuid is not where HERO puts it.
        #expect(classify(200, #"{"status":"success","uuid":"a11ptylhfago0ogg"}"#)
            == .rejected(status: 200, message: "answer without data.uuid"))
        #expect(classify(200, #"{"status":"success","data":{"uuid":""}}"#)
            == .rejected(status: 200, message: "answer without data.uuid"))
        #expect(classify(200, #"{"status":"error","message":"Datei fehlt"}"#)
            == .rejected(status: 200, message: "Datei fehlt"))
        #expect(classify(200, "") == .rejected(status: 200, message: "answer without data.uuid"))
        #expect(classify(413, "<html><title>413 Request Entity Too Large</title></html>")
            == .rejected(status: 413, message: "<html><title>413 Request Entity Too Large</title></html>"))
        #expect(classify(401, "") == .unauthorized(status: 401, message: "HTTP 401"))
        #expect(classify(502, "<html>echo</html>") == .unavailable("HTTP 502"))
    }
}

extension HeroClient {
    /// Uploads the file at `path` as `a.jpg`, an image/jpeg.
    func uploadJPEG(_ path: String) async -> HeroFileOutcome<String> {
        await upload(file: path, filename: "a.jpg", contentType: "image/jpeg")
    }
}

extension HeroFileOutcome {
    var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
}
