import FormCore
import Foundation
import HeroStandIn
import HTTPTesting
import Testing

/// The files a test chooses, in a folder of their own (chromedriver takes local paths): the fixtures — a small real
/// JPEG photo, a PNG plan, a photo saved as PNG — and made-up ones: a PDF, a "JPEG" over the default form's 1 MB,
/// a small broken "JPEG", a program named `.pdf`, and copies of the plan.
struct ChosenFiles {
    static let fixtures = repository.appendingPathComponent("Tests/HeroformBrowserTests/Fixtures")
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("heroform-files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in ["dach.jpg", "plan.png", "garten.png"] {
            try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        let plan = try Data(contentsOf: Self.fixtures.appendingPathComponent("plan.png"))
        for copy in ["plan-1.png", "plan-2.png", "plan-3.png"] { try plan.write(to: folder.appendingPathComponent(copy)) }
        let pdf = "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
        try Data(pdf.utf8).write(to: folder.appendingPathComponent("angebot.pdf"))
        let large = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10] + Array("JFIF".utf8) + [0, 1, 1, 0, 0, 1, 0, 1, 0, 0]
            + [UInt8](repeating: 0x55, count: 1_200_000) + [0xFF, 0xD9]
        try Data(large).write(to: folder.appendingPathComponent("gross.jpg"))
        // Starts like a JPEG (so the page takes it) but is none: only the server, reading it whole, refuses it.
        try Data(large.prefix(2000)).write(to: folder.appendingPathComponent("kaputt.jpg"))
        let program = Array("MZ".utf8) + [0x90, 0x00, 0x03] + [UInt8](repeating: 0, count: 200)
        try Data(program).write(to: folder.appendingPathComponent("rechnung.pdf"))
    }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    static func bytes(_ name: String) -> [UInt8] {
        Array((try? Data(contentsOf: fixtures.appendingPathComponent(name))) ?? Data())
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }
}

/// Scripts the file tests run in the page.
enum FileScripts {
    /// True when `count` thumbnails are shown, each decoded.
    static func thumbnailsLoaded(_ count: Int) -> String {
        "return Array.from(document.querySelectorAll('.hf-file img.hf-file-thumb')).filter(i => i.complete && i.naturalWidth > 0).length === \(count)"
    }

    static let names = "return Array.from(document.querySelectorAll('.hf-file-name')).map(n => n.textContent)"

    /// Each listed file's problem ("" when it has none), in list order.
    static let problems =
        "return Array.from(document.querySelectorAll('.hf-file')).map(li => { const e = li.querySelector('.hf-error'); return e ? e.textContent : ''; })"

    /// Clicks the remove button of the file named `arguments[0]`.
    static let remove = """
        const item = Array.from(document.querySelectorAll('.hf-file')).find(li => li.querySelector('.hf-file-name').textContent === arguments[0]);
        item.querySelector('.hf-file-remove').click();
        return true;
        """

    /// The file input is described by its hint and by every listed problem.
    static let describedByEveryProblem = """
        const ids = document.getElementById('hf-attachments').getAttribute('aria-describedby').split(' ');
        const problems = Array.from(document.querySelectorAll('.hf-file .hf-error'));
        return ids[0] === 'hf-attachments-hint' && problems.length > 0 && problems.every(p => ids.indexOf(p.id) >= 0)
          && ids.length === problems.length + 1;
        """

    /// Whether the image at the object URL `arguments[0]` still loads ("readable") or was given back ("revoked").
    static let objectURLState = """
        const done = arguments[arguments.length - 1];
        const image = new Image();
        image.onload = () => done('readable');
        image.onerror = () => done('revoked');
        image.src = arguments[0];
        """

    /// Notes every progress bar that appears, with its label and its live region, so a test can look at it after
    /// the form (and the bar with it) is gone.
    static let watchProgress = """
        window.heroformProgress = [];
        new MutationObserver(records => records.forEach(record => record.addedNodes.forEach(node => {
          if (node.nodeName === 'PROGRESS') {
            window.heroformProgress.push({ bar: node, label: node.labels.length ? node.labels[0].textContent : '',
                                           live: node.parentNode.getAttribute('aria-live') });
          }
        }))).observe(document.body, { childList: true, subtree: true });
        return true;
        """
}

/// Polls `condition` until it holds or `timeout` passes (HERO's stand-in gets the files from the delivery worker).
func eventually(timeout: Duration = .seconds(15), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(100))
    }
    return condition()
}

/// Width and height from a JPEG's start-of-frame segment.
func jpegSize(_ bytes: [UInt8]) -> [Int]? {
    var index = 2
    while index + 9 < bytes.count {
        guard bytes[index] == 0xFF else { return nil }
        let marker = bytes[index + 1]
        if marker == 0xFF {
            index += 1
            continue
        }
        let length = Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
        if (0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker) {
            return [Int(bytes[index + 7]) << 8 | Int(bytes[index + 8]), Int(bytes[index + 5]) << 8 | Int(bytes[index + 6])]
        }
        index += 2 + length
    }
    return nil
}

/// File uploads in the browser: part of `BrowserTests`, so they run one after another like the rest of the suite.
extension BrowserTests {
    @Test func withJavaScriptChosenFilesAreShownCheckedAndUploadedWithProgress() async throws {
        let origins = try await TwoOrigins()
        try await origins.runThenStop {
            let files = try ChosenFiles()
            let browser = try await WebDriver()
            do {
                try await browser.open(origins.formOrigin + "/")
                try await browser.choose("#hf-attachments", files: [files.path("dach.jpg"), files.path("plan.png")])
                #expect(try await browser.waitUntil(FileScripts.thumbnailsLoaded(2)), "two thumbnails")
                #expect(try await browser.run(FileScripts.names) as? [String] == ["dach.jpg", "plan.png"])
                #expect(try await browser.run("return Array.from(document.querySelectorAll('.hf-file-size')).every(s => / KB$/.test(s.textContent))") as? Bool == true)
                #expect(try await browser.run("return document.querySelectorAll('.hf-file-remove')[1].getAttribute('aria-label')") as? String
                        == "„plan.png“ entfernen")
                let kept = try await browser.run(
                    "return document.querySelectorAll('.hf-file img')[0].src") as? String ?? ""
                let removed = try await browser.run("return document.querySelectorAll('.hf-file img')[1].src") as? String ?? ""
                #expect(removed.hasPrefix("blob:"), "\(removed)")

                // Removed by keyboard: the focus moves to the remaining file's button; the thumbnail's memory is given back.
                try await browser.type("#hf-attachments-list li:nth-child(2) .hf-file-remove", "\u{E007}")
                #expect(try await browser.waitUntil("return document.querySelectorAll('.hf-file').length === 1"))
                #expect(try await browser.run("return document.activeElement.getAttribute('aria-label')") as? String == "„dach.jpg“ entfernen")
                #expect(try await browser.runAsync(FileScripts.objectURLState, [removed]) as? String == "revoked")
                #expect(try await browser.runAsync(FileScripts.objectURLState, [kept]) as? String == "readable")

                // Too large, and a program called .pdf (refused by its first bytes): each named beside itself.
                try await browser.choose(
                    "#hf-attachments", files: [files.path("gross.jpg"), files.path("rechnung.pdf")])
                #expect(
                    try await browser.waitUntil("return document.querySelectorAll('.hf-file--invalid').length === 2"))
                let problems = try await browser.run(FileScripts.problems) as? [String] ?? []
                #expect(problems.count == 3 && problems[0].isEmpty, "\(problems)")
                #expect(problems.count == 3 && problems[1].contains("„gross.jpg“ ist größer als 1 MB"), "\(problems)")
                #expect(problems.count == 3 && problems[2].contains("„rechnung.pdf“ hat keinen erlaubten Dateityp"), "\(problems)")
                #expect(try await browser.run(FileScripts.describedByEveryProblem) as? Bool == true)
                #expect(try await browser.run("return document.getElementById('hf-attachments').getAttribute('aria-invalid')") as? String == "true")

                // One too many (the form takes 3): refused until another file goes, and then taken.
                try await browser.choose("#hf-attachments", files: ["plan-1.png", "plan-2.png", "plan-3.png"].map(files.path))
                #expect(try await browser.waitUntil(FileScripts.thumbnailsLoaded(4)))
                #expect(
                    try await browser.waitUntil("return document.querySelectorAll('.hf-file--invalid').length === 3"))
                #expect((try await browser.run(FileScripts.problems) as? [String])?.last?.contains("„plan-3.png“ ist eine Datei zu viel") == true)
                try await browser.run(FileScripts.remove, ["plan-1.png"])
                #expect(
                    try await browser.waitUntil("return document.querySelectorAll('.hf-file--invalid').length === 2"))
                #expect((try await browser.run(FileScripts.problems) as? [String])?.last == "")
                try await browser.run(FileScripts.remove, ["plan-2.png"])
                try await browser.run(FileScripts.remove, ["plan-3.png"])
                #expect(
                    try await browser.run(FileScripts.names) as? [String] == ["dach.jpg", "gross.jpg", "rechnung.pdf"])

                // Sent: the fields and the one good file, with a progress bar while it goes up.
                try await browser.run(fillScript, [goodLead])
                try await browser.run(FileScripts.watchProgress)
                try await browser.click("button[type=submit]")
                #expect(try await browser.waitUntil("return !!document.querySelector('.hf-success')"))
                let progress = try await browser.run("""
                    const p = window.heroformProgress[0];
                    return p ? [p.label, p.live, p.bar.max > 0 && p.bar.value === p.bar.max] : [];
                    """) as? [Any] ?? []
                #expect(progress.count == 3, "a progress bar appeared")
                if progress.count == 3 {
                    #expect((progress[0] as? String)?.contains("Wird gesendet") == true, "\(progress)")
                    #expect(progress[1] as? String == "polite")
                    #expect(progress[2] as? Bool == true, "the bar reached its end")
                }
                #expect(try await browser.runAsync(FileScripts.objectURLState, [kept]) as? String == "revoked")
                #expect(await eventually { origins.hero.attachments.count == 1 }, "\(origins.hero.attachments.map(\.upload.filename))")
                let attached = origins.hero.attachments
                #expect(attached.map(\.upload.filename) == ["dach.jpg"])
                #expect(attached.map(\.kind) == [.image])
                #expect(attached.first?.upload.bytes.map { Array($0.prefix(3)) } == [0xFF, 0xD8, 0xFF])
                #expect(origins.hero.createdProjects.count == 1)
            } catch {
                Issue.record(error)
            }
            await browser.quit()
            files.remove()
        }
    }

    @Test func withJavaScriptTheServersRefusalOfAFileShowsBesideTheInput() async throws {
        let origins = try await TwoOrigins()
        try await origins.runThenStop {
            let files = try ChosenFiles()
            let browser = try await WebDriver()
            do {
                try await browser.open(origins.formOrigin + "/")
                try await browser.run(fillScript, [goodLead])
                try await browser.choose("#hf-attachments", files: [files.path("kaputt.jpg")])
                #expect(try await browser.waitUntil("return document.querySelectorAll('.hf-file .hf-file-icon').length === 1"),
                        "a JPEG the browser cannot show gets the kind's mark")
                #expect(try await browser.run(FileScripts.problems) as? [String] == [""])
                try await browser.click("button[type=submit]")
                #expect(try await browser.waitUntil("return !!document.getElementById('hf-attachments-error')"))
                let message = try await browser.run("return document.getElementById('hf-attachments-error').textContent") as? String ?? ""
                #expect(message.contains("„kaputt.jpg“ ist kein lesbares Bild"), "\(message)")
                #expect(try await browser.run("return document.activeElement.id") as? String == "hf-attachments", "focus on the file input")
                #expect(try await browser.run("return document.getElementById('hf-attachments').getAttribute('aria-describedby')") as? String
                        == "hf-attachments-hint hf-attachments-error")
                #expect(try await browser.run("return document.querySelector('.hf-summary a').getAttribute('href')") as? String == "#hf-attachments")
                #expect(try await browser.run("return document.querySelector('button[type=submit]').disabled") as? Bool == false)
                #expect(origins.hero.createdProjects.isEmpty)
                // The broken file out, a photo in: sent.
                try await browser.run(FileScripts.remove, ["kaputt.jpg"])
                try await browser.choose("#hf-attachments", files: [files.path("dach.jpg")])
                #expect(try await browser.waitUntil(FileScripts.thumbnailsLoaded(1)))
                try await browser.click("button[type=submit]")
                #expect(try await browser.waitUntil("return !!document.querySelector('.hf-success')"))
                #expect(await eventually { origins.hero.attachments.count == 1 })
                #expect(origins.hero.attachments.map(\.upload.filename) == ["dach.jpg"])
            } catch {
                Issue.record(error)
            }
            await browser.quit()
            files.remove()
        }
    }

    @Test func withoutJavaScriptFilesArePostedWithTheForm() async throws {
        let origins = try await TwoOrigins()
        try await origins.runThenStop {
            let files = try ChosenFiles()
            let browser = try await WebDriver(javascript: false)
            do {
                try await browser.open(origins.formOrigin + "/")
                try await browser.type("#hf-last_name", "O'Brien")
                try await browser.type("#hf-email", "nojs-files@example.org")
                try await browser.type("#hf-zipcode", "30449")
                try await browser.click("#hf-consent")
                // A program called .pdf: the page comes back naming it beside the input, the values kept.
                try await browser.choose("#hf-attachments", files: [files.path("rechnung.pdf")])
                try await browser.click("button[type=submit]")
                let refused = try await browser.source(containing: "id=\"hf-attachments-error\"")
                #expect(refused.contains("„rechnung.pdf“ hat keinen erlaubten Dateityp"))
                #expect(refused.contains("nojs-files@example.org"))
                #expect(origins.hero.createdProjects.isEmpty)
                // Two photos chosen again, as browsers require: the thank-you page, and HERO gets both.
                try await browser.choose("#hf-attachments", files: [files.path("dach.jpg"), files.path("plan.png")])
                try await browser.click("button[type=submit]")
                // The refused page names the thank-you title too (in the form's data-success-title): the address tells.
                let url = try await browser.url(containing: "/thanks?ref=")
                #expect(url.contains("/thanks?ref="), "\(url)")
                #expect(try await browser.source(containing: "Vielen Dank!").contains("Vielen Dank!"))
                #expect(await eventually { origins.hero.attachments.count == 2 }, "\(origins.hero.attachments.map(\.upload.filename))")
                #expect(origins.hero.attachments.map(\.upload.filename).sorted() == ["dach.jpg", "plan.png"])
                #expect(origins.hero.attachments.first { $0.upload.filename == "plan.png" }?.upload.bytes == ChosenFiles.bytes("plan.png"))
                #expect(origins.hero.createdProjects.count == 1)
            } catch {
                Issue.record(error)
            }
            await browser.quit()
            files.remove()
        }
    }

    @Test func embeddedFormGrowsAsThumbnailsAppearAndShrinksAsTheyGo() async throws {
        let origins = try await TwoOrigins()
        try await origins.runThenStop {
            let files = try ChosenFiles()
            let browser = try await WebDriver()
            do {
                let frameHeight =
                    "return document.querySelector('iframe.heroform-frame').getBoundingClientRect().height"
                try await browser.open(origins.siteOrigin + "/embed.html")
                #expect(try await browser.waitUntil("const f = document.querySelector('iframe.heroform-frame'); return !!f && f.style.height !== '600px'"))
                let before = try await browser.run(frameHeight) as? Double ?? 0
                try await browser.switchToFrame("iframe.heroform-frame")
                try await browser.choose("#hf-attachments", files: [files.path("dach.jpg"), files.path("plan.png")])
                #expect(try await browser.waitUntil(FileScripts.thumbnailsLoaded(2)))
                try await browser.switchToFrame(nil)
                #expect(try await browser.waitUntil("\(frameHeight) > \(before + 100)"), "the frame grew with the thumbnails")
                try await browser.switchToFrame("iframe.heroform-frame")
                try await browser.run(FileScripts.remove, ["dach.jpg"])
                try await browser.run(FileScripts.remove, ["plan.png"])
                #expect(try await browser.waitUntil("return document.querySelectorAll('.hf-file').length === 0"))
                try await browser.switchToFrame(nil)
                #expect(try await browser.waitUntil("\(frameHeight) < \(before + 10)"), "and shrank when they went")
            } catch {
                Issue.record(error)
            }
            await browser.quit()
            files.remove()
        }
    }

    @Test func largePhotosAreScaledDownBeforeSending() async throws {
        let origins = try await TwoOrigins()
        try await origins.runThenStop {
            let files = try ChosenFiles()
            let browser = try await WebDriver()
            do {
                // The "photos" form scales to 64 px on the longer side.
                try await browser.open(origins.formOrigin + "/forms/photos")
                #expect(try await browser.run("return document.getElementById('hf-attachments').getAttribute('data-resize-max-px')") as? String == "64")
                try await browser.choose(
                    "#hf-attachments", files: ["dach.jpg", "garten.png", "plan.png"].map(files.path))
                #expect(try await browser.waitUntil(FileScripts.thumbnailsLoaded(3)))
                #expect(try await browser.run(FileScripts.names) as? [String] == ["dach.jpg", "garten.png", "plan.png"])
                try await browser.run(fillScript, [goodLead])
                try await browser.click("button[type=submit]")
                #expect(try await browser.waitUntil("return !!document.querySelector('.hf-success')"))
                #expect(await eventually { origins.hero.attachments.count == 3 }, "\(origins.hero.attachments.map(\.upload.filename))")
                let attached = origins.hero.attachments
                // The photos as JPEGs of 64 px; the plan's JPEG would be larger than its PNG, so it goes as it was.
                #expect(attached.map(\.upload.filename) == ["dach.jpg", "garten.jpg", "plan.png"])
                let sizes = attached.map { $0.upload.bytes.flatMap(jpegSize) }
                #expect(sizes == [[64, 48], [64, 48], nil], "\(sizes)")
                #expect(attached.last?.upload.bytes == ChosenFiles.bytes("plan.png"))
                #expect((attached.first?.upload.size ?? .max) < ChosenFiles.bytes("dach.jpg").count)
            } catch {
                Issue.record(error)
            }
            await browser.quit()
            files.remove()
        }
    }
}
