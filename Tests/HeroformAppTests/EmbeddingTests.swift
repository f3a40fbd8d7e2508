import Foundation
import HTTPServer
import HTTPTesting
import Testing
@testable import HeroformApp

/// What the browser tests rely on, checked without a browser: embedding, themes, the demo page.
@Suite struct EmbeddingTests {
    func get(_ server: some RequestSender, _ target: String) async throws -> RawResponse {
        try await exchange(server, "GET \(target) HTTP/1.1\r\nHost: forms.example\r\n\r\n")
    }

    @Test func embedScriptAndFormScriptAreServed() async throws {
        try await withApp { server, _, _ in
            let embed = try await get(server, "/embed.js")
            #expect(embed.status == 200)
            #expect(embed.header("Content-Type") == "text/javascript; charset=utf-8")
            #expect(embed.text.contains("event.origin !== origin"))
            let page = try await get(server, "/").text
            #expect(page.contains("<script src=\"/assets/form.js\" defer></script>"))
            #expect(page.contains("data-token-url=\"/token?form=default\""))
            #expect(page.contains("data-success-text=\"Ihre Anfrage ist bei uns eingegangen. Ihre Referenz: {reference}\""))
        }
    }

    @Test func onlyAllowedOrOwnOriginsAreTreatedAsTheEmbeddingPage() async throws {
        try await withApp(configure: { $0.security.allowedOrigins = ["https://www.dach-example.de"] }) { server, _, _ in
            let allowed = try await get(server, "/?parent=https%3A%2F%2Fwww.dach-example.de").text
            #expect(allowed.contains("data-parent-origin=\"https://www.dach-example.de\""))
            #expect(allowed.contains("<body class=\"hf-embedded\">"))
            let own = try await get(server, "/?parent=http%3A%2F%2Fforms.example").text
            #expect(own.contains("data-parent-origin=\"http://forms.example\""))
            let foreign = try await get(server, "/?parent=https%3A%2F%2Fevil.example").text
            #expect(!foreign.contains("data-parent-origin"))
            #expect(!foreign.contains("evil.example"))
        }
    }

    @Test func themesGiveAStylesheetLogoAndVariables() async throws {
        try await withApp(configure: {
            $0.themes["default"] = Theme(accent: "#b3261e", logoURL: "/assets/logo.svg", variables: ["--hf-radius": "0"],
                                         stylesheet: "/assets/company.css")
        }) { server, _, _ in
            let page = try await get(server, "/").text
            #expect(page.contains("<link rel=\"stylesheet\" href=\"/forms/default/theme.css\">"))
            #expect(page.contains("<link rel=\"stylesheet\" href=\"/assets/company.css\">"))
            #expect(page.contains("<img class=\"hf-logo\" src=\"/assets/logo.svg\" alt=\"\">"))
            let css = try await get(server, "/forms/default/theme.css")
            #expect(css.header("Content-Type") == "text/css; charset=utf-8")
            #expect(css.text == ":root {\n  --hf-accent: #b3261e;\n  --hf-radius: 0;\n}\n")
            let missing = try await get(server, "/forms/english/theme.css")
            #expect(missing.status == 404)
            let plain = try await get(server, "/forms/english")
            #expect(!plain.text.contains("theme.css"))
        }
    }

    @Test func themeConfigIsChecked() throws {
        let config = try AppConfig.parse(Data(##"{"forms": {"default": {"measure": "DOG", "partner_source": "W", "theme": {"accent": "#1f5fa8", "logo_url": "/assets/logo.png", "css_variables": {"--hf-font": "Georgia, serif"}}}}}"##.utf8))
        #expect(config.themes["default"] == Theme(accent: "#1f5fa8", logoURL: "/assets/logo.png", variables: ["--hf-font": "Georgia, serif"]))
        do {
            _ = try AppConfig.parse(Data(##"{"forms": {"default": {"measure": "DOG", "partner_source": "W", "theme": {"accent": "red;}", "logo_url": "https://cdn.example/logo.png", "stylesheet": "//evil/x.css", "css_variables": {"color": "x", "--hf-x": "a;b", "--hf-y": "url(javascript:1)"}, "font": "x"}}}}"##.utf8))
            Issue.record("a hostile theme was accepted")
        } catch {
            #expect(error.problems == [
                "forms.default.theme.accent: must be a colour like #1f5fa8",
                "forms.default.theme.logo_url: must be a path on this server, like /assets/logo.svg",
                "forms.default.theme.stylesheet: must be a path on this server, like /assets/company.css",
                "forms.default.theme.css_variables.--hf-x: value may use letters, digits, spaces and # . , % ( ) - only",
                "forms.default.theme.css_variables.--hf-y: value may use letters, digits, spaces and # . , % ( ) - only",
                "forms.default.theme.css_variables.color: CSS variables here start with --hf- and use a-z, 0-9 and -",
                "forms.default.theme.font: unknown key",
            ])
        }
    }

    @Test func demoPageOnlyWhenEnabled() async throws {
        try await withApp { server, _, _ in
            let off = try await get(server, "/demo")
            #expect(off.status == 404)
        }
        try await withApp(configure: { $0.demo = true }) { server, _, _ in
            let demo = try await get(server, "/demo")
            #expect(demo.status == 200)
            #expect(demo.text.contains("<script src=\"/embed.js\" data-form=\"default\" async></script>"))
            #expect(demo.text.contains("id=\"contact-form\""))
            #expect(demo.header("Content-Security-Policy") != nil)
        }
    }

    @Test func projectAddressSectionSitsBehindItsCheckbox() async throws {
        try await withApp { server, _, _ in
            let page = try await get(server, "/").text
            #expect(page.contains("<input type=\"checkbox\" class=\"hf-toggle\" id=\"hf-project-differs\" name=\"project_differs\" value=\"on\" aria-controls=\"hf-project\">"))
            #expect(page.contains("<fieldset class=\"hf-project\" id=\"hf-project\">"))
            // Errors in the project address open it again (the checkbox comes back ticked), with focus on the first error.
            let response = try await post(server, urlencoded([("email", "a@b.de"), ("last_name", "B"), ("zipcode", "30449"), ("consent", "on"),
                                                              ("project_zipcode", "12")]))
            #expect(response.status == 422)
            #expect(response.text.contains("aria-controls=\"hf-project\" checked>"))
            #expect(response.text.contains("id=\"hf-project_zipcode\" name=\"project_zipcode\" aria-invalid=\"true\" aria-describedby=\"hf-project_zipcode-error\" autofocus"))
        }
    }
}
