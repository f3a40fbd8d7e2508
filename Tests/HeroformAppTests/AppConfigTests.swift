import FormCore
import Foundation
import HTTPServer
import Testing
@testable import HeroformApp

@Suite struct AppConfigTests {
    func parse(_ json: String) throws(AppConfig.Invalid) -> AppConfig {
        try AppConfig.parse(Data(json.utf8), path: "test.json")
    }

    func problems(_ json: String) -> [String] {
        do {
            _ = try parse(json)
            return []
        } catch {
            return error.problems
        }
    }

    let minimalForms = #""forms": {"default": {"measure": "DOG", "partner_source": "Website"}}"#

    @Test func defaultsApplyWhenOnlyTheDefaultFormIsGiven() throws {
        let config = try parse("{\(minimalForms)}")
        #expect(config.server == AppConfig.Server())
        #expect(config.server.host == "127.0.0.1")
        #expect(config.server.port == 8080)
        #expect(config.server.publicDir == "Public")
        #expect(config.hero == AppConfig.Hero())
        #expect(config.hero.endpoint == "https://login.hero-software.de/api/v1/Projects/create")
        let form = try #require(config.forms["default"])
        #expect(form.measure == "DOG")
        #expect(form.partnerSource == "Website")
        #expect(form.language == .de)
        #expect(form.requiredFields == [.email, .lastName, .zipcode, .consent])
    }

    @Test func singleUseTokensAreOnUnlessTurnedOff() throws {
        #expect(try parse("{\(minimalForms)}").security.singleUseTokens)
        #expect(try parse("{\(minimalForms), \"security\": {\"single_use_tokens\": true}}").security.singleUseTokens)
        #expect(try !parse("{\(minimalForms), \"security\": {\"single_use_tokens\": false}}").security.singleUseTokens)
        #expect(problems("{\(minimalForms), \"security\": {\"single_use_tokens\": \"no\"}}")
                == ["security.single_use_tokens: must be true or false"])
        #expect(problems("{\(minimalForms), \"security\": {\"single_use_token\": false}}")
                == ["security.single_use_token: unknown key"])
    }

    @Test func readsServerKeys() throws {
        let config = try parse(#"{"server": {"host": "::", "port": 9000, "public_dir": "/srv/public", "keep_alive_timeout_seconds": 15, "max_connections": 50, "shutdown_grace_seconds": 3}, "#
                               + minimalForms + "}")
        #expect(config.server.host == "::")
        #expect(config.server.port == 9000)
        #expect(config.server.publicDir == "/srv/public")
        #expect(config.httpConfiguration.keepAliveTimeout == .seconds(15))
        #expect(config.httpConfiguration.maxConnections == 50)
        #expect(config.server.shutdownGracePeriod == .seconds(3))
    }

    @Test func unknownKeysAreNamed() {
        #expect(problems("{\(minimalForms), \"sever\": {}}") == ["sever: unknown key"])
        #expect(problems("{\(minimalForms), \"server\": {\"prot\": 80}}") == ["server.prot: unknown key"])
    }

    @Test func wrongTypesAndRangesAreNamedAllAtOnce() {
        let found = problems(#"{"server": {"host": 5, "port": 70000, "public_dir": true, "max_connections": "many", "keep_alive_timeout_seconds": 1.5}, "#
                             + minimalForms + "}")
        #expect(found == [
            "server.host: must be a string",
            "server.port: must be between 0 and 65535",
            "server.public_dir: must be a string",
            "server.keep_alive_timeout_seconds: must be a whole number",
            "server.max_connections: must be a whole number",
        ])
        #expect(problems("{\(minimalForms), \"server\": {\"port\": true}}") == ["server.port: must be a whole number"])
        #expect(problems("{\(minimalForms), \"server\": []}") == ["server: must be an object"])
    }

    @Test func formsAreCheckedKeyByKey() {
        #expect(problems("{}") == ["forms.default: missing: the form shown at / (needs at least measure and partner_source)"])
        let found = problems(#"""
        {"forms": {
          "default": {"measure": "DOG", "partner_source": "Web", "language": "fr", "fields": ["email", "fax"], "colour": "red"},
          "Bad Id": {"measure": "", "partner_source": "x"},
          "second": {"measure": "SAN", "partner_source": "Web", "privacy_url": "javascript:alert(1)", "success_url": "//evil.example",
                     "fields": ["email", "last_name"], "required": ["email", "zipcode", "phone"]},
          "third": {"partner_source": "Web", "fields": ["zipcode"], "required": []}
        }}
        """#)
        #expect(found == [
            "forms.Bad Id: form ids use a-z, 0-9, '-' and '_' (up to 64), starting with a letter or digit",
            "forms.Bad Id.measure: must be 1 to 20 letters, digits, '-' or '_'",
            "forms.default.language: must be \"de\" or \"en\"",
            "forms.default.fields: unknown field \"fax\" (known: salutation, first_name, last_name, company_name, email, phone, street, zipcode, city, country_code, project_street, project_zipcode, project_city, project_country_code, message, consent)",
            "forms.default.fields: must include zipcode (HERO needs it)",
            "forms.default.colour: unknown key",
            "forms.second.privacy_url: must be an http(s) URL or a path starting with /",
            "forms.second.success_url: must be an http(s) URL or a path starting with /",
            "forms.second.fields: must include zipcode (HERO needs it)",
            "forms.second.required: zipcode is required but not in fields",
            "forms.second.required: phone is required but not in fields",
            "forms.third.measure: missing (HERO's trade code, e.g. \"DOG\")",
            "forms.third.fields: must include email (HERO needs it)",
            "forms.third.required: must include email (HERO needs it)",
            "forms.third.required: must include zipcode (HERO needs it)",
        ])
    }

    @Test func formFieldsAndRequiredAreTaken() throws {
        let config = try parse(#"{"forms": {"default": {"measure": "DOG", "partner_source": "Web", "title": "Dach", "language": "en", "privacy_url": "/datenschutz", "success_url": "https://example.de/danke", "fields": ["last_name", "email", "zipcode", "consent"], "required": ["email", "zipcode", "consent"]}}}"#)
        let form = try #require(config.forms["default"])
        #expect(form.shownFields == [.lastName, .email, .zipcode, .consent])
        #expect(form.requiredFields == [.email, .zipcode, .consent])
        #expect(form.title == "Dach")
        #expect(form.language == .en)
        #expect(form.privacyURL == "/datenschutz")
        #expect(form.successURL == "https://example.de/danke")
    }

    @Test func concurrentCallsToHeroAndTheOutageAlert() throws {
        let defaults = try parse("{\(minimalForms)}")
        #expect(defaults.hero.maxConcurrentCalls == 8)
        #expect(defaults.alerts.outageAfter == 15 * 60)
        let set = try parse("{\(minimalForms), \"hero\": {\"max_concurrent_calls\": 12}, \"alerts\": {\"outage_minutes\": 5}}")
        #expect(set.hero.maxConcurrentCalls == 12)
        #expect(set.alerts.outageAfter == 300)
        #expect(problems("{\(minimalForms), \"hero\": {\"max_concurrent_calls\": 0}, \"alerts\": {\"outage_minutes\": 0}}") == [
            "hero.max_concurrent_calls: must be between 1 and 16", "alerts.outage_minutes: must be between 1 and 1440",
        ])
        #expect(problems("{\(minimalForms), \"hero\": {\"max_concurrent_calls\": 17}, \"alerts\": {\"outage_minutes\": \"soon\"}}") == [
            "hero.max_concurrent_calls: must be between 1 and 16", "alerts.outage_minutes: must be a whole number",
        ])
    }

    @Test func heroSectionAndTheAPIKey() throws {
        #expect(problems("{\(minimalForms), \"hero\": {\"api_key\": \"abc\"}}") == [
            "hero.api_key: the API key must not be in the config file; set HERO_API_KEY or hero.api_key_file",
        ])
        #expect(problems("{\(minimalForms), \"hero\": {\"endpoint\": \"ftp://x\", \"timeout_seconds\": 0}}") == [
            "hero.endpoint: must be an https URL", "hero.timeout_seconds: must be between 1 and 120",
        ])
        let keyFile = NSTemporaryDirectory() + "hero-key-\(UUID().uuidString)"
        try "  file-key\n".write(toFile: keyFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: keyFile) }
        let config = try parse("{\(minimalForms), \"hero\": {\"api_key_file\": \"\(keyFile)\", \"endpoint\": \"http://127.0.0.1:9/x\"}}")
        #expect(try config.apiKey(environment: [:]) == "file-key")
        #expect(try config.apiKey(environment: ["HERO_API_KEY": "env-key"]) == "env-key")
        #expect(try AppConfig().apiKey(environment: [:]) == nil)
        #expect(try AppConfig().apiKey(environment: ["HERO_API_KEY": "  "]) == nil)
        var missing = config
        missing.hero.apiKeyFile = "/nonexistent/key"
        #expect(throws: AppConfig.Invalid.self) { try missing.apiKey(environment: [:]) }
    }

    @Test func securityKeysAreRead() throws {
        let config = try parse("{\(minimalForms), \"server\": {\"trusted_proxies\": [\"10.0.0.0/8\", \"::1\"]}, \"security\": {\"min_fill_seconds\": 5, \"token_max_age_hours\": 2, \"allowed_origins\": [\"https://www.example.de\"], \"rate_limit\": {\"submissions\": 3, \"per_seconds\": 60}}}")
        #expect(config.server.trustedProxies == ["10.0.0.0/8", "::1"])
        #expect(config.security == AppConfig.Security(minFillTime: 5, tokenMaxAge: 2 * 3600,
                                                      allowedOrigins: ["https://www.example.de"],
                                                      rateLimitSubmissions: 3, rateLimitWindow: 60))
        #expect(problems("{\(minimalForms), \"server\": {\"trusted_proxies\": [\"proxy.local\"]}, \"security\": {\"allowed_origins\": [\"https://www.example.de/kontakt\", \"*\"], \"rate_limit\": {\"submissions\": 0, \"burst\": 1}}}") == [
            "server.trusted_proxies: \"proxy.local\" is not an IP address or CIDR range",
            "security.allowed_origins: \"https://www.example.de/kontakt\" is not an origin like https://www.example.de (scheme and host, no path)",
            "security.allowed_origins: \"*\" is not an origin like https://www.example.de (scheme and host, no path)",
            "security.rate_limit.submissions: must be between 1 and 100000",
            "security.rate_limit.burst: unknown key",
        ])
    }

    /// Browsers send an international domain in its ASCII form and no default port: the first cannot match as
    /// written and is refused with a hint, the second is compared without its port.
    @Test func originsAreCheckedAsBrowsersSendThem() throws {
        #expect(problems("{\(minimalForms), \"security\": {\"allowed_origins\": [\"https://www.müller-dach.de\"]}}") == [
            "security.allowed_origins: \"https://www.müller-dach.de\" is not in the form browsers send: write the "
                + "host in its ASCII (punycode) form, as your domain registrar shows it (https://www.xn--…)"
        ])
        let config = try parse("{\(minimalForms), \"security\": {\"allowed_origins\": [\"https://www.example.de:443\", \"http://localhost:80/\", \"https://www.example.de:8443\"]}}")
        let policy = OriginPolicy(allowedOrigins: config.security.allowedOrigins)
        #expect(policy.allows("https://www.example.de", form: nil))
        #expect(policy.allows("http://localhost", form: nil))
        #expect(policy.allows(OriginPolicy.normalize("https://www.example.de:8443"), form: nil))
        #expect(policy.allows(OriginPolicy.normalize("https://www.example.de:443"), form: nil))
        #expect(!policy.allows(OriginPolicy.normalize("https://www.example.de:4430"), form: nil))
        #expect(!policy.allows(OriginPolicy.normalize("http://www.example.de"), form: nil), "the scheme still counts")
    }

    @Test func storageAndAlertsKeysAreRead() throws {
        let config = try parse("{\(minimalForms), \"storage\": {\"data_dir\": \"/var/lib/heroform\", \"max_age_days\": 3, \"retention_days\": 14}, \"alerts\": {\"webhook_url\": \"https://chat.example/hook\"}}")
        #expect(config.storage == AppConfig.Storage(dataDir: "/var/lib/heroform", maxAge: 3 * 86_400,
                                                    retention: 14 * 86_400))
        #expect(config.alerts.webhookURL == "https://chat.example/hook")
        #expect(problems("{\(minimalForms), \"storage\": {\"data_dir\": \"\", \"retention_days\": 0}, \"alerts\": {\"webhook_url\": \"mailto:x\"}}") == [
            "storage.data_dir: must not be empty", "storage.retention_days: must be between 1 and 3650", "alerts.webhook_url: must be an https URL",
        ])
    }

    @Test func durationKeysAreReadInTheirUnits() throws {
        let config = try parse("""
        {\(minimalForms),
         "server": {"keep_alive_timeout_seconds": 15, "shutdown_grace_seconds": 4},
         "hero": {"timeout_seconds": 7},
         "storage": {"max_age_days": 2, "retention_days": 14},
         "security": {"min_fill_seconds": 5, "token_max_age_hours": 3, "rate_limit": {"per_seconds": 90}}}
        """)
        #expect(config.server.keepAliveTimeout == .seconds(15))
        #expect(config.server.shutdownGracePeriod == .seconds(4))
        #expect(config.hero.timeout == .seconds(7))
        #expect(config.storage.maxAge == 2 * 86_400)
        #expect(config.storage.retention == 14 * 86_400)
        #expect(config.security.minFillTime == 5)
        #expect(config.security.tokenMaxAge == 3 * 3600)
        #expect(config.security.rateLimitWindow == 90)
        // The call may run on past the visitor's wait: three times it, and never under a minute.
        #expect(config.hero.callTimeout == .seconds(60))
        #expect(try parse(#"{\#(minimalForms), "hero": {"timeout_seconds": 30}}"#).hero.callTimeout == .seconds(90))
    }

    @Test func durationDefaultsMatchTheREADME() {
        let config = AppConfig()
        #expect(config.server.keepAliveTimeout == .seconds(5))
        #expect(config.server.shutdownGracePeriod == .seconds(10))
        #expect(config.hero.timeout == .seconds(10))
        #expect(config.storage.maxAge == 7 * 86_400)
        #expect(config.storage.retention == 30 * 86_400)
        #expect(config.security.minFillTime == 3)
        #expect(config.security.tokenMaxAge == 24 * 3600)
        #expect(config.security.rateLimitWindow == 600)
    }

    @Test func durationRangesAreCheckedInTheFilesUnits() {
        let found = problems("""
        {\(minimalForms),
         "server": {"keep_alive_timeout_seconds": 0, "shutdown_grace_seconds": 301},
         "hero": {"timeout_seconds": 121},
         "storage": {"max_age_days": 366, "retention_days": 3651},
         "security": {"min_fill_seconds": 3601, "token_max_age_hours": 0, "rate_limit": {"per_seconds": 86401}}}
        """)
        #expect(found == [
            "server.keep_alive_timeout_seconds: must be between 1 and 300",
            "server.shutdown_grace_seconds: must be between 0 and 300",
            "hero.timeout_seconds: must be between 1 and 120",
            "security.min_fill_seconds: must be between 0 and 3600",
            "security.token_max_age_hours: must be between 1 and 720",
            "security.rate_limit.per_seconds: must be between 1 and 86400",
            "storage.max_age_days: must be between 1 and 365",
            "storage.retention_days: must be between 1 and 3650",
        ])
        #expect(problems(#"{\#(minimalForms), "storage": {"max_age_days": 1.5}}"#)
                == ["storage.max_age_days: must be a whole number"])
    }

    @Test func brokenJSONIsReported() {
        // Where the mistake is, so the operator can find it in the file.
        #expect(problems("{") == ["not valid JSON: expected a key in double quotes at line 1, column 2"])
        #expect(problems("{\n  \"server\": {\"port\": 80,}\n}") == ["not valid JSON: expected a key in double quotes at line 2, column 25"])
        // A key written twice: which one was meant is anybody's guess.
        #expect(problems(#"{"server": {}, "server": {}}"#) == [#"not valid JSON: the key "server" appears twice at line 1, column 16"#])
        #expect(problems("[]") == ["the top level must be a JSON object"])
    }

    @Test func missingFileIsReported() {
        do {
            _ = try AppConfig.load(path: "/nonexistent/config.json")
            Issue.record("loaded a missing file")
        } catch {
            #expect(error.problems == ["cannot read the file"])
            #expect(error.description.hasPrefix("/nonexistent/config.json: 1 problem"))
        }
    }

    @Test(arguments: ["deploy/config.docker.json", "deploy/config.compose.json"])
    func deploymentConfigsAreValid(_ path: String) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let config = try AppConfig.load(path: root.appendingPathComponent(path).path)
        #expect(config.server.host == "0.0.0.0")
        #expect(config.storage.dataDir == "/var/lib/heroform")
        #expect(config.server.trustedProxies == ["172.28.0.2"])
    }

    @Test func observabilityKeysAreRead() throws {
        let config = try parse("{\(minimalForms), \"observability\": {\"token\": \"0123456789abcdefgh\", \"allow_remote\": true}}")
        #expect(config.observability == AppConfig.Observability(token: "0123456789abcdefgh", allowRemote: true))
        #expect(problems("{\(minimalForms), \"observability\": {\"token\": \"short\"}}") == ["observability.token: must be at least 16 visible ASCII characters"])
    }

    @Test func theExampleConfigIsValid() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let config = try AppConfig.load(path: root.appendingPathComponent("config.example.json").path)
        #expect(config.server.port == 8080)
    }
}
