import Foundation
import HTTPTesting
import Testing

let repositoryPublic = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Public")

/// The smallest valid `forms` section.
let forms = #""forms": {"default": {"measure": "DOG", "partner_source": "Website"}}"#

/// A folder with a config and a copy of the repository's Public folder, as an operator would lay them out.
final class Workspace {
    let url: URL

    init(config: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("heroform-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: repositoryPublic, to: url.appendingPathComponent("Public"))
        try config.write(to: url.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
    }

    var configPath: String { url.appendingPathComponent("config.json").path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

@Suite struct CommandLineTests {
    @Test func printsVersionAndHelp() async throws {
        let (status, output) = try await ServerProcess.run(["--version"])
        #expect(status == 0)
        #expect(output.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
        let (helpStatus, help) = try await ServerProcess.run(["--help"])
        #expect(helpStatus == 0)
        #expect(help.contains("serve"))
        #expect(help.contains("check-config"))
        let (serveHelpStatus, serveHelp) = try await ServerProcess.run(["serve", "--help"])
        #expect(serveHelpStatus == 0)
        #expect(serveHelp.contains("--config"))
    }

    @Test func checkConfigAcceptsAGoodFileAndNamesEachProblem() async throws {
        let good = try Workspace(config: #"{"server": {"port": 0}, "#  + forms + "}")
        let (status, output) = try await ServerProcess.run(["check-config", "--config", good.configPath])
        #expect(status == 0)
        #expect(output.contains("OK"))

        let bad = try Workspace(config: #"{"server": {"port": "eighty", "colour": "red"}, "extra": 1}"#)
        let (badStatus, badOutput) = try await ServerProcess.run(["check-config", "--config", bad.configPath])
        #expect(badStatus == 1)
        #expect(badOutput.contains("server.port: must be a whole number"))
        #expect(badOutput.contains("server.colour: unknown key"))
        #expect(badOutput.contains("extra: unknown key"))
    }

    @Test func checkConfigFindsConfigJSONInTheWorkingDirectory() async throws {
        let workspace = try Workspace(config: #"{"server": {"hots": "x"}, "# + forms + "}")
        let (status, output) = try await ServerProcess.run(["check-config"], directory: workspace.url)
        #expect(status == 1)
        #expect(output.contains("config.json"))
        #expect(output.contains("server.hots: unknown key"))
    }

    @Test func serveAnswersAndStopsCleanlyOnSIGTERM() async throws {
        let workspace = try Workspace(config: #"{"server": {"host": "127.0.0.1", "port": 0}, "# + forms + "}")
        let server = try ServerProcess(["serve"], directory: workspace.url)
        let port = try #require(await server.listeningPort(), "no start-up line: \(server.text)")
        let client = try await RawClient.connect(port: port)
        try await client.send("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try await client.readResponse().text == "ok\n")
        try await client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        let page = try await client.readResponse()
        #expect(page.status == 200)
        #expect(page.text.contains("<form class=\"hf-form\" method=\"post\" action=\"/leads\""))
        #expect(server.text.contains("mode: dry-run"))
        #expect(server.text.contains("form default: measure DOG, source \"Website\""))
        server.signal(SIGTERM)
        #expect(await server.exitCode() == 0)
        #expect(server.text.contains("path=/healthz"), "\(server.text)")
        #expect(server.text.contains("status=200"))
        #expect(server.text.contains("received SIGTERM"))
    }

    @Test func serveStopsOnSIGINTToo() async throws {
        let workspace = try Workspace(config: #"{"server": {"port": 0}, "#  + forms + "}")
        let server = try ServerProcess(["serve", "--config", workspace.configPath], directory: workspace.url)
        #expect(await server.listeningPort() != nil)
        server.signal(SIGINT)
        #expect(await server.exitCode() == 0)
    }

    @Test func serveRefusesAnInvalidConfigOrMissingPublicFolder() async throws {
        let bad = try Workspace(config: #"{"server": {"port": -1}, "# + forms + "}")
        let (status, output) = try await ServerProcess.run(["serve"], directory: bad.url)
        #expect(status != 0)
        #expect(output.contains("server.port: must be between 0 and 65535"))

        let noPublic = try Workspace(config: #"{"server": {"port": 0, "public_dir": "missing"}, "# + forms + "}")
        let (status2, output2) = try await ServerProcess.run(["serve"], directory: noPublic.url)
        #expect(status2 != 0)
        #expect(output2.contains("public folder 'missing' does not exist"))
    }

    @Test func servingOnABusyPortFailsWithAClearMessage() async throws {
        let first = try Workspace(config: #"{"server": {"port": 0}, "#  + forms + "}")
        let server = try ServerProcess(["serve"], directory: first.url)
        let port = try #require(await server.listeningPort())
        let second = try Workspace(config: #"{"server": {"port": \#(port)}, "# + forms + "}")
        let (status, output) = try await ServerProcess.run(["serve"], directory: second.url)
        #expect(status == 1)
        #expect(output.contains("cannot listen on 127.0.0.1:\(port)"))
        server.signal(SIGTERM)
        _ = await server.exitCode()
    }
}
