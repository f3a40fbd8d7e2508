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

    /// What check-config refuses, serve refuses at start with the same words, and the other way round. One case after
    /// another: fourteen processes at once would crowd out the servers of other tests on two cores.
    @Test(.serialized, arguments: [
        StartProblem("a short HEROFORM_SECRET", environment: ["HEROFORM_SECRET": String(repeating: "s", count: 29)],
                     expected: "HEROFORM_SECRET must be at least 32 characters (it has 29)"),
        StartProblem("an unreadable API key file", hero: #", "hero": {"api_key_file": "missing-key"}"#,
                     expected: "hero.api_key_file: cannot read 'missing-key'"),
        StartProblem("an account whose key variable is not set",
                     environment: ["HERO_API_KEY": "default-key"],
                     hero: #", "hero": {"accounts": {"mueller": {"api_key_env": "HERO_API_KEY_MUELLER"}}}"#,
                     expected: "hero.accounts.mueller.api_key_env: HERO_API_KEY_MUELLER is not set"),
        StartProblem("an account whose key file cannot be read",
                     hero: #", "hero": {"accounts": {"schmidt": {"api_key_file": "missing-schmidt"}}}"#,
                     expected: "hero.accounts.schmidt.api_key_file: cannot read 'missing-schmidt'"),
        StartProblem("a data dir that is a file", dataDir: "plain-file", expected: "storage.data_dir: 'plain-file' is not a directory"),
        StartProblem("a data dir under a file", dataDir: "plain-file/data",
                     expected: "storage.data_dir: cannot create 'plain-file/data': './plain-file' is not a directory"),
        StartProblem("a short secret file", dataDir: "short", expected: "short/secret is too short; delete it to get a new one"),
        StartProblem("a port out of range", port: "70000", expected: "server.port: must be between 0 and 65535"),
        StartProblem("a port that is no number", port: #""80a""#, expected: "server.port: must be a whole number"),
    ])
    func checkConfigChecksWhatServeChecksAtStart(_ problem: StartProblem) async throws {
        let workspace = try Workspace(config: problem.config)
        try "x".write(to: workspace.url.appendingPathComponent("plain-file"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: workspace.url.appendingPathComponent("short"), withIntermediateDirectories: true)
        try "tiny".write(to: workspace.url.appendingPathComponent("short/secret"), atomically: true, encoding: .utf8)
        let environment = problem.environment.merging(["HEROFORM_SECRET": "", "HERO_API_KEY": ""]) { mine, _ in mine }
        let (checkStatus, checkOutput) = try await ServerProcess.run(["check-config"], directory: workspace.url,
                                                                     environment: environment)
        #expect(checkStatus == 1, "\(checkOutput)")
        #expect(checkOutput.contains(problem.expected), "\(checkOutput)")
        let (serveStatus, serveOutput) = try await ServerProcess.run(["serve"], directory: workspace.url, environment: environment)
        #expect(serveStatus != 0 && serveStatus != nil, "\(serveOutput)")
        #expect(serveOutput.contains(problem.expected), "\(serveOutput)")
        #expect(!serveOutput.contains("listening on"))
    }

    @Test func checkConfigPassesWhatServeStartsWith() async throws {
        let workspace = try Workspace(config: #"{"server": {"port": 0}, "storage": {"data_dir": "new/data"}, "# + forms + "}")
        let environment = ["HEROFORM_SECRET": String(repeating: "s", count: 32), "HERO_API_KEY": ""]
        let (status, output) = try await ServerProcess.run(["check-config"], directory: workspace.url, environment: environment)
        #expect(status == 0, "\(output)")
        #expect(!FileManager.default.fileExists(atPath: workspace.url.appendingPathComponent("new").path), "creates nothing")
        let server = try ServerProcess(["serve"], directory: workspace.url, environment: environment)
        #expect(await server.listeningPort() != nil, "\(server.text)")
        server.signal(SIGTERM)
        #expect(await server.exitCode() == 0)
    }

    /// The README's agency example, as `examples/agency.json`: check-config passes it with the keys it names there
    /// (the file it names put in a temporary place), and names what is missing without them.
    @Test func theAgencyExampleIsAccepted() async throws {
        let example = repositoryPublic.deletingLastPathComponent().appendingPathComponent("examples/agency.json")
        let text = try String(contentsOf: example, encoding: .utf8)
        let secrets = FileManager.default.temporaryDirectory.appendingPathComponent("hero-schmidt-\(UUID().uuidString)")
        try "schmidt-key\n".write(to: secrets, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: secrets) }
        #expect(text.contains("/run/secrets/hero_schmidt"))
        let config = text.replacingOccurrences(of: "/run/secrets/hero_schmidt", with: secrets.path)
        let workspace = try Workspace(config: config)
        let environment = ["HEROFORM_SECRET": String(repeating: "s", count: 32), "HERO_API_KEY": ""]
        let (status, output) = try await ServerProcess.run(
            ["check-config"], directory: workspace.url,
            environment: environment.merging(["HERO_API_KEY_MUELLER": "m-key"]) { $1 })
        #expect(status == 0, "\(output)")
        #expect(!output.contains("m-key") && !output.contains("schmidt-key"), "keys are never echoed")
        let (missingStatus, missing) = try await ServerProcess.run(
            ["check-config"], directory: workspace.url,
            environment: environment.merging(["HERO_API_KEY_MUELLER": ""]) { $1 })
        #expect(missingStatus == 1)
        #expect(missing.contains("hero.accounts.mueller.api_key_env: HERO_API_KEY_MUELLER is not set"), "\(missing)")

        // README shows what the example gives without its keys, from a checkout: the same problems, in that order.
        let readme = try String(
            contentsOf: example.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
                "README.md"), encoding: .utf8)
        let shown = readme.split(separator: "\n").drop { !$0.hasPrefix("swift run heroform check-config --config ex") }
            .dropFirst().prefix { $0.hasPrefix("# ") }.map { $0.dropFirst(2) }.filter { $0.hasPrefix("  - ") }
        #expect(shown.count == 2)
        let original = try Workspace(config: text)
        let (bareStatus, bare) = try await ServerProcess.run(
            ["check-config"], directory: original.url, environment: environment)
        #expect(bareStatus == 1)
        #expect(bare.split(separator: "\n").filter { $0.hasPrefix("  - ") } == shown, "\(bare)")
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

struct StartProblem: Sendable, CustomTestStringConvertible {
    let name: String
    let config: String
    let environment: [String: String]
    let expected: String

    init(_ name: String, environment: [String: String] = [:], hero: String = "", dataDir: String = "data",
         port: String = "0", expected: String) {
        self.name = name
        self.environment = environment
        self.expected = expected
        config = #"{"server": {"port": \#(port)}, "storage": {"data_dir": "\#(dataDir)"}"# + hero + ", " + forms + "}"
    }

    var testDescription: String { name }
}
