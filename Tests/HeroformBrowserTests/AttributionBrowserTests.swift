import Foundation
import HeroStandIn
import HTTPTesting
import JSON
import Testing
@testable import HeroformApp

/// Where a lead came from, in a real browser: the campaign of an embedding page on another origin, and of the form's
/// own page without JavaScript.
@Suite(.serialized, .enabled(if: WebDriver.isAvailable, "needs chromium and chromium-driver"))
struct AttributionBrowserTests {
    /// The notes HERO's stand-in received for the only project.
    func notes(_ origins: TwoOrigins) throws -> String {
        #expect(origins.hero.createdProjects.count == 1)
        let project = try #require(origins.hero.createdProjects.first)
        return try #require(project["project_match"]?["partner_notes"]?.string)
    }

    @Test func anEmbeddingPagesCampaignAndAddressReachHero() async throws {
        let origins = try await TwoOrigins()
        try await origins.runThenStop {
            let browser = try await WebDriver()
            do {
                let campaign = "utm_source=google&utm_medium=cpc&utm_campaign=dach-herbst"
                try await browser.open(origins.siteOrigin + "/embed.html?\(campaign)#kontakt")
                #expect(try await browser.waitUntil("return !!document.querySelector('iframe.heroform-frame')"))
                try await browser.switchToFrame("iframe.heroform-frame")
                #expect(try await browser.waitUntil("return !!document.querySelector('input[name=utm_campaign]')"))
                let page = try await browser.run(
                    "return document.querySelector('input[name=page_url]').value") as? String
                #expect(page == origins.siteOrigin + "/embed.html", "the embedding page, without query or fragment")
                try await browser.run(fillScript, [goodLead])
                try await browser.click("button[type=submit]")
                #expect(try await browser.waitUntil("return !!document.querySelector('.hf-success')"))
                let line = #"Quelle: google / cpc / Kampagne "dach-herbst"; Seite: "#
                    + origins.siteOrigin + "/embed.html"
                let notes = try notes(origins)
                #expect(notes.hasSuffix("\n" + line), "\(notes)")
            } catch {
                Issue.record(error)
            }
            await browser.quit()
        }
    }

    @Test func theOwnPageKeepsItsCampaignWithoutJavaScript() async throws {
        let origins = try await TwoOrigins()
        try await origins.runThenStop {
            let browser = try await WebDriver(javascript: false)
            do {
                try await browser.open(
                    origins.formOrigin + "/forms/english?utm_source=newsletter&utm_campaign=m%C3%A4rz")
                try await browser.type("#hf-last_name", "O'Brien")
                try await browser.type("#hf-email", "nojs@example.org")
                try await browser.type("#hf-zipcode", "30449")
                try await browser.click("button[type=submit]")
                // Refused for the missing consent: the page comes back with the campaign still in it.
                _ = try await browser.source(containing: "aria-invalid=\"true\"")
                try await browser.click("#hf-consent")
                try await browser.click("button[type=submit]")
                // The refused page names the thank-you title too (in the form's data-success-title): the address tells.
                let url = try await browser.url(containing: "/thanks?ref=")
                #expect(url.contains("/thanks?ref="), "\(url)")
                #expect(try await browser.source(containing: "Thank you").contains("Thank you"))
                let notes = try notes(origins)
                // The form's own page is not where the lead came from: its Referer is left out.
                #expect(notes.hasSuffix("\nQuelle: newsletter / Kampagne \"märz\""), "\(notes)")
            } catch {
                Issue.record(error)
            }
            await browser.quit()
        }
    }
}
