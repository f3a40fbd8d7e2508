import FormCore
import Foundation
import HTTPTesting
import HeroStandIn
import JSON
import Testing
@testable import HeroformApp

/// A roofer's and heating engineer's questions: the service routes the trade.
enum TradeQuestions {
    static func text(_ de: String, _ en: String) -> LocalizedText { LocalizedText([.de: de, .en: en]) }

    static func all(required: Bool) -> [Question] {
        [
            Question(name: "service", kind: .select, required: required, label: text("Leistung", "Service"), options: [
                .init(value: "dach", label: text("Dachsanierung", "Roof renovation"), measure: "DOG"),
                .init(value: "heizung", label: text("Heizung", "Heating"), measure: "HZG"),
            ]),
            Question(name: "extras", kind: .checkboxes,
                     label: text("Außerdem interessiert mich", "I am also interested in"), options: [
                        .init(value: "solar", label: text("Solaranlage", "Solar panels")),
                        .init(value: "rinne", label: text("Dachrinne", "Gutter")),
                     ]),
            Question(name: "owner", kind: .checkbox, label: text("Ich bin Eigentümer/in", "I own the building")),
            Question(name: "start", kind: .date, label: text("Wunschtermin", "Preferred date"), earliest: .today),
        ]
    }
}

@Suite(.serialized, .enabled(if: WebDriver.isAvailable, "needs chromium and chromium-driver"))
struct QuestionBrowserTests {
    @Test func chooseAnOptionSeeTheMissingAnswerAndSend() async throws {
        let origins = try await TwoOrigins()
        try await origins.runThenStop {
            let browser = try await WebDriver()
            do {
                try await browser.open(origins.formOrigin + "/forms/trades")
                try await browser.run(fillScript, [goodLead])
                try await browser.click("#hf-extras-2")
                try await browser.click("button[type=submit]")
                #expect(try await browser.waitUntil("return !!document.getElementById('hf-service-error')"))
                #expect(
                    try await browser.run("return document.getElementById('hf-service-error').textContent") as? String
                    == "Bitte wählen Sie eine Antwort aus.")
                let describedBy = "return document.getElementById('hf-service').getAttribute('aria-describedby')"
                #expect(try await browser.run(describedBy) as? String == "hf-service-error")
                #expect(try await browser.run("return document.activeElement.id") as? String == "hf-service")
                let link = "return document.querySelector('.hf-summary a').getAttribute('href')"
                #expect(try await browser.run(link) as? String == "#hf-service")
                // The date picker starts at the visitor's today.
                let today = try await browser.run("return document.getElementById('hf-start').min") as? String ?? ""
                #expect(today.count == 10, "\(today)")
                try await browser.click("#hf-service option[value='heizung']")
                try await browser.click("#hf-owner")
                try await browser.click("button[type=submit]")
                #expect(try await browser.waitUntil("return !!document.querySelector('.hf-success')"))
                let project = try #require(origins.hero.createdProjects.first)
                #expect(project["measure"] == "HZG")
                #expect(project["project_match"]?["comment"]?.string == """
                    Das Dach ist undicht.

                    Leistung: Heizung
                    Außerdem interessiert mich: Dachrinne
                    Ich bin Eigentümer/in: Ja
                    """)
            } catch {
                Issue.record(error)
            }
            await browser.quit()
        }
    }

    @Test func theEmbedScriptPassesAnAnswerToPreselect() async throws {
        let origins = try await TwoOrigins()
        try await origins.runThenStop {
            let browser = try await WebDriver()
            do {
                try await browser.open(origins.siteOrigin + "/embed-service.html")
                #expect(try await browser.waitUntil("return !!document.querySelector('iframe.heroform-frame')"))
                let source = try await browser.run(
                    "return document.querySelector('iframe.heroform-frame').src") as? String
                #expect(source?.contains("service=heizung") == true, "\(source ?? "")")
                try await browser.switchToFrame("iframe.heroform-frame")
                #expect(try await browser.waitUntil("return document.getElementById('hf-service') && "
                    + "document.getElementById('hf-service').value === 'heizung'"))
                #expect(try await browser.run("return document.querySelector('#hf-service option:checked').textContent")
                    as? String == "Heating")
            } catch {
                Issue.record(error)
            }
            await browser.quit()
        }
    }
}
