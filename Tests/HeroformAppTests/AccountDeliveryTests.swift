import FormCore
import Foundation
import HeroClient
import HeroStandIn
import HTTPServer
import HTTPTesting
import Logging
import Outbox
import Synchronization
import Testing
@testable import HeroformApp

/// An agency's heroform with two clients' HERO accounts, end to end in process against the stand-in: each lead and
/// its files go with its account's key, and a key HERO refuses holds back only that account's leads.
@Suite struct AccountDeliveryTests {
    static let accounts = ["mueller": "mueller-key-0123", "schmidt": "schmidt-key-4567"]

    static func agency(_ config: inout AppConfig) {
        config.hero.documentTypeID = 1_250_455
        for name in ["mueller", "schmidt"] {
            var form = FormDefinition(id: name, measure: "DOG", partnerSource: "Website \(name)")
            form.heroAccount = name
            form.attachments = AttachmentPolicy()
            config.forms[name] = form
        }
    }

    static func readyz(_ client: InProcessClient) async throws -> [String: Any] {
        let response = try await client.send("GET /readyz HTTP/1.1\r\nHost: a\r\n\r\n")
        return AttachmentLeadTests.json(response)
    }

    static func waitForStatus(
        _ app: HeroformApplication, _ reference: String, _ status: LeadRecord.Status
    ) async throws -> LeadRecord? {
        for _ in 0..<300 {
            let record = try await app.store.perform { try $0.find(reference) }
            if record?.status == status { return record }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try await app.store.perform { try $0.find(reference) }
    }

    @Test func twoAccountsWithOneKeyRefused() async throws {
        try await withApp(retryPolicy: AttachmentLeadTests.fast, accounts: Self.accounts, configure: Self.agency) {
            client, hero, app in
            hero.refuse(key: "mueller-key-0123")
            try await app.start()
            let photo = [("dach.jpg", AttachmentLeadTests.photo)]
            let refused = try await AttachmentLeadTests.post(
                client, AttachmentLeadTests.multipart(files: photo, form: "mueller"))
            #expect(refused.status == 202, "stored and queued: \(String(decoding: refused.body, as: UTF8.self))")
            let taken = try await AttachmentLeadTests.post(
                client, AttachmentLeadTests.multipart(files: photo, form: "schmidt"))
            #expect(taken.status == 200)
            let muellerRef = try #require(AttachmentLeadTests.json(refused)["reference"] as? String)
            let schmidtRef = try #require(AttachmentLeadTests.json(taken)["reference"] as? String)

            // Schmidt's lead and photo are in Schmidt's account, sent with Schmidt's key only.
            let schmidt = try #require(try await AttachmentLeadTests.waitForFiles(app, schmidtRef))
            #expect(schmidt.account == "schmidt")
            #expect(schmidt.attachments.map(\.state) == [.attached])
            let project = try #require(hero.projectMatches.first { $0.projectID == schmidt.externalID })
            #expect(project.account == "schmidt-key-4567")
            #expect(hero.attachments(projectMatch: project.id).count == 1)
            #expect(hero.uploads.map(\.account) == ["schmidt-key-4567"])
            #expect(hero.uploadCalls.allSatisfy { $0.headers["x-auth-token"] == "schmidt-key-4567" })
            #expect(hero.graphQLCalls.allSatisfy { $0.headers["Authorization"] == "Bearer schmidt-key-4567" })

            // Müller's lead waits, its account alone marked.
            let mueller = try #require(try await app.store.perform { try $0.find(muellerRef) })
            #expect(mueller.status == .pending)
            #expect(mueller.account == "mueller")
            #expect(mueller.lastError == "HERO refused the API key (HTTP 401)")
            #expect(mueller.nextAttemptAt.timeIntervalSinceNow > 800, "today's wait for a refused key")
            let ready = try await Self.readyz(client)
            #expect(ready["status"] as? String == "degraded")
            let heroState = try #require(ready["hero"] as? [String: Any])
            #expect(heroState["accounts"] as? [String: String]
                    == ["default": "ok", "mueller": "key_rejected", "schmidt": "ok"])
            #expect(heroState["key_rejected"] as? Bool == true, "today's field: some key is refused")
            #expect(heroState["circuit"] as? String == "closed", "a refused key is no outage")
            let metrics = try await client.send("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n").text
            #expect(metrics.contains("heroform_hero_key_rejected{account=\"mueller\"} 1"))
            #expect(metrics.contains("heroform_hero_key_rejected{account=\"schmidt\"} 0"))
            #expect(metrics.contains("heroform_hero_key_rejected{account=\"default\"} 0"))

            // A lead of the default form still goes, with the default key.
            let fields = [("last_name", "Dach"), ("email", "a@example.org"), ("zipcode", "30449"), ("consent", "on")]
            let plain = try await post(client, urlencoded(fields), accept: "application/json")
            #expect(plain.status == 200)
            #expect(hero.calls.last?.headers["Authorization"] == "Bearer test-api-key-123")

            // The key is fixed; the operator retries: the lead and its photo go with Müller's key.
            hero.accept(key: "mueller-key-0123")
            _ = try await app.store.perform { try $0.retry(muellerRef, now: Date(), maxAge: 86400) }
            app.worker.wake()
            let delivered = try #require(try await Self.waitForStatus(app, muellerRef, .delivered))
            let done = try #require(try await AttachmentLeadTests.waitForFiles(app, muellerRef))
            #expect(done.attachments.map(\.state) == [.attached])
            let muellerProject = try #require(hero.projectMatches.first { $0.projectID == delivered.externalID })
            #expect(muellerProject.account == "mueller-key-0123")
            #expect(hero.uploads.map(\.account) == ["schmidt-key-4567", "mueller-key-0123"])
            let after = try #require(try await Self.readyz(client)["hero"] as? [String: Any])
            #expect(after["accounts"] as? [String: String] == ["default": "ok", "mueller": "ok", "schmidt": "ok"])
        }
    }

    /// A lead stored for an account the config no longer has waits without a call, and /readyz names that account.
    @Test func anAccountThatLeftTheConfigIsNamedWhileItsLeadsWait() async throws {
        try await withApp(retryPolicy: AttachmentLeadTests.fast, accounts: Self.accounts, configure: Self.agency) {
            client, hero, app in
            let lead = OutboxStore.NewLead(formID: "weber", payload: Data(), account: "weber")
            _ = try await app.store.perform {
                try $0.insert(
                    lead, reference: { "WEB-WEB-WEB" }, payloadFor: { _ in Data("{}".utf8) }, now: Date(),
                    maxAge: 86400)
            }
            try await app.start()
            var record = try await app.store.perform { try $0.find("WEB-WEB-WEB") }
            for _ in 0..<500 where record?.lastError == nil {
                try await Task.sleep(for: .milliseconds(20))
                record = try await app.store.perform { try $0.find("WEB-WEB-WEB") }
            }
            #expect(record?.status == .pending)
            #expect(record?.lastError?.contains("no key for the account \"weber\"") == true)
            #expect(hero.calls.isEmpty)
            let heroState = try #require(try await Self.readyz(client)["hero"] as? [String: Any])
            #expect(heroState["accounts"] as? [String: String]
                    == ["default": "ok", "mueller": "ok", "schmidt": "ok", "weber": "key_rejected"])
        }
    }

    /// Every form sends for Müller, whose key is the only one: there is no default key.
    static func appWithNamedAccountsOnly() throws -> HeroformApplication {
        var config = testConfig(endpoint: URL(string: "http://127.0.0.1:9/api/v1/Projects/create"))
        config.hero.accounts["mueller"] = .init(key: .environment("HERO_API_KEY_MUELLER"))
        for id in Array(config.forms.keys) { config.forms[id]?.heroAccount = "mueller" }
        var quiet = Logger(label: "app")
        quiet.logLevel = .critical
        return try HeroformApplication(
            config: config, apiKey: nil, accountKeys: ["mueller": "mueller-key"], logger: quiet,
            environment: ["HEROFORM_SECRET": testSecret])
    }

    /// Review 18: an agency that moves from one `HERO_API_KEY` to `hero.accounts` (every form with an account, no
    /// default key) keeps the leads its outbox had before: schema 3 gives them the default account, which now has
    /// no key. They wait, as for a refused key — but /readyz and /metrics name no account for them, although the
    /// README says an account whose leads wait without a key is listed as `key_rejected`.
    @Test func leadsOfTheDefaultAccountWaitingWithoutItsKeyAreNamed() async throws {
        let app = try Self.appWithNamedAccountsOnly()
        defer { try? FileManager.default.removeItem(atPath: app.config.storage.dataDir) }
        // A lead from before the accounts: stored without one (as the migration from schema 2 leaves it).
        let lead = OutboxStore.NewLead(formID: "default", payload: Data())
        _ = try await app.store.perform {
            try $0.insert(
                lead, reference: { "OLD-OLD-OLD" }, payloadFor: { _ in Data("{}".utf8) }, now: Date(), maxAge: 86400)
        }
        try await app.start()
        var record = try await app.store.perform { try $0.find("OLD-OLD-OLD") }
        for _ in 0..<500 where record?.lastError == nil {
            try await Task.sleep(for: .milliseconds(20))
            record = try await app.store.perform { try $0.find("OLD-OLD-OLD") }
        }
        let client = InProcessClient(app, observer: app.metrics)
        let heroState = (try? await Self.readyz(client))?["hero"] as? [String: Any]
        await app.stop()
        #expect(record?.status == .pending)
        #expect(record?.lastError?.contains("no default key") == true)
        #expect(heroState?["key_rejected"] as? Bool == true)
        #expect(heroState?["accounts"] as? [String: String] == ["default": "key_rejected", "mueller": "ok"])
    }

    /// Review 18 (an error path without a test): live with named accounts' keys only, a reload may not add a form
    /// without an account — its leads would wait for a default key the process does not have.
    @Test func aReloadWithoutADefaultKeyRefusesAFormWithoutAccount() async throws {
        let app = try Self.appWithNamedAccountsOnly()
        defer { try? FileManager.default.removeItem(atPath: app.config.storage.dataDir) }
        var added = app.config
        added.forms["weber"] = FormDefinition(id: "weber", measure: "DOG", partnerSource: "Website Weber")
        do {
            _ = try app.reload(added)
            Issue.record("a form without an account was taken without a default key")
        } catch let error as AppConfig.Invalid {
            #expect(error.problems == ["forms.weber.hero_account: not set, and the running process has no default key"])
        }
        #expect(app.config.forms["weber"] == nil, "the running config stays")
    }

    /// HERO's document types are per account: each account's PDFs are attached with its own type (Schmidt's), or
    /// the global one (Müller's, the default account's). The stand-in knows Schmidt's type only under Schmidt's key.
    @Test func eachAccountsPDFsAreFiledUnderItsDocumentType() async throws {
        let configure: (inout AppConfig) -> Void = { config in
            Self.agency(&config)
            config.forms["default"]?.attachments = AttachmentPolicy()
            config.hero.accounts["schmidt"] = .init(key: .environment(""), documentTypeID: 3_300_121)
        }
        try await withApp(
            retryPolicy: AttachmentLeadTests.fast, accounts: Self.accounts,
            accountDocumentTypeIDs: ["schmidt": [3_300_121]], configure: configure
        ) { client, hero, app in
            try await app.start()
            var references: [String: String] = [:]
            for form in ["default", "mueller", "schmidt"] {
                let body = AttachmentLeadTests.multipart(files: [("angebot.pdf", AttachmentLeadTests.pdf)], form: form)
                let answer = try await AttachmentLeadTests.post(client, body)
                #expect(answer.status == 200, "\(form): \(String(decoding: answer.body, as: UTF8.self))")
                references[form] = try #require(AttachmentLeadTests.json(answer)["reference"] as? String)
            }
            for (form, reference) in references {
                let record = try #require(try await AttachmentLeadTests.waitForFiles(app, reference))
                #expect(record.attachments.map(\.state) == [.attached], "\(form): \(record.attachments)")
            }
            let filed = Dictionary(uniqueKeysWithValues: hero.attachments.map { ($0.upload.account, $0.kind) })
            #expect(filed == [
                "test-api-key-123": .document(typeID: 1_250_455),
                "mueller-key-0123": .document(typeID: 1_250_455),
                "schmidt-key-4567": .document(typeID: 3_300_121),
            ])
        }
    }

    /// An account's document type is read at start with its key: a reload that changes it says so, keeps the running
    /// one, and refuses to let a form take PDFs before a restart brings a type for its account.
    @Test func anAccountsDocumentTypeTakesEffectOnARestart() async throws {
        try await withApp(accounts: Self.accounts, configure: Self.agency) { _, _, app in
            var withoutGlobal = app.config
            withoutGlobal.hero.documentTypeID = nil
            withoutGlobal.hero.accounts["schmidt"]?.documentTypeID = 3_300_121
            withoutGlobal.forms["schmidt"]?.attachments?.types = [.jpeg, .pdf]
            let needsRestart = try app.reload(withoutGlobal)
            #expect(needsRestart.contains("hero.accounts"))
            #expect(app.config.hero.accounts["schmidt"]?.documentTypeID == nil, "the running one stays")
            #expect(app.config.hero.documentTypeID == 1_250_455)
        }
        // Started without any document type: a form may not take PDFs before a restart brings its account's.
        try await withApp(accounts: Self.accounts, configure: { config in
            Self.agency(&config)
            config.hero.documentTypeID = nil
            for name in ["mueller", "schmidt"] { config.forms[name]?.attachments?.types = [.jpeg] }
        }) { _, _, app in
            var pdfs = app.config
            pdfs.hero.accounts["schmidt"]?.documentTypeID = 3_300_121
            pdfs.forms["schmidt"]?.attachments?.types = [.jpeg, .pdf]
            do {
                _ = try app.reload(pdfs)
                Issue.record("a form took PDFs without a running document type for its account")
            } catch let error as AppConfig.Invalid {
                #expect(error.problems == [
                    "forms.schmidt.attachments.types: pdf needs hero.accounts.schmidt.document_type_id or "
                        + "hero.document_type_id; document types take effect on a restart"
                ])
            }
            #expect(app.config.forms["schmidt"]?.attachments?.types == [.jpeg], "the running config stays")
        }
    }

    /// Leads kept for an account without a key are named at start (account and count, nothing of the leads), and
    /// /metrics' gauge names the default account as /readyz does.
    @Test func theStartWarnsOfLeadsWaitingWithoutAKey() async throws {
        var config = testConfig(endpoint: URL(string: "http://127.0.0.1:9/api/v1/Projects/create"))
        config.hero.accounts["mueller"] = .init(key: .environment("HERO_API_KEY_MUELLER"))
        for id in Array(config.forms.keys) { config.forms[id]?.heroAccount = "mueller" }
        defer { try? FileManager.default.removeItem(atPath: config.storage.dataDir) }
        let capture = LogCapture()
        let app = try HeroformApplication(
            config: config, apiKey: nil, accountKeys: ["mueller": "mueller-key"], logger: capture.logger,
            environment: ["HEROFORM_SECRET": testSecret])
        let leads = [("OLD-OLD-OLD", nil), ("OLD-OLD-TWO", nil), ("WEB-WEB-WEB", "weber"), ("MUE-MUE-MUE", "mueller")]
        for (reference, account) in leads {
            let lead = OutboxStore.NewLead(formID: "default", payload: Data(), account: account)
            _ = try await app.store.perform {
                try $0.insert(
                    lead, reference: { reference }, payloadFor: { _ in Data(#"{"email":"a@example.org"}"#.utf8) },
                    now: Date(), maxAge: 86400)
            }
        }
        try await app.start()
        var record = try await app.store.perform { try $0.find("OLD-OLD-OLD") }
        for _ in 0..<500 where record?.lastError == nil {
            try await Task.sleep(for: .milliseconds(20))
            record = try await app.store.perform { try $0.find("OLD-OLD-OLD") }
        }
        let metrics = try await InProcessClient(app, observer: app.metrics)
            .send("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n").text
        await app.stop()
        let warnings = capture.lines.withLock { $0 }.filter { $0.contains("without a key; they are kept") }
        #expect(warnings == [
            "warning leads wait for an account without a key; they are kept until it has one account=default count=2 "
                + "hint=set HERO_API_KEY or hero.api_key_file and restart",
            "warning leads wait for an account without a key; they are kept until it has one account=weber count=1 "
                + "hint=give hero.accounts.weber its key and restart",
        ])
        #expect(!capture.lines.withLock { $0 }.contains { $0.contains("a@example.org") })
        #expect(metrics.contains("heroform_hero_key_rejected{account=\"default\"} 1"), "\(metrics)")
    }

    @Test func anotherAccountsKeyDoesNotSeeTheProject() async throws {
        // The stand-in as HERO: projects and uploads belong to the account whose key made them.
        let hero = HeroStandIn(apiKey: "a-key", otherKeys: ["b-key"])
        _ = try hero.start()
        await hero.runThenStop {
            let project = hero.addProject(account: "a-key")
            let client = HeroClient(
                endpoint: hero.endpoint, graphQLEndpoint: hero.graphQLEndpoint, uploadEndpoint: hero.uploadEndpoint,
                apiKey: "a-key", timeout: .seconds(10))
            #expect(await client.projectMatch(forProject: project.projectID) == .success(
                HeroProjectMatch(id: project.id, projectNumber: project.projectNumber)))
            if case .success = await client.withKey("b-key").projectMatch(forProject: project.projectID) {
                Issue.record("b's key must not find a's project")
            }
            hero.refuse(key: "b-key")
            #expect(await client.withKey("b-key").createProject(payload: Data("{}".utf8)) ==
                    .unauthorized(status: 401, message: "Unauthenticated."))
            #expect(await client.withKey("unknown").createProject(payload: Data("{}".utf8)) ==
                    .unauthorized(status: 401, message: "Unauthenticated."))
        }
    }

    @Test func theKeyAlertNamesTheAccountAndNeverTheKey() {
        #expect(WebhookAlerts.body(.keyRejected(reason: "HERO refused the API key (HTTP 401)", account: "mueller")) == [
            "event": "hero_key_rejected", "reason": "HERO refused the API key (HTTP 401)", "account": "mueller",
            "hint": "check the key of hero.accounts.mueller; its leads are kept and retried, others go on",
        ])
        #expect(WebhookAlerts.body(.keyRejected(reason: "r"))["account"] == nil, "the default key's alert as before")
    }

    @Test func aReloadKeepsTheAccountsTheProcessStartedWith() async throws {
        try await withApp(accounts: Self.accounts, configure: Self.agency) { _, _, app in
            var renamed = app.config
            renamed.hero.accounts["weber"] = .init(key: .environment("HERO_API_KEY_WEBER"))
            renamed.forms["mueller"]?.heroAccount = "weber"
            #expect(throws: AppConfig.Invalid.self) { try app.reload(renamed) }
            #expect(app.config.forms["mueller"]?.heroAccount == "mueller", "the running config stays")

            var moreOrigins = app.config
            moreOrigins.hero.accounts["weber"] = .init(key: .environment("HERO_API_KEY_WEBER"))
            moreOrigins.forms["mueller"]?.allowedOrigins = ["https://www.mueller-dach.de"]
            let needsRestart = try app.reload(moreOrigins)
            #expect(needsRestart.contains("hero.accounts"))
            #expect(app.config.hero.accounts["weber"] == nil, "accounts change on a restart")
            #expect(app.config.forms["mueller"]?.allowedOrigins == ["https://www.mueller-dach.de"], "origins at once")
        }
    }
}
