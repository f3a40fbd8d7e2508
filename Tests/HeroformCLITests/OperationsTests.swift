import Foundation
import HeroStandIn
import HTTPTesting
import Sockets
import Testing

/// The running binary: draining on SIGTERM, reloading on SIGHUP, JSON logs, one server per data dir.
@Suite struct OperationsTests {
    @Test func sigtermLetsASlowRequestInFlightFinish() async throws {
        let hero = HeroStandIn(apiKey: "drain-key")
        let endpoint = try hero.start()
        try await hero.runThenStop {
            // Slow enough that SIGTERM surely comes while the request is in flight, whatever the machine's load.
            hero.mode = .slow(.seconds(4))
            let workspace = try Workspace(config: #"{"server": {"port": 0}, "hero": {"endpoint": "\#(endpoint.absoluteString)", "timeout_seconds": 20}, "storage": {"data_dir": "data"}, "security": {"min_fill_seconds": 0}, "# + forms + "}")
            let server = try ServerProcess(
                ["serve"], directory: workspace.url, environment: ["HERO_API_KEY": "drain-key"])
            let port = try #require(await server.listeningPort(), "\(server.text)")
            let client = try await RawClient.connect(port: port)
            try await client.send("GET /token HTTP/1.1\r\nHost: a\r\n\r\n")
            let token = try #require((try? JSONSerialization.jsonObject(with: Data(try await client.readResponse().body)) as? [String: String])?["token"])
            let body = #"{"email":"drain@example.org","last_name":"D","zipcode":"30449","consent":true,"_token":"\#(token)"}"#
            try await client.send("POST /leads HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
            try await Task.sleep(for: .milliseconds(400))
            server.signal(SIGTERM)
            let response = try await client.readResponse()
            #expect(response.status == 200, "the request in flight finished with HERO's answer")
            #expect(response.header("Connection") == "close")
            #expect(await server.exitCode() == 0)
            #expect(hero.createdProjects.count == 1)
        }
    }

    @Test func sighupReloadsTheConfig() async throws {
        let config = #"{"server": {"port": 0}, "storage": {"data_dir": "data"}, "forms": {"default": {"measure": "DOG", "partner_source": "Web", "title": "Erster Titel"}}}"#
        let workspace = try Workspace(config: config)
        let server = try ServerProcess(["serve"], directory: workspace.url)
        let port = try #require(await server.listeningPort(), "\(server.text)")
        func page() async throws -> String {
            let client = try await RawClient.connect(port: port)
            try await client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
            return try await client.readResponse().text
        }
        #expect(try await page().contains("<title>Erster Titel</title>"))

        try config.replacingOccurrences(of: "Erster Titel", with: "Zweiter Titel")
            .write(to: workspace.url.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        server.signal(SIGHUP)
        #expect(await server.waitFor("config reloaded") != nil)
        #expect(try await page().contains("<title>Zweiter Titel</title>"))

        // A broken config is refused and the running one stays.
        try #"{"forms": {}}"#.write(to: workspace.url.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        server.signal(SIGHUP)
        #expect(await server.waitFor("config not reloaded") != nil)
        #expect(try await page().contains("<title>Zweiter Titel</title>"))
        server.signal(SIGTERM)
        #expect(await server.exitCode() == 0)
    }

    /// The reload loop ends with the process; it used to take the end of its signal stream for one more SIGHUP.
    @Test(.serialized, arguments: [SIGTERM, SIGINT])
    func stoppingDoesNotReloadTheConfig(_ signal: Int32) async throws {
        let workspace = try Workspace(config: #"{"server": {"port": 0}, "storage": {"data_dir": "data"}, "# + forms + "}")
        let server = try ServerProcess(["serve"], directory: workspace.url)
        #expect(await server.listeningPort() != nil, "\(server.text)")
        server.signal(signal)
        #expect(await server.exitCode() == 0)
        let output = try #require(await server.waitFor("stopped"))
        #expect(output.contains(signal == SIGTERM ? "received SIGTERM" : "received SIGINT"))
        #expect(!output.contains("config reloaded"), "\(output)")
        #expect(!output.contains("config not reloaded"), "\(output)")
    }

    @Test func jsonLogFormatWritesJSONLines() async throws {
        let workspace = try Workspace(config: #"{"server": {"port": 0}, "storage": {"data_dir": "data"}, "# + forms + "}")
        let server = try ServerProcess(["serve", "--log-format", "json"], directory: workspace.url)
        #expect(await server.waitFor("listening on") != nil)
        server.signal(SIGTERM)
        #expect(await server.exitCode() == 0)
        let lines = server.text.split(separator: "\n").filter { !$0.isEmpty }
        #expect(lines.count >= 3)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["message"] is String, "\(line)")
        }
    }

    @Test func healthcheckCommandAsksTheRunningServer() async throws {
        // The healthcheck reads the port from the config, so it cannot be 0. A port picked free and released
        // beforehand could be taken by a parallel test meanwhile; so the server takes port 0 and the healthcheck
        // gets a config of its own with the port the server reports.
        let workspace = try Workspace(config: #"{"server": {"port": 0}, "storage": {"data_dir": "data"}, "# + forms + "}")
        func healthcheckConfig(port: UInt16) throws -> String {
            let path = workspace.url.appendingPathComponent("healthcheck-\(port).json").path
            try (#"{"server": {"port": \#(port)}, "storage": {"data_dir": "data"}, "# + forms + "}")
                .write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        // Port 9 (discard) on loopback: nothing listens there.
        let (downStatus, _) = try await ServerProcess.run(["healthcheck", "--timeout", "1", "--config", try healthcheckConfig(port: 9)],
                                                          directory: workspace.url)
        #expect(downStatus == 1)
        let server = try ServerProcess(["serve"], directory: workspace.url)
        let port = try #require(await server.listeningPort())
        let (upStatus, output) = try await ServerProcess.run(["healthcheck", "--config", try healthcheckConfig(port: port)],
                                                             directory: workspace.url)
        #expect(upStatus == 0)
        #expect(output.contains("ok"))
        server.signal(SIGTERM)
        #expect(await server.exitCode() == 0)
    }

    @Test func aSecondServerOnTheSameDataDirRefusesToStart() async throws {
        let workspace = try Workspace(config: #"{"server": {"port": 0}, "storage": {"data_dir": "data"}, "# + forms + "}")
        let first = try ServerProcess(["serve"], directory: workspace.url)
        #expect(await first.listeningPort() != nil)
        let (status, output) = try await ServerProcess.run(["serve"], directory: workspace.url)
        #expect(status == 1)
        #expect(output.contains("another heroform process is using data"))
        first.signal(SIGTERM)
        #expect(await first.exitCode() == 0)
    }
}
