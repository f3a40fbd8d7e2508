import Foundation
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

    @Test func defaultsApplyToAnEmptyObject() throws {
        let config = try parse("{}")
        #expect(config.server == AppConfig.Server())
        #expect(config.server.host == "127.0.0.1")
        #expect(config.server.port == 8080)
        #expect(config.server.publicDir == "Public")
    }

    @Test func readsServerKeys() throws {
        let config = try parse(#"{"server": {"host": "::", "port": 9000, "public_dir": "/srv/public", "keep_alive_timeout_seconds": 15, "max_connections": 50, "shutdown_grace_seconds": 3}}"#)
        #expect(config.server.host == "::")
        #expect(config.server.port == 9000)
        #expect(config.server.publicDir == "/srv/public")
        #expect(config.httpConfiguration.keepAliveTimeout == .seconds(15))
        #expect(config.httpConfiguration.maxConnections == 50)
        #expect(config.server.shutdownGraceSeconds == 3)
    }

    @Test func unknownKeysAreNamed() {
        #expect(problems(#"{"sever": {}}"#) == ["sever: unknown key"])
        #expect(problems(#"{"server": {"prot": 80}}"#) == ["server.prot: unknown key"])
    }

    @Test func wrongTypesAndRangesAreNamedAllAtOnce() {
        let found = problems(#"{"server": {"host": 5, "port": 70000, "public_dir": true, "max_connections": "many", "keep_alive_timeout_seconds": 1.5}}"#)
        #expect(found == [
            "server.host: must be a string",
            "server.port: must be between 0 and 65535",
            "server.public_dir: must be a string",
            "server.keep_alive_timeout_seconds: must be a whole number",
            "server.max_connections: must be a whole number",
        ])
        #expect(problems(#"{"server": {"port": true}}"#) == ["server.port: must be a whole number"])
        #expect(problems(#"{"server": []}"#) == ["server: must be an object"])
    }

    @Test func brokenJSONIsReported() {
        #expect(problems("{").first?.hasPrefix("not valid JSON") == true)
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

    @Test func theExampleConfigIsValid() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let config = try AppConfig.load(path: root.appendingPathComponent("config.example.json").path)
        #expect(config.server.port == 8080)
    }
}
