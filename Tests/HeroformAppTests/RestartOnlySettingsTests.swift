import FormCore
import Testing
@testable import HeroformApp

@Suite struct RestartOnlySettingsTests {
    @Test func changedRestartOnlySettingsAreNamedAndKeepTheirRunningValues() {
        let running = AppConfig()
        var new = running
        new.server.port = 9999
        new.server.maxConnections = 5
        new.storage.retention = AppConfig.secondsPerDay
        new.hero.apiKeyFile = "/run/secrets/hero"
        new.alerts.webhookURL = "https://hooks.example/x"
        new.security.rateLimitSubmissions = 50
        let (config, needsRestart) = RestartOnlySetting.keeping(running, in: new)
        #expect(needsRestart == ["server.host/port", "server timeouts and limits", "storage",
                                 "hero.endpoint/api_key_file", "alerts"])
        #expect(config.server.port == running.server.port)
        #expect(config.server.maxConnections == running.server.maxConnections)
        #expect(config.storage == running.storage)
        #expect(config.hero.apiKeyFile == nil)
        #expect(config.alerts == running.alerts)
        // Everything else is taken at once.
        #expect(config.security.rateLimitSubmissions == 50)
    }

    @Test func nothingNeedsARestartWhenOnlyReloadableSettingsChange() {
        let running = AppConfig()
        var new = running
        new.demo = true
        new.hero.timeout = .seconds(3)
        let (config, needsRestart) = RestartOnlySetting.keeping(running, in: new)
        #expect(needsRestart.isEmpty)
        #expect(config.demo)
        #expect(config.hero.timeout == .seconds(3))
    }

    @Test func heroFileSettingsNeedARestartBecauseTheSenderIsMadeOnce() {
        let running = AppConfig()
        var new = running
        new.hero.documentTypeID = 1_250_455
        new.hero.uploadEndpoint = "https://example.org/upload"
        let (config, needsRestart) = RestartOnlySetting.keeping(running, in: new)
        #expect(needsRestart == ["hero.graphql_endpoint/upload_endpoint/document_type_id"])
        #expect(config.hero.documentTypeID == nil)
        #expect(config.hero.uploadEndpoint == running.hero.uploadEndpoint)
    }

    @Test func aReloadThatWouldTakePDFsBeforeTheDocumentTypeIsRunningIsRefused() async throws {
        try await withApp { _, _, app in
            var changed = app.config
            changed.hero.documentTypeID = 1_250_455
            changed.forms["default"]?.attachments = AttachmentPolicy(types: [.jpeg, .pdf])
            #expect(throws: AppConfig.Invalid.self) { try app.reload(changed) }
            #expect(app.config.forms["default"]?.attachments == nil)
            changed.forms["default"]?.attachments = AttachmentPolicy(types: [.jpeg])
            let needsRestart = try app.reload(changed)
            #expect(needsRestart == ["hero.graphql_endpoint/upload_endpoint/document_type_id"])
            #expect(app.config.forms["default"]?.attachments?.types == [.jpeg])
        }
    }
}
