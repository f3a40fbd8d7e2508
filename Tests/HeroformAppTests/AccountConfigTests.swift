import FormCore
import Foundation
import Testing
@testable import HeroformApp

/// `hero.accounts`, `forms.ID.hero_account` and `forms.ID.allowed_origins`: every mistake named with its key, and
/// the rule that decides between live and dry-run when some keys are there and others not.
@Suite struct AccountConfigTests {
    /// The config suite's readers.
    let reader = AppConfigTests()
    func parse(_ json: String) throws(AppConfig.Invalid) -> AppConfig { try reader.parse(json) }
    func problems(_ json: String) -> [String] { reader.problems(json) }

    /// A config with these accounts and forms (`default` without an account, then `forms` as given).
    func config(accounts: String, forms: String = "") -> String {
        #"{"hero": {"accounts": {\#(accounts)}}, "forms": {"default": {"measure": "DOG", "partner_source": "Web"}"#
            + (forms.isEmpty ? "" : ", " + forms) + "}}"
    }

    let twoAccounts = #""mueller": {"api_key_env": "HERO_API_KEY_MUELLER"}, "#
        + #""schmidt": {"api_key_file": "/run/secrets/schmidt"}"#

    @Test func accountsAndFormAccountsAreRead() throws {
        let parsed = try parse(config(
            accounts: twoAccounts,
            forms: #""dach": {"measure": "DOG", "partner_source": "Web", "hero_account": "mueller", "#
                + #""allowed_origins": ["https://www.mueller-dach.de"]}"#))
        #expect(parsed.hero.accounts == [
            "mueller": .init(key: .environment("HERO_API_KEY_MUELLER")),
            "schmidt": .init(key: .file("/run/secrets/schmidt")),
        ])
        #expect(parsed.forms["dach"]?.heroAccount == "mueller")
        #expect(parsed.forms["dach"]?.allowedOrigins == ["https://www.mueller-dach.de"])
        #expect(parsed.forms["default"]?.heroAccount == nil)
        #expect(parsed.forms["default"]?.allowedOrigins == [])
    }

    /// Review 18: HERO's document types are per account (README: "it differs per account"), yet
    /// `hero.document_type_id` is one number for all: each account's PDFs go to HERO under the default account's
    /// type, which the other account does not have. An account must be able to name its own.
    @Test func anAccountNamesTheDocumentTypeItsPDFsAreFiledUnder() {
        let json = #"{"hero": {"document_type_id": 1250455, "accounts": {"#
            + #""schmidt": {"api_key_env": "HERO_API_KEY_SCHMIDT", "document_type_id": 3300121}}}, "#
            + #""forms": {"default": {"measure": "DOG", "partner_source": "Web", "attachments": true}, "#
            + #""schmidt": {"measure": "SAN", "partner_source": "Web", "hero_account": "schmidt", "#
            + #""attachments": true}}}"#
        #expect(problems(json) == [])
    }

    @Test func anAccountsDocumentTypeIsItsOwnOrTheGlobalOne() throws {
        let accounts = #""mueller": {"api_key_env": "K_M"}, "#
            + #""schmidt": {"api_key_env": "K_S", "document_type_id": 3300121}"#
        let forms = #""mueller": {"measure": "DOG", "partner_source": "W", "hero_account": "mueller", "#
            + #""attachments": {"types": ["jpeg", "pdf"]}}, "#
            + #""schmidt": {"measure": "SAN", "partner_source": "W", "hero_account": "schmidt", "attachments": true}"#
        let withGlobal = try parse(config(accounts: accounts, forms: forms)
            .replacingOccurrences(of: #"{"hero": {"#, with: #"{"hero": {"document_type_id": 1250455, "#))
        #expect(withGlobal.hero.accounts["schmidt"]?.documentTypeID == 3_300_121)
        #expect(withGlobal.hero.accounts["mueller"]?.documentTypeID == nil)
        #expect(withGlobal.hero.documentTypeID(forAccount: "schmidt") == 3_300_121)
        #expect(withGlobal.hero.documentTypeID(forAccount: "mueller") == 1_250_455, "the global one as fallback")
        #expect(withGlobal.hero.documentTypeID(forAccount: nil) == 1_250_455)
        #expect(withGlobal.forms["schmidt"]?.attachments?.types.contains(.pdf) == true)

        // Without the global one, only the account that names its own takes PDFs.
        #expect(problems(config(accounts: accounts, forms: forms)) == [
            "forms.mueller.attachments.types: pdf needs hero.accounts.mueller.document_type_id or "
                + "hero.document_type_id (the HERO document type PDFs are filed under)"
        ])
        let defaults = forms.replacingOccurrences(of: #"{"types": ["jpeg", "pdf"]}"#, with: "true")
        let parsed = try parse(config(accounts: accounts, forms: defaults))
        #expect(parsed.forms["schmidt"]?.attachments?.types.contains(.pdf) == true)
        #expect(parsed.forms["mueller"]?.attachments?.types.contains(.pdf) == false)
        #expect(parsed.notes == [
            "forms.mueller.attachments: PDFs are not taken until hero.accounts.mueller.document_type_id or "
                + "hero.document_type_id is set (the HERO document type PDFs are filed under; photos are taken)"
        ])
    }

    @Test func anAccountsDocumentTypeIsCheckedLikeTheGlobalOne() {
        #expect(problems(config(accounts: #""mueller": {"api_key_env": "K", "document_type_id": 0}"#))
                == ["hero.accounts.mueller.document_type_id: must be between 1 and 2147483647"])
        #expect(problems(config(accounts: #""mueller": {"api_key_env": "K", "document_type_id": "1250455"}"#))
                == ["hero.accounts.mueller.document_type_id: must be a whole number"])
        #expect(problems(config(accounts: #""mueller": {"api_key_env": "K", "document_type_id": 1.5}"#))
                == ["hero.accounts.mueller.document_type_id: must be a whole number"])
    }

    @Test func eachAccountMistakeIsNamedWithItsKey() {
        #expect(problems(config(accounts: #""Müller": {"api_key_env": "K"}"#))
                == ["hero.accounts.Müller: account names use a-z, 0-9, '-' and '_' (up to 64), "
                    + "starting with a letter or digit"])
        #expect(problems(config(accounts: #""default": {"api_key_env": "K"}"#))
                == ["hero.accounts.default: \"default\" is the name of the default key (HERO_API_KEY); choose another"])
        #expect(problems(config(accounts: #""mueller": {"api_key": "secret-in-the-file"}"#)) == [
            "hero.accounts.mueller.api_key: the API key must not be in the config file; "
                + "set api_key_env or api_key_file",
            "hero.accounts.mueller: needs api_key_env or api_key_file (where the account's key is)",
        ])
        #expect(problems(config(accounts: #""mueller": {}"#))
                == ["hero.accounts.mueller: needs api_key_env or api_key_file (where the account's key is)"])
        #expect(problems(config(accounts: #""mueller": {"api_key_env": "K", "api_key_file": "/k"}"#))
                == ["hero.accounts.mueller: takes api_key_env or api_key_file, not both"])
        #expect(problems(config(accounts: #""mueller": {"api_key_env": "1-KEY"}"#))
                == ["hero.accounts.mueller.api_key_env: \"1-KEY\" is not an environment variable name (A-Z, 0-9, '_')"])
        #expect(problems(config(accounts: #""mueller": {"api_key_file": ""}"#))
                == ["hero.accounts.mueller.api_key_file: must not be empty"])
        #expect(problems(config(accounts: #""mueller": {"api_key_env": "K", "key": "x"}"#))
                == ["hero.accounts.mueller.key: unknown key"])
        #expect(problems(config(accounts: #""mueller": "K""#)) == ["hero.accounts.mueller: must be an object"])
        #expect(problems(config(accounts: "").replacingOccurrences(of: #""accounts": {}"#, with: #""accounts": []"#))
                == ["hero.accounts: must be an object"])
    }

    @Test func aFormsAccountMustBeOneOfTheAccounts() {
        #expect(problems(config(accounts: twoAccounts,
                                forms: #""dach": {"measure": "DOG", "partner_source": "W", "hero_account": "weber"}"#))
                == ["forms.dach.hero_account: unknown account \"weber\" (hero.accounts has mueller, schmidt)"])
        #expect(problems(config(accounts: "",
                                forms: #""dach": {"measure": "DOG", "partner_source": "W", "hero_account": "weber"}"#))
                == ["forms.dach.hero_account: unknown account \"weber\" (hero.accounts has none)"])
        #expect(problems(config(accounts: twoAccounts,
                                forms: #""dach": {"measure": "DOG", "partner_source": "W", "hero_account": 5}"#))
                == ["forms.dach.hero_account: must be a string"])
    }

    @Test func formOriginsAreCheckedLikeTheGlobalOnes() {
        let form = #""dach": {"measure": "DOG", "partner_source": "W", "allowed_origins": "#
        let notAnOrigin = "is not an origin like https://www.example.de (scheme and host, no path)"
        #expect(problems(config(accounts: "", forms: form + #"["https://www.mueller-dach.de/kontakt", "ftp://x.de"]}"#))
                == [
                    "forms.dach.allowed_origins: \"https://www.mueller-dach.de/kontakt\" \(notAnOrigin)",
                    "forms.dach.allowed_origins: \"ftp://x.de\" \(notAnOrigin)",
                ])
        #expect(problems(config(accounts: "", forms: form + #""https://a.de"}"#))
                == ["forms.dach.allowed_origins: must be a list of strings"])
    }

    /// Review 18: an origin check-config takes must match what a browser sends as `Origin` from that site. A
    /// browser sends an IDN host in punycode and leaves a default port out; taken as written, such an entry never
    /// matches, so every lead from the client's own site is refused (403) and its frame blocked.
    @Test(arguments: [
        ("https://www.müller-dach.de", "https://www.xn--mller-dach-9db.de"),
        ("https://www.mueller-dach.de:443", "https://www.mueller-dach.de"),
        ("http://www.mueller-dach.de:80", "http://www.mueller-dach.de"),
    ])
    func anOriginTheConfigTakesMatchesWhatBrowsersSend(_ written: String, _ sent: String) {
        let form = #""dach": {"measure": "DOG", "partner_source": "W", "allowed_origins": ["\#(written)"]}"#
        let json = config(accounts: "", forms: form)
        guard let parsed = try? parse(json) else { return } // refused, with its key: fine
        let policy = OriginPolicy(allowedOrigins: parsed.security.allowedOrigins, forms: parsed.forms)
        #expect(policy.allows(OriginPolicy.normalize(sent), form: "dach"),
                "check-config took \(written), but the site's own Origin \(sent) is refused")
    }

    // MARK: - Keys: live or dry-run

    func keyFile(_ content: String) throws -> String {
        let path = NSTemporaryDirectory() + "heroform-key-\(UUID().uuidString)"
        try content.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func keyProblems(_ config: AppConfig, _ environment: [String: String]) -> [String] {
        do {
            _ = try config.heroKeys(environment: environment)
            return []
        } catch {
            return error.problems
        }
    }

    @Test func todaysConfigsKeepTodaysRule() throws {
        let plain = try parse(config(accounts: ""))
        #expect(try plain.heroKeys(environment: [:]).isDryRun)
        #expect(try plain.heroKeys(environment: ["HERO_API_KEY": " k1 \n"]) == HeroKeys(defaultKey: "k1"))
    }

    @Test func everyAccountHasItsKeyOnceAnyKeyIsThere() throws {
        let file = try keyFile("schmidt-key\n")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let json = config(
            accounts: #""mueller": {"api_key_env": "HERO_API_KEY_MUELLER"}, "schmidt": {"api_key_file": "\#(file)"}"#,
            forms: #""dach": {"measure": "DOG", "partner_source": "W", "hero_account": "mueller"}"#)
        let parsed = try parse(json)
        let keys = try parsed.heroKeys(environment: ["HERO_API_KEY": "default-key", "HERO_API_KEY_MUELLER": "m-key"])
        #expect(keys == HeroKeys(defaultKey: "default-key", accounts: ["mueller": "m-key", "schmidt": "schmidt-key"]))
        // A key file says "live": a variable left unset is then a problem, named with its key.
        #expect(keyProblems(parsed, ["HERO_API_KEY": "default-key"])
                == ["hero.accounts.mueller.api_key_env: HERO_API_KEY_MUELLER is not set"])
        // Without the default key, the forms without an account are named.
        #expect(keyProblems(parsed, ["HERO_API_KEY_MUELLER": "m-key"]) == [
            "forms.default.hero_account: not set, and there is no default key (HERO_API_KEY or hero.api_key_file) "
                + "while other accounts have theirs",
        ])
        // The messages never show a key.
        #expect(!keyProblems(parsed, [:]).joined().contains("schmidt-key"))
    }

    @Test func anUnreadableOrEmptyKeyFileIsNamedWithItsKey() throws {
        let empty = try keyFile("  \n")
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let parsed = try parse(config(
            accounts: #""schmidt": {"api_key_file": "\#(empty)"}, "weber": {"api_key_file": "/nonexistent/weber"}"#))
        #expect(keyProblems(parsed, ["HERO_API_KEY": "k"]) == [
            "hero.accounts.schmidt.api_key_file: '\(empty)' is empty",
            "hero.accounts.weber.api_key_file: cannot read '/nonexistent/weber'",
        ])
    }

    @Test func noKeyAnywhereIsDryRunForAll() throws {
        let parsed = try parse(config(
            accounts: #""mueller": {"api_key_env": "HERO_API_KEY_MUELLER"}"#,
            forms: #""dach": {"measure": "DOG", "partner_source": "W", "hero_account": "mueller"}"#))
        #expect(try parsed.heroKeys(environment: [:]).isDryRun)
        // One account's key alone makes it live: then every form needs its key.
        #expect(keyProblems(parsed, ["HERO_API_KEY_MUELLER": "m"]).count == 1)
        #expect(try !parsed.heroKeys(environment: ["HERO_API_KEY_MUELLER": "m", "HERO_API_KEY": "d"]).isDryRun)
    }
}
