import FormCore
import FoundationEssentials

/// Several HERO accounts in one heroform (an agency running forms for several businesses): `hero.accounts` names
/// them, each with where its key is; `forms.ID.hero_account` picks one; forms without use the default key.
extension AppConfig.Hero {
    package struct Account: Sendable, Equatable {
        /// Where the account's key is: never in the config file itself.
        package enum KeySource: Sendable, Equatable {
            /// The name of an environment variable.
            case environment(String)
            /// A file (a Docker secret, say).
            case file(String)
        }

        package var key: KeySource
        /// The HERO document type this account's PDFs are filed under: document types are per account, so another
        /// account's id is unknown here. Nil: `hero.document_type_id`.
        package var documentTypeID: Int? = nil
    }

    /// The document type the PDFs of `account`'s forms (nil: the default account's) are filed under, if any.
    package func documentTypeID(forAccount account: String?) -> Int? {
        account.flatMap { accounts[$0]?.documentTypeID } ?? documentTypeID
    }

    /// The config keys that give `account`'s PDFs a document type, for problems and notes.
    static func documentTypeKeys(forAccount account: String?) -> String {
        account.map { "hero.accounts.\($0).document_type_id or hero.document_type_id" } ?? "hero.document_type_id"
    }
}

extension AppConfig.Hero.Account.KeySource {
    var isFile: Bool {
        if case .file = self { return true }
        return false
    }
}

/// The HERO keys this process sends with, read at start.
package struct HeroKeys: Sendable, Equatable {
    /// `HERO_API_KEY` or `hero.api_key_file`'s: for forms without `hero_account`.
    package var defaultKey: String?
    /// By account name.
    package var accounts: [String: String] = [:]

    package init(defaultKey: String?, accounts: [String: String] = [:]) {
        self.defaultKey = defaultKey
        self.accounts = accounts
    }

    /// No key at all: dry-run mode, as without `HERO_API_KEY` before accounts existed.
    package var isDryRun: Bool { defaultKey == nil && accounts.isEmpty }
}

extension AppConfig {
    /// The name forms without `hero_account` go under in /readyz and the logs; no account may take it.
    package static let defaultAccountName = "default"

    /// `hero.accounts`: every problem named with its key.
    static func readAccounts(_ hero: inout JSONObjectReader) -> [String: Hero.Account] {
        var accounts: [String: Hero.Account] = [:]
        for (name, var entry) in hero.objects("accounts") ?? [] {
            if !FormConfig.isValidID(name) {
                entry.problemAtPath(
                    "account names use a-z, 0-9, '-' and '_' (up to 64), starting with a letter or digit")
            } else if name == defaultAccountName {
                entry.problemAtPath("\"default\" is the name of the default key (HERO_API_KEY); choose another")
            }
            if entry.string("api_key") != nil {
                entry.problem("api_key", "the API key must not be in the config file; set api_key_env or api_key_file")
            }
            let variable = entry.string("api_key_env")
            let file = entry.string("api_key_file")
            if let variable, !isEnvironmentName(variable) {
                entry.problem("api_key_env", "\"\(variable)\" is not an environment variable name (A-Z, 0-9, '_')")
            }
            if let file, file.isEmpty { entry.problem("api_key_file", "must not be empty") }
            let documentTypeID = entry.integer("document_type_id", in: 1...Int(Int32.max))
            switch (variable, file) {
            case (let variable?, nil):
                accounts[name] = Hero.Account(key: .environment(variable), documentTypeID: documentTypeID)
            case (nil, let file?): accounts[name] = Hero.Account(key: .file(file), documentTypeID: documentTypeID)
            case (nil, nil): entry.problemAtPath("needs api_key_env or api_key_file (where the account's key is)")
            case (.some, .some): entry.problemAtPath("takes api_key_env or api_key_file, not both")
            }
            hero.absorb(entry)
        }
        return accounts
    }

    /// `[A-Za-z_][A-Za-z0-9_]*`: what a shell can export.
    static func isEnvironmentName(_ name: String) -> Bool {
        let scalars = name.unicodeScalars
        guard let first = scalars.first, !("0"..."9").contains(first) else { return false }
        return scalars.allSatisfy {
            ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_"
        }
    }

    /// Every form's `hero_account` names an account in `hero.accounts`.
    static func checkFormAccounts(_ config: AppConfig, _ reader: inout JSONObjectReader) {
        for id in config.forms.keys.sorted() {
            guard let account = config.forms[id]?.heroAccount, config.hero.accounts[account] == nil else { continue }
            let known = config.hero.accounts.keys.sorted().joined(separator: ", ")
            reader.problem(
                "forms.\(id).hero_account",
                "unknown account \"\(account)\" (hero.accounts has \(known.isEmpty ? "none" : known))")
        }
    }

    /// The keys to send with, by this rule: with no key anywhere (no `HERO_API_KEY`, no `hero.api_key_file`, no
    /// account's variable set) the whole instance runs dry; once any key is there, every account and every form must
    /// have its key (a form without `hero_account` the default one), so no form is dry while others go live. A key
    /// file that cannot be read is a problem either way. Problems name the key they come from, never a key itself.
    package func heroKeys(environment: [String: String]) throws(Invalid) -> HeroKeys {
        var problems: [String] = []
        var keys = HeroKeys(defaultKey: nil)
        do {
            keys.defaultKey = try apiKey(environment: environment)
        } catch {
            problems += error.problems
        }
        var unset: [String] = []
        for name in hero.accounts.keys.sorted() {
            guard let account = hero.accounts[name] else { continue }
            switch account.key {
            case .environment(let variable):
                if let key = environment[variable]?.trimmingWhitespaceAndNewlines(), !key.isEmpty {
                    keys.accounts[name] = key
                } else {
                    unset.append("hero.accounts.\(name).api_key_env: \(variable) is not set")
                }
            case .file(let file):
                switch Self.readKeyFile(file) {
                case .success(let key): keys.accounts[name] = key
                case .failure(let problem): problems.append("hero.accounts.\(name).api_key_file: \(problem)")
                }
            }
        }
        // A key file in the config says "live" as much as a key does.
        let keyFiles = hero.apiKeyFile != nil || hero.accounts.values.contains { $0.key.isFile }
        if !keys.isDryRun || keyFiles {
            problems += unset
            if keys.defaultKey == nil {
                for id in forms.keys.sorted() where forms[id]?.heroAccount == nil {
                    problems.append(
                        "forms.\(id).hero_account: not set, and there is no default key (HERO_API_KEY or "
                            + "hero.api_key_file) while other accounts have theirs")
                }
            }
        }
        guard problems.isEmpty else {
            throw Invalid(path: sourcePath.isEmpty ? "config" : sourcePath, problems: problems)
        }
        return keys
    }

    /// A key file's key, trimmed; a problem when it cannot be read or is empty (the problem never quotes it).
    static func readKeyFile(_ file: String) -> Result<String, KeyFileProblem> {
        guard let data = FileManager.default.contents(atPath: file) else {
            return .failure(KeyFileProblem(description: "cannot read '\(file)'"))
        }
        let key = String(decoding: data, as: UTF8.self).trimmingWhitespaceAndNewlines()
        return key.isEmpty ? .failure(KeyFileProblem(description: "'\(file)' is empty")) : .success(key)
    }

    struct KeyFileProblem: Error, CustomStringConvertible {
        let description: String
    }
}
