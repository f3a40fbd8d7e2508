import FormCore
import Foundation
import HeroStandIn
import HTTPServer
import HTTPTesting
import JSON
import Logging
import Synchronization
import Testing
@testable import HeroformApp

/// CI sets HEROFORM_REQUIRE_BROWSER=1 and installs chromium: there a missing browser is a failure, not a skip.
let browserRequired = ProcessInfo.processInfo.environment["HEROFORM_REQUIRE_BROWSER"] == "1"
let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

@Test func browserToolsArePresentWhereRequired() {
    if browserRequired { #expect(WebDriver.isAvailable, "chromium and chromium-driver must be installed") }
}

/// heroform on one loopback origin and a company "site" on another, with HERO's stand-in behind heroform.
final class TwoOrigins: Sendable {
    let hero = HeroStandIn(apiKey: "browser-key")
    let site: HTTPServer
    let app: HeroformApplication
    let form: HTTPServer
    let dataDir = NSTemporaryDirectory() + "heroform-browser-\(UUID().uuidString)"

    var formOrigin: String { "http://127.0.0.1:\(form.port)" }
    var siteOrigin: String { "http://127.0.0.1:\(site.port)" }

    /// Starts the stand-in and both servers; what started is stopped again when a later step fails.
    init() async throws {
        try hero.start()
        var quiet = Logger(label: "browser")
        quiet.logLevel = .critical
        // The site's pages are built after the form server is up, so they know its origin: a small indirection.
        let formPort = PortBox()
        var siteRouter = Router()
        siteRouter.get("/embed.html") { _ in
            .html(SitePages.embed(formOrigin: "http://127.0.0.1:\(formPort.value)"))
        }
        siteRouter.get("/embed-service.html") { _ in
            .html(SitePages.embed(formOrigin: "http://127.0.0.1:\(formPort.value)", form: "trades",
                                  extra: #" data-service="heizung" data-lang="en""#))
        }
        siteRouter.get("/snippet.html") { _ in
            .html(SitePages.snippet(formOrigin: "http://127.0.0.1:\(formPort.value)"))
        }
        let site = HTTPServer(
            configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0), responder: siteRouter, logger: quiet)
        do {
            try site.start()
            let config = Self.config(hero: hero, sitePort: site.port, dataDir: dataDir)
            let app = try HeroformApplication(config: config, apiKey: hero.apiKey, logger: quiet, environment: [:])
            do {
                // The delivery worker attaches the files to the project once it exists.
                try await app.start()
                form = app.makeServer(logger: quiet)
                try form.start()
            } catch {
                await app.stop()
                throw error
            }
            self.site = site
            self.app = app
        } catch {
            await site.shutdown(gracePeriod: .seconds(1))
            await hero.stop()
            try? FileManager.default.removeItem(atPath: dataDir)
            throw error
        }
        formPort.set(form.port)
    }

    private static func config(hero: HeroStandIn, sitePort: UInt16, dataDir: String) -> AppConfig {
        var config = AppConfig()
        config.server.port = 0
        config.server.publicDir = repository.appendingPathComponent("Public").path
        config.storage.dataDir = dataDir
        config.hero.endpoint = hero.endpoint.absoluteString
        config.hero.graphQLEndpoint = hero.graphQLEndpoint.absoluteString
        config.hero.uploadEndpoint = hero.uploadEndpoint.absoluteString
        config.hero.documentTypeID = 1_250_455
        config.hero.timeout = .seconds(5)
        config.security.minFillTime = 0
        config.security.allowedOrigins = ["http://127.0.0.1:\(sitePort)"]
        config.forms["default"] = FormDefinition(id: "default", measure: "DOG", partnerSource: "Browser", title: "Ihre Anfrage",
                                                 privacyURL: "/datenschutz")
        // Files: the default form takes them (1 MB each, so a test can choose one too large); "photos" scales them down.
        config.forms["default"]?.attachments = AttachmentPolicy(maxFiles: 3, maxFileBytes: 1024 * 1024)
        config.forms["photos"] = FormDefinition(id: "photos", measure: "DOG", partnerSource: "Browser Fotos", title: "Fotos",
                                                privacyURL: "/datenschutz")
        config.forms["photos"]?.attachments = AttachmentPolicy(resizeMaxPixels: 64)
        config.forms["english"] = FormDefinition(id: "english", measure: "DOG", partnerSource: "Browser EN", title: "Your request",
                                                 language: .en, privacyURL: "/privacy")
        // Own questions: optional ones on the forms the screenshots show, a required one on "trades".
        config.forms["default"]?.questions = TradeQuestions.all(required: false)
        config.forms["english"]?.questions = TradeQuestions.all(required: false)
        config.forms["trades"] = FormDefinition(id: "trades", measure: "DOG", partnerSource: "Browser Gewerke",
                                                title: "Anfrage", privacyURL: "/datenschutz")
        config.forms["trades"]?.questions = TradeQuestions.all(required: true)
        return config
    }

    func stop() async {
        await form.shutdown(gracePeriod: .seconds(1))
        await site.shutdown(gracePeriod: .seconds(1))
        await app.stop()
        await hero.stop()
        try? FileManager.default.removeItem(atPath: dataDir)
    }

    /// Runs `body`, then stops everything, whether `body` returned or threw: a test's servers are stopped, and
    /// awaited, before the test ends.
    func runThenStop(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            await stop()
            throw error
        }
        await stop()
    }
}

/// The form server's port, set once it listens.
final class PortBox: Sendable {
    private let port = Atomic<UInt16>(0)
    var value: UInt16 { port.load(ordering: .acquiring) }
    func set(_ value: UInt16) { port.store(value, ordering: .releasing) }
}

/// The company site's pages: the embed script, and the README's site-JS snippet.
enum SitePages {
    static func embed(formOrigin: String, form: String = "default", extra: String = "") -> String {
        """
        <!doctype html><html lang="de"><head><meta charset="utf-8"><title>Dachdecker Muster</title></head>
        <body><h1>Dachdecker Muster</h1><p>Unser Kontaktformular:</p>
        <div id="contact"><script src="\(formOrigin)/embed.js" data-form="\(form)"\(extra) async></script></div>
        <script>
          window.heroformEvents = [];
          document.addEventListener("heroform:success", function (e) { window.heroformEvents.push(e.detail.reference); });
        </script></body></html>
        """
    }

    static func snippet(formOrigin: String) -> String {
        let readme = (try? String(contentsOf: repository.appendingPathComponent("README.md"), encoding: .utf8)) ?? ""
        let start = readme.range(of: "<!-- site-js-snippet -->\n```html\n")
        let end = readme.range(of: "```\n<!-- /site-js-snippet -->")
        let snippet = start.flatMap { start in end.map { String(readme[start.upperBound..<$0.lowerBound]) } } ?? "<p>snippet missing from README</p>"
        return "<!doctype html><html lang=\"de\"><head><meta charset=\"utf-8\"><title>Site</title></head><body>"
            + snippet.replacingOccurrences(of: "https://forms.example.de", with: formOrigin) + "</body></html>"
    }
}

let fillScript = """
    const values = arguments[0];
    for (const [name, value] of Object.entries(values)) {
      const field = document.querySelector('[name="' + name + '"]');
      if (field.type === 'checkbox') { field.checked = value === 'on'; } else { field.value = value; }
    }
    return true;
    """

let goodLead: [String: String] = [
    "salutation": "Frau", "first_name": "Jürgen-Özlem", "last_name": "O'Brien", "email": "browser@example.org",
    "zipcode": "30449", "city": "Hannover", "message": "Das Dach ist undicht.", "consent": "on",
]

@Suite(.serialized, .enabled(if: WebDriver.isAvailable, "needs chromium and chromium-driver"))
struct BrowserTests {
    @Test func withoutJavaScriptTheFormPostsAndShowsTheThankYouPage() async throws {
        let origins = try await TwoOrigins()
        try await origins.runThenStop {
            let browser = try await WebDriver(javascript: false)
            do {
                try await browser.open(origins.formOrigin + "/")
                try await browser.click("button[type=submit]")
                let errors = try await browser.source(containing: "Bitte füllen Sie dieses Feld aus.")
                #expect(errors.contains("Bitte füllen Sie dieses Feld aus."))
                #expect(errors.contains("aria-invalid=\"true\""))
                try await browser.type("#hf-last_name", "O'Brien")
                try await browser.type("#hf-email", "nojs@example.org")
                try await browser.type("#hf-zipcode", "30449")
                try await browser.click("#hf-consent")
                try await browser.click("button[type=submit]")
                // The refused page names the thank-you title too (in the form's data-success-title): the address tells.
                let url = try await browser.url(containing: "/thanks?ref=")
                #expect(url.contains("/thanks?ref="), "\(url)")
                #expect(try await browser.source(containing: "Vielen Dank!").contains("Vielen Dank!"))
                #expect(origins.hero.createdProjects.count == 1)
            } catch {
                Issue.record(error)
            }
            await browser.quit()
        }
    }

    @Test func withJavaScriptErrorsShowInlineAndTheReferenceAfterSending() async throws {
        let origins = try await TwoOrigins()
        try await origins.runThenStop {
            let browser = try await WebDriver()
            do {
                try await browser.open(origins.formOrigin + "/")
                try await browser.click("button[type=submit]")
                #expect(try await browser.waitUntil("return !!document.getElementById('hf-email-error')"))
                #expect(try await browser.currentURL == origins.formOrigin + "/", "no reload")
                #expect(try await browser.run("return document.activeElement.id") as? String == "hf-last_name", "focus on the first error")
                #expect(try await browser.run("return document.getElementById('hf-email').getAttribute('aria-describedby')") as? String == "hf-email-error")
                #expect(try await browser.run("return document.querySelector('.hf-summary').getAttribute('role')") as? String == "alert")
                try await browser.run(fillScript, [goodLead])
                try await browser.click("button[type=submit]")
                #expect(try await browser.waitUntil("return !!document.querySelector('.hf-success')"))
                let reference = try await browser.run("return document.querySelector('.hf-reference').textContent") as? String ?? ""
                #expect(Reference.isWellFormed(reference), "\(reference)")
                #expect(try await browser.run("return document.activeElement.className") as? String == "hf-success")
                let project = try #require(origins.hero.createdProjects.first)
                #expect(project["customer"]?["last_name"] == "O'Brien")
            } catch {
                Issue.record(error)
            }
            await browser.quit()
        }
    }

    @Test func embeddedFormGrowsWithItsContentAndReportsSuccess() async throws {
        let origins = try await TwoOrigins()
        try await origins.runThenStop {
            let browser = try await WebDriver()
            do {
                try await browser.open(origins.siteOrigin + "/embed.html")
                #expect(try await browser.waitUntil("const f = document.querySelector('iframe.heroform-frame'); return !!f && f.style.height !== '600px'"))
                let before = try await browser.run("return document.querySelector('iframe.heroform-frame').getBoundingClientRect().height") as? Double ?? 0
                #expect(before > 900, "the whole form is visible without scrolling inside the frame")
                try await browser.switchToFrame("iframe.heroform-frame")
                try await browser.click("button[type=submit]")
                #expect(try await browser.waitUntil("return !!document.getElementById('hf-email-error')"))
                try await browser.switchToFrame(nil)
                #expect(try await browser.waitUntil("return document.querySelector('iframe.heroform-frame').getBoundingClientRect().height > \(before + 40)"),
                        "the frame grew with the error messages")
                try await browser.switchToFrame("iframe.heroform-frame")
                try await browser.run(fillScript, [goodLead])
                try await browser.click("button[type=submit]")
                #expect(try await browser.waitUntil("return !!document.querySelector('.hf-success')"))
                try await browser.switchToFrame(nil)
                #expect(try await browser.waitUntil("return window.heroformEvents.length === 1"), "the page heard of the success")
                #expect(try await browser.waitUntil("return document.querySelector('iframe.heroform-frame').getBoundingClientRect().height < \(before)"),
                        "and the frame shrank to the thank-you note")
            } catch {
                Issue.record(error)
            }
            await browser.quit()
        }
    }

    @Test func siteJavaScriptSnippetSendsFromAnotherOrigin() async throws {
        let origins = try await TwoOrigins()
        try await origins.runThenStop {
            let files = try ChosenFiles()
            let browser = try await WebDriver()
            do {
                try await browser.open(origins.siteOrigin + "/snippet.html")
                try await browser.click("#contact-form button[type=submit]")
                #expect(try await browser.waitUntil("return document.querySelector('#contact-form [data-error-for=\"email\"]').textContent.length > 0"))
                try await browser.type("#contact-form [name=last_name]", "Snippet")
                try await browser.type("#contact-form [name=email]", "snippet@example.org")
                try await browser.type("#contact-form [name=zipcode]", "30449")
                try await browser.click("#contact-form [name=consent]")
                // The README's file input: a file the server refuses by its bytes is named, then a photo goes along.
                try await browser.choose("#contact-form [name=attachments]", files: [files.path("rechnung.pdf")])
                try await browser.click("#contact-form button[type=submit]")
                #expect(try await browser.waitUntil("return document.querySelector('#contact-form [data-error-for=\"attachments\"]').textContent.indexOf('rechnung.pdf') >= 0"))
                try await browser.run("document.querySelector('#contact-form [name=attachments]').value = ''")
                try await browser.choose("#contact-form [name=attachments]", files: [files.path("dach.jpg")])
                try await browser.click("#contact-form button[type=submit]")
                #expect(try await browser.waitUntil("return /[A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{3}/.test(document.querySelector('#contact-result').textContent)"))
                #expect(origins.hero.createdProjects.first?["customer"]?["email"] == "snippet@example.org")
                #expect(await eventually { origins.hero.attachments.map(\.upload.filename) == ["dach.jpg"] }, "\(origins.hero.attachments)")
            } catch {
                Issue.record(error)
            }
            await browser.quit()
            files.remove()
        }
    }

    @Test func screenshotsAndAccessibilityCheck() async throws {
        let origins = try await TwoOrigins()
        try await origins.runThenStop {
            let files = try ChosenFiles()
            let folder = repository.appendingPathComponent("screenshots")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let axe = AxeCore.script
            if browserRequired { #expect(axe != nil, "axe-core (pip install axe-selenium-python) is needed in CI") }
            let browser = try await WebDriver()
            do {
                for (language, path) in [("de", "/"), ("en", "/forms/english")] {
                    for (device, width, height) in [("desktop", 1280, 1600), ("mobile", 390, 2200)] {
                        try await browser.resize(width: width, height: height)
                        try await browser.open(origins.formOrigin + path)
                        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                        try await browser.screenshot().write(to: folder.appendingPathComponent("form-\(language)-\(device).png"))
                        try await browser.click("button[type=submit]")
                        #expect(try await browser.waitUntil("return !!document.querySelector('.hf-error')"))
                        try await browser.screenshot().write(to: folder.appendingPathComponent("form-\(language)-\(device)-errors.png"))
                        if let axe {
                            let violations = try await AxeCore.violations(browser, script: axe)
                            #expect(violations.isEmpty, "\(language) \(device): \(violations)")
                        }
                    }
                }
                // The file list: thumbnails, the kind of a PDF, remove buttons, a file's problem beside it.
                for (device, width, height) in [("desktop", 1280, 1600), ("mobile", 390, 2200)] {
                    try await browser.resize(width: width, height: height)
                    try await browser.open(origins.formOrigin + "/")
                    try await browser.choose("#hf-attachments", files: [files.path("dach.jpg"), files.path("plan.png"), files.path("angebot.pdf")])
                    try await browser.choose("#hf-attachments", files: [files.path("gross.jpg")])
                    #expect(try await browser.waitUntil(FileScripts.thumbnailsLoaded(2) + " && document.querySelectorAll('.hf-file--invalid').length === 1"))
                    try await browser.run("document.getElementById('hf-attachments').scrollIntoView()")
                    try await browser.screenshot().write(
                        to: folder.appendingPathComponent("form-de-\(device)-files.png"))
                    if let axe {
                        let violations = try await AxeCore.violations(browser, script: axe)
                        #expect(violations.isEmpty, "files \(device): \(violations)")
                    }
                }
                // The project-address section opens from its checkbox, by keyboard too.
                try await browser.open(origins.formOrigin + "/")
                #expect(try await browser.run("return getComputedStyle(document.getElementById('hf-project')).display") as? String == "none")
                try await browser.click("#hf-project-differs")
                #expect(try await browser.run("return getComputedStyle(document.getElementById('hf-project')).display") as? String != "none")
            } catch {
                Issue.record(error)
            }
            await browser.quit()
            files.remove()
            for name in ["form-de-desktop.png", "form-en-mobile-errors.png", "form-de-mobile-files.png"] {
                #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path))
            }
        }
    }
}

/// axe-core, the accessibility engine, from the PyPI package axe-selenium-python (which carries axe.min.js).
enum AxeCore {
    static var script: String? {
        let lookup = "import axe_selenium_python, os; print(os.path.join(os.path.dirname(axe_selenium_python.__file__), 'node_modules', 'axe-core', 'axe.min.js'))"
        guard let process = try? ChildProcess(executable: "/usr/bin/env", arguments: ["python3", "-c", lookup]) else { return nil }
        let status = process.waitUntilExit()
        let path = process.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard status == 0, let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// WCAG A and AA violations (the rules this axe-core version tags) of the current page, as "rule (impact): targets" lines.
    static func violations(_ browser: WebDriver, script: String) async throws -> [String] {
        try await browser.run(script)
        let result = try await browser.runAsync("""
            const done = arguments[arguments.length - 1];
            axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } })
              .then(r => done(r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.nodes.map(n => n.target.join(' ')).join(', '))))
              .catch(e => done(['axe failed: ' + e]));
            """)
        return result as? [String] ?? ["no result"]
    }
}
