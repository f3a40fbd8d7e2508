import FormCore
import Foundation
import HeroStandIn
import HTTPServer
import HTTPTesting
import JSON
import Outbox
import Testing
@testable import HeroformApp

/// Files with a lead, from the visitor's post to the project in HERO's stand-in: what is accepted, refused, stored,
/// stripped of location data and attached — once.
@Suite struct AttachmentLeadTests {
    static let boundary = "----heroformtest"

    /// A small real JPEG (8×8) with an Exif block holding a camera name and a GPS directory.
    static let photo: [UInt8] = {
        let jfifEnd = 20
        let tiny: [UInt8] = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
            0x00, 0x01, 0x00, 0x00, 0xFF, 0xDB, 0x00, 0x43, 0x00, 0x10, 0x0B, 0x0C, 0x0E, 0x0C, 0x0A, 0x10,
            0x0E, 0x0D, 0x0E, 0x12, 0x11, 0x10, 0x13, 0x18, 0x28, 0x1A, 0x18, 0x16, 0x16, 0x18, 0x31, 0x23,
            0x25, 0x1D, 0x28, 0x3A, 0x33, 0x3D, 0x3C, 0x39, 0x33, 0x38, 0x37, 0x40, 0x48, 0x5C, 0x4E, 0x40,
            0x44, 0x57, 0x45, 0x37, 0x38, 0x50, 0x6D, 0x51, 0x57, 0x5F, 0x62, 0x67, 0x68, 0x67, 0x3E, 0x4D,
            0x71, 0x79, 0x70, 0x64, 0x78, 0x5C, 0x65, 0x67, 0x63, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x08,
            0x00, 0x08, 0x01, 0x01, 0x11, 0x00, 0xFF, 0xC4, 0x00, 0x14, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0xFF, 0xC4, 0x00, 0x16,
            0x10, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x06, 0x43, 0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0x3A, 0x54,
            0xCF, 0xFF, 0xD9,
        ]
        // TIFF (big-endian): IFD0 with Make and a GPS pointer; the GPS IFD with GPSLatitudeRef "N".
        let make = Array("CanonSpy".utf8) + [0]
        var tiff: [UInt8] = Array("MM".utf8) + [0, 42, 0, 0, 0, 8]
        tiff += [0, 2] + [0x01, 0x0F, 0, 2, 0, 0, 0, UInt8(make.count), 0, 0, 0, 50]  // Make → offset 50
        tiff += [0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 30] + [0, 0, 0, 0]  // GPS IFD at 30
        tiff += [0, 1] + [0x00, 0x01, 0, 2, 0, 0, 0, 2] + Array("N".utf8) + [0, 0, 0] + [0, 0, 0, 0]
        tiff += make
        let payload = Array("Exif".utf8) + [0, 0] + tiff
        let app1 = [0xFF, 0xE1, UInt8((payload.count + 2) >> 8), UInt8((payload.count + 2) & 0xFF)] + payload
        return Array(tiny[..<jfifEnd]) + app1 + Array(tiny[jfifEnd...])
    }()

    /// A real 4×4 PNG with a tEXt chunk naming a place.
    static let png: [UInt8] = [
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
        0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x04, 0x08, 0x02, 0x00, 0x00, 0x00, 0x26, 0x93, 0x09,
        0x29, 0x00, 0x00, 0x00, 0x23, 0x74, 0x45, 0x58, 0x74, 0x43, 0x6F, 0x6D, 0x6D, 0x65, 0x6E, 0x74,
        0x00, 0x47, 0x61, 0x72, 0x74, 0x65, 0x6E, 0x73, 0x74, 0x72, 0x2E, 0x20, 0x35, 0x2C, 0x20, 0x35,
        0x32, 0x2E, 0x35, 0x32, 0x4E, 0x20, 0x31, 0x33, 0x2E, 0x34, 0x30, 0x45, 0x09, 0x13, 0xAA, 0x17,
        0x00, 0x00, 0x00, 0x14, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x3C, 0x51, 0xA1, 0xC1, 0x00,
        0x03, 0x4C, 0x0C, 0x48, 0x00, 0x37, 0x07, 0x00, 0x47, 0xF4, 0x01, 0x70, 0x26, 0x3B, 0x98, 0xD8,
        0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ]
    static let pdf: [UInt8] = Array("%PDF-1.7\n".utf8) + Array(repeating: 0x20, count: 2000)
    static let program: [UInt8] = Array("MZ".utf8) + Array(repeating: 0x90, count: 500)

    static let fields: [(String, String)] = [
        ("last_name", "Dach"), ("email", "max@example.org"), ("zipcode", "30449"), ("consent", "on"),
        ("message", "Ein Ziegel fehlt"),
    ]

    /// A multipart body with `fields` (and a valid token) and `files` under `attachments`.
    static func multipart(
        _ fields: [(String, String)] = fields, files: [(String, [UInt8])], form: String = "default"
    ) -> [UInt8] {
        var body: [UInt8] = []
        for (name, value) in fields + [("form", form), ("_token", token(form))] {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        for (filename, bytes) in files {
            body += Array(
                ("--\(boundary)\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"\(filename)\"\r\n"
                    + "Content-Type: application/octet-stream\r\n\r\n").utf8) + bytes + Array("\r\n".utf8)
        }
        return body + Array("--\(boundary)--\r\n".utf8)
    }

    static func post(
        _ client: InProcessClient, _ body: [UInt8], json: Bool = true, extraHeaders: String = ""
    ) async throws -> RawResponse {
        let head =
            "POST /leads HTTP/1.1\r\nHost: forms.example\r\nContent-Type: multipart/form-data; boundary=\(boundary)\r\n"
            + (json ? "Accept: application/json\r\n" : "") + extraHeaders + "Content-Length: \(body.count)\r\n\r\n"
        return try await client.send(Array(head.utf8) + body)
    }

    static func withFiles(_ policy: AttachmentPolicy = AttachmentPolicy()) -> (inout AppConfig) -> Void {
        { config in
            config.forms["default"]?.attachments = policy
            config.hero.documentTypeID = 1_250_455
        }
    }

    static let fast: RetryPolicy = {
        var policy = RetryPolicy()
        policy.firstDelay = 0.5
        policy.jitter = 0
        return policy
    }()

    /// Waits until the outbox says the lead's files are done with (or `tries` run out).
    static func waitForFiles(_ app: HeroformApplication, _ reference: String, tries: Int = 300) async throws
        -> LeadRecord?
    {
        for _ in 0..<tries {
            let record = try await app.store.perform { try $0.find(reference) }
            if record?.filesPending == false { return record }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try await app.store.perform { try $0.find(reference) }
    }

    static func json(_ response: RawResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
    }

    static func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
        let needle = Array(needle.utf8)
        guard haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    @Test func photosAndAPDFReachTheProjectOnceWithoutLocationData() async throws {
        try await withApp(configure: Self.withFiles()) { client, hero, app in
            try await app.start()
            let response = try await Self.post(
                client, Self.multipart(files: [("dach.jpg", Self.photo), ("plan.png", Self.png), ("angebot.pdf", Self.pdf)]))
            #expect(response.status == 200, "\(String(decoding: response.body, as: UTF8.self))")
            let answer = Self.json(response)
            #expect(answer["status"] as? String == "success")
            #expect(answer["attachments"] as? Int == 3)
            let reference = try #require(answer["reference"] as? String)

            let record = try #require(try await Self.waitForFiles(app, reference))
            #expect(record.attachments.map(\.state) == [.attached, .attached, .attached])
            #expect(hero.createdProjects.count == 1)
            let notes = hero.createdProjects.first?["project_match"]?["partner_notes"]?.string ?? ""
            #expect(notes.contains("Dateien: 3 (2 Fotos, 1 PDF)"))

            let match = try #require(hero.projectMatches.first)
            let attached = hero.attachments(projectMatch: match.id)
            #expect(attached.count == 3)
            #expect(attached.map(\.upload.filename) == ["dach.jpg", "plan.png", "angebot.pdf"])
            #expect(attached.map(\.kind) == [.image, .image, .document(typeID: 1_250_455)])
            let sentPhoto = try #require(attached.first?.upload.bytes)
            #expect(sentPhoto.elementsEqual(try JPEGMetadataStripper.strip(Self.photo)))
            #expect(!Self.contains(sentPhoto, "CanonSpy"))
            #expect(!Self.contains(sentPhoto, "Exif"))
            let received = attached[1].upload.bytes ?? []
            #expect(received.elementsEqual(try PNGMetadataStripper.strip(Self.png)))
            #expect(Self.contains(Self.png, "Gartenstr") && !Self.contains(attached[1].upload.bytes ?? [], "Gartenstr"))
            #expect(record.filesTarget?.id == match.id)
            #expect(record.filesTarget?.label == match.projectNumber)
            // HERO has them: nothing of them is left on disk.
            #expect(!FileManager.default.fileExists(atPath: app.store.attachmentFiles.folder(of: reference)))
        }
    }

    @Test func aLargeUploadIsSpooledAndArrivesWhole() async throws {
        let big = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10] + Array("JFIF".utf8) + [0, 1, 1, 0, 0, 1, 0, 1, 0, 0]
            + [0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x08, 0x00, 0x08, 0x01, 0x01, 0x11, 0x00]
            + [0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]
            + (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 % 251) } + [0xFF, 0xD9]
        try await withApp(configure: Self.withFiles()) { client, hero, app in
            try await app.start()
            let response = try await Self.post(client, Self.multipart(files: [("gross.jpg", big)]))
            #expect(response.status == 200)
            let reference = try #require(Self.json(response)["reference"] as? String)
            _ = try await Self.waitForFiles(app, reference)
            #expect(hero.attachments.first?.upload.size == big.count)
            // elementsEqual, not ==: a failed == on megabytes makes the test library compute a diff for minutes.
            let received = hero.attachments.first?.upload.bytes ?? []
            #expect(received.elementsEqual(big))
            // The spooled body's file was never named in the spool folder, and nothing is left there.
            #expect(try FileManager.default.contentsOfDirectory(atPath: app.config.storage.spoolDirectory).isEmpty)
        }
    }

    @Test func eachRefusedFileIsNamedAndNothingIsStored() async throws {
        let policy = AttachmentPolicy(maxFiles: 2, maxFileBytes: 1024 * 1024, types: [.jpeg, .png])
        try await withApp(configure: Self.withFiles(policy)) { client, hero, app in
            let response = try await Self.post(
                client,
                Self.multipart(files: [
                    ("rechnung.jpg", Self.program), ("plan.pdf", Self.pdf),
                    ("riesig.png", Self.png + Array(repeating: 0, count: 1024 * 1024)),
                ]))
            #expect(response.status == 422)
            let errors = Self.json(response)["errors"] as? [String: String]
            #expect(errors?["attachments"] == "„rechnung.jpg“ hat keinen erlaubten Dateityp (erlaubt: JPEG, PNG). "
                + "„plan.pdf“ hat keinen erlaubten Dateityp (erlaubt: JPEG, PNG). "
                + "„riesig.png“ ist eine Datei zu viel (höchstens 2).")
            #expect(hero.calls.isEmpty)
            #expect(try await app.store.perform { try $0.counts() } == OutboxStore.Counts())
            let incoming = app.store.attachmentFiles.root + "/.incoming"
            #expect((try? FileManager.default.contentsOfDirectory(atPath: incoming))?.isEmpty ?? true)

            let tooLarge = try await Self.post(
                client, Self.multipart(files: [("riesig.png", Self.png + Array(repeating: 0, count: 1024 * 1024))]))
            #expect((Self.json(tooLarge)["errors"] as? [String: String])?["attachments"]
                == "„riesig.png“ ist größer als 1 MB.")
        }
    }

    @Test func withoutJavaScriptTheFormComesBackWithTheErrorBesideTheInputAndTheValuesKept() async throws {
        try await withApp(configure: Self.withFiles()) { client, _, _ in
            let response = try await Self.post(client, Self.multipart(files: [("virus.jpg", Self.program)]), json: false)
            #expect(response.status == 422)
            let page = String(decoding: response.body, as: UTF8.self)
            #expect(page.contains("<p class=\"hf-error\" id=\"hf-attachments-error\">„virus.jpg“ hat keinen erlaubten"))
            #expect(page.contains("aria-describedby=\"hf-attachments-hint hf-attachments-error\""))
            #expect(page.contains("<a href=\"#hf-attachments\">Fotos oder Dokumente: „virus.jpg“"))
            #expect(page.contains("value=\"max@example.org\""))
            #expect(page.contains("enctype=\"multipart/form-data\""))
        }
    }

    @Test func aJPEGThatCannotBeReadIsRefusedByName() async throws {
        let broken: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x02, 0xFF] + Array(repeating: 0x41, count: 100)
        try await withApp(configure: Self.withFiles()) { client, hero, app in
            let response = try await Self.post(client, Self.multipart(files: [("kaputt.jpg", broken)]))
            #expect(response.status == 422)
            #expect((Self.json(response)["errors"] as? [String: String])?["attachments"]
                == "„kaputt.jpg“ ist kein lesbares Bild.")
            #expect(hero.calls.isEmpty)
            // It was being written when it turned out unreadable: staged, then discarded.
            let incoming = app.store.attachmentFiles.root + "/.incoming"
            #expect(try FileManager.default.contentsOfDirectory(atPath: incoming).isEmpty)
        }
    }

    @Test func aBodyOverTheRoutesLimitIsRefusedBeforeItIsRead() async throws {
        let policy = AttachmentPolicy(maxFiles: 2, maxFileBytes: 1024 * 1024)
        try await withApp(configure: Self.withFiles(policy)) { client, hero, _ in
            let head = "POST /leads HTTP/1.1\r\nHost: forms.example\r\n"
                + "Content-Type: multipart/form-data; boundary=\(Self.boundary)\r\nContent-Length: 2147483648\r\n\r\n"
            let response = try await client.send(head)
            #expect(response.status == 413)
            #expect(hero.calls.isEmpty)
            #expect(LeadEndpoint.bodyLimit(["default": FormDefinition(
                id: "default", measure: "DOG", partnerSource: "W")]) == 64 * 1024)
        }
    }

    @Test func aLargeBodyWithoutFilesIsRefused() async throws {
        try await withApp(configure: Self.withFiles()) { client, _, _ in
            let body = "email=a%40b.de&message=" + String(repeating: "x", count: 70_000)
            let response = try await HeroformAppTests.post(client, body, accept: "application/json")
            #expect(response.status == 413)
            #expect((Self.json(response)["message"] as? String)?.contains("only multipart/form-data") == true)
        }
    }

    /// README: a filled honeypot gets "exactly" the answer of success, "same status, same shape". A form that takes
    /// files answers a real lead with `"attachments": N`; the trap must too, or a bot tells the two apart.
    @Test func aFilledHoneypotOnAFormWithFilesAnswersInTheShapeOfARealLead() async throws {
        try await withApp(configure: Self.withFiles()) { client, hero, _ in
            let real = try await Self.post(client, Self.multipart(files: [("dach.jpg", Self.photo)]))
            #expect(real.status == 200)
            let filled = Self.fields + [("website", "http://spam.example")]
            let trapped = try await Self.post(client, Self.multipart(filled, files: [("dach.jpg", Self.photo)]))
            #expect(trapped.status == real.status)
            #expect(Set(Self.json(trapped).keys) == Set(Self.json(real).keys), "\(trapped.text) vs \(real.text)")
            #expect(Self.json(trapped)["attachments"] as? Int == 1)
            #expect(hero.createdProjects.count == 1, "the trapped one is not sent")
        }
    }

    /// Without files a body may hold `textBodyLimit` (64 KB for these forms): larger urlencoded or JSON bodies get 413
    /// (`aLargeBodyWithoutFilesIsRefused`). As multipart the same text goes up to the route's limit for uploads
    /// (51 MB here): 100 parts of up to 64 KB each are read into memory and taken — also for a form that takes no
    /// files at all.
    @Test func multipartTextIsHeldToTheLimitOfABodyWithoutFiles() async throws {
        try await withApp(configure: Self.withFiles()) { client, hero, app in
            var fields = Self.fields
            for index in 0..<90 { fields.append(("filler\(index)", String(repeating: "x", count: 60_000))) }
            let body = Self.multipart(fields, files: [], form: "english")
            #expect(body.count > 5_000_000)
            let response = try await Self.post(client, body)
            #expect(response.status == 413, "\(response.status) \(response.text.prefix(200))")
            #expect(try await app.store.perform { try $0.counts() } == OutboxStore.Counts())
            #expect(hero.calls.count == 0)
        }
    }

    @Test func theSameSubmissionTwiceIsOneLeadWithItsFilesOnce() async throws {
        try await withApp(configure: Self.withFiles()) { client, hero, app in
            try await app.start()
            let body = Self.multipart(files: [("dach.jpg", Self.photo)])
            let first = try await Self.post(client, body)
            let second = try await Self.post(client, body)
            let reference = Self.json(first)["reference"] as? String
            #expect(reference != nil)
            #expect(Self.json(second)["reference"] as? String == reference)
            _ = try await Self.waitForFiles(app, reference ?? "")
            #expect(hero.createdProjects.count == 1)
            #expect(hero.attachments.count == 1)
            let incoming = app.store.attachmentFiles.root + "/.incoming"
            #expect((try? FileManager.default.contentsOfDirectory(atPath: incoming))?.isEmpty ?? true)

            // Other photos with the same fields are another request.
            let other = try await Self.post(client, Self.multipart(files: [("plan.png", Self.png)]))
            #expect(Self.json(other)["reference"] as? String != reference)
        }
    }

    @Test func aFormWithoutFilesIgnoresThem() async throws {
        try await withApp { client, hero, app in
            let response = try await Self.post(client, Self.multipart(files: [("dach.jpg", Self.photo)]))
            #expect(response.status == 200)
            #expect(Self.json(response)["attachments"] == nil)
            let reference = try #require(Self.json(response)["reference"] as? String)
            #expect(try await app.store.perform { try $0.find(reference) }?.attachments.isEmpty == true)
            #expect(hero.uploadCalls.isEmpty)
        }
    }

    @Test func anUploadFailingThenRecoveringAttachesEachFileOnceToOneProject() async throws {
        try await withApp(retryPolicy: Self.fast, configure: Self.withFiles()) { client, hero, app in
            hero.uploadMode = .failing(status: 503, message: "Wartung")
            try await app.start()
            let response = try await Self.post(client, Self.multipart(files: [("a.jpg", Self.photo), ("b.png", Self.png)]))
            let reference = try #require(Self.json(response)["reference"] as? String)
            // The failed upload is recorded once the round ends.
            var waiting = try await app.store.perform { try $0.find(reference) }
            for _ in 0..<500 where waiting?.attachments.first?.lastError == nil {
                try await Task.sleep(for: .milliseconds(10))
                waiting = try await app.store.perform { try $0.find(reference) }
            }
            #expect(waiting?.status == .delivered)
            #expect(waiting?.attachments.first?.lastError == "HTTP 503")
            hero.uploadMode = .up
            let record = try #require(try await Self.waitForFiles(app, reference))
            #expect(record.attachments.map(\.state) == [.attached, .attached])
            #expect(hero.createdProjects.count == 1)
            #expect(hero.attachments.map(\.upload.filename) == ["a.jpg", "b.png"])
        }
    }

    @Test func aFileHEROrefusesFailsAloneAndIsKept() async throws {
        try await withApp(configure: Self.withFiles()) { client, hero, app in
            hero.setGraphQLMode(.errors("Bild konnte nicht verarbeitet werden"), for: [.uploadImage])
            try await app.start()
            let response = try await Self.post(
                client, Self.multipart(files: [("a.jpg", Self.photo), ("angebot.pdf", Self.pdf)]))
            let reference = try #require(Self.json(response)["reference"] as? String)
            let record = try #require(try await Self.waitForFiles(app, reference))
            #expect(record.attachments.map(\.state) == [.failed, .attached])
            #expect(record.attachments.first?.lastError?.contains("Bild konnte nicht verarbeitet werden") == true)
            #expect(FileManager.default.fileExists(atPath: app.store.attachmentFiles.path(of: reference, number: 1)))
            let counts = try await app.store.perform { try $0.fileCounts() }
            #expect(counts.failed == 1 && counts.pending == 0)

            let metrics = String(
                decoding: try await client.send("GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n").body, as: UTF8.self)
            #expect(metrics.contains("heroform_outbox_files{state=\"failed\"} 1\n"))
            #expect(metrics.contains("heroform_outbox_files{state=\"pending\"} 0\n"))
            #expect(metrics.contains("heroform_file_uploads_total{outcome=\"uploaded\"} 2\n"))
            #expect(metrics.contains("heroform_file_upload_bytes_total \(record.attachments.map(\.size).reduce(0, +))\n"))
            let ready = Self.json(try await client.send("GET /readyz HTTP/1.1\r\nHost: localhost\r\n\r\n"))
            #expect((ready["files"] as? [String: Int]) == ["pending": 0, "failed": 1])
        }
    }

    @Test func dryRunStoresTheFilesAndMarksThemAttached() async throws {
        try await withApp(live: false, configure: Self.withFiles()) { client, hero, app in
            try await app.start()
            let response = try await Self.post(client, Self.multipart(files: [("a.jpg", Self.photo)]))
            let reference = try #require(Self.json(response)["reference"] as? String)
            let record = try #require(try await Self.waitForFiles(app, reference))
            #expect(record.attachments.map(\.state) == [.attached])
            #expect(hero.uploadCalls.isEmpty && hero.graphQLCalls.isEmpty)
        }
    }

    /// The same body sent over a real socket.
    static func post(_ server: HTTPServer, _ body: [UInt8]) async throws -> RawResponse {
        let client = try await RawClient.connect(port: server.port)
        let head =
            "POST /leads HTTP/1.1\r\nHost: forms.example\r\nAccept: application/json\r\n"
            + "Content-Type: multipart/form-data; boundary=\(boundary)\r\nContent-Length: \(body.count)\r\n\r\n"
        try await client.send(Array(head.utf8) + body)
        return try await client.readResponse()
    }

    @Test func overARealSocketFilesAreTakenAndRefusedAsInProcess() async throws {
        try await withAppOverSockets(configure: Self.withFiles(AttachmentPolicy(maxFiles: 2, maxFileBytes: 4 << 20))) {
            server, hero, app in
            try await app.start()
            // 2.5 MB: past the spool threshold, so the body arrives as a file.
            let large = Self.png + Array(repeating: 0x42, count: 2_500_000)
            let taken = try await Self.post(server, Self.multipart(files: [("dach.jpg", Self.photo), ("gross.png", large)]))
            #expect(taken.status == 200, "\(String(decoding: taken.body, as: UTF8.self))")
            #expect(Self.json(taken)["attachments"] as? Int == 2)
            let reference = try #require(Self.json(taken)["reference"] as? String)
            #expect(try await Self.waitForFiles(app, reference)?.attachments.map(\.state) == [.attached, .attached])
            #expect(hero.attachments.map(\.upload.size).last == (try PNGMetadataStripper.strip(large)).count)

            let renamed = try await Self.post(server, Self.multipart(files: [("bild.jpg", Self.program)]))
            #expect(renamed.status == 422)
            #expect((Self.json(renamed)["errors"] as? [String: String])?["attachments"]?.contains("bild.jpg") == true)

            // A hundred files: more parts than a form has, refused as a malformed body without storing anything.
            let many = try await Self.post(server, Self.multipart(files: (1...100).map { ("f\($0).png", Self.png) }))
            #expect(many.status == 400)
            #expect(String(decoding: many.body, as: UTF8.self).contains("more than 100 parts"))

            // Declared larger than the route takes: refused from the head, before a byte of the body.
            let client = try await RawClient.connect(port: server.port)
            try await client.send(
                "POST /leads HTTP/1.1\r\nHost: forms.example\r\nContent-Type: multipart/form-data; "
                    + "boundary=\(Self.boundary)\r\nContent-Length: 2147483648\r\n\r\n")
            #expect(try await client.readResponse().status == 413)
            #expect(hero.createdProjects.count == 1)
            #expect(try FileManager.default.contentsOfDirectory(atPath: app.config.storage.spoolDirectory).isEmpty)
        }
    }
}
