import Foundation
import HTTPTesting
import Testing

/// README's "Try it locally (dry-run)" block, run as written against the built binary, so it cannot rot: its first
/// line is the server (started here), the rest goes to bash with only the port and `swift run heroform` replaced.
@Suite struct ReadmeExampleTests {
    static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("README.md")

    /// The lines of the first code block after `heading`.
    static func codeBlock(after heading: String, in text: String) throws -> [String] {
        let lines = text.components(separatedBy: "\n")
        let start = try #require(lines.firstIndex(of: heading), "README has no \(heading)")
        let open = try #require(lines[start...].firstIndex(of: "```"))
        let close = try #require(lines[(open + 1)...].firstIndex(of: "```"))
        return Array(lines[(open + 1)..<close])
    }

    @Test func theDryRunExampleWorksAsWritten() async throws {
        let block = try Self.codeBlock(after: "## Try it locally (dry-run)", in: String(contentsOf: Self.readme, encoding: .utf8))
        #expect(block.first == "swift run heroform serve --config config.example.json")
        let script = block.dropFirst().joined(separator: "\n")
        #expect(script.contains("http://127.0.0.1:8080/"), "the example talks to config.example.json's port")

        // config.example.json as it is, but on a free port: parallel tests and other servers may hold 8080.
        let example = try String(contentsOf: Self.readme.deletingLastPathComponent().appendingPathComponent("config.example.json"),
                                 encoding: .utf8)
        #expect(example.contains("\"port\": 8080"))
        let workspace = try Workspace(config: example.replacingOccurrences(of: "\"port\": 8080", with: "\"port\": 0"))
        try FileManager.default.moveItem(at: workspace.url.appendingPathComponent("config.json"),
                                         to: workspace.url.appendingPathComponent("config.example.json"))
        let environment = ["HERO_API_KEY": "", "HEROFORM_SECRET": ""]
        let server = try ServerProcess(["serve", "--config", "config.example.json"], directory: workspace.url,
                                       environment: environment)
        let port = try #require(await server.listeningPort(), "\(server.text)")
        #expect(server.text.contains("mode: dry-run"))

        // Under `timeout`, so a server that never answers cannot hang the suite (the wait below is a safety net).
        let command = script.replacingOccurrences(of: "127.0.0.1:8080", with: "127.0.0.1:\(port)")
            .replacingOccurrences(of: "swift run heroform", with: ServerProcess.executable.path)
        let outputPath = workspace.url.appendingPathComponent("example-output.txt").path
        let shell = try ChildProcess(
            executable: "/usr/bin/timeout", arguments: ["120", "/bin/bash", "-e", "-o", "pipefail", "-c", command],
            directory: workspace.url.path,
            environment: ProcessInfo.processInfo.environment.merging(environment) { $1 }, output: .file(outputPath))
        let status = await shell.exit(within: .seconds(150)) ?? -1
        let text = try String(contentsOfFile: outputPath, encoding: .utf8)
        #expect(status == 0, "exit \(status) (124: timed out): \(text)")

        // Three leads, each answered 200 with its reference, and the outbox list shows them delivered.
        #expect(text.components(separatedBy: "HTTP/1.1 200").count - 1 == 3, "\(text)")
        #expect(text.components(separatedBy: "\"status\":\"success\"").count - 1 == 3, "\(text)")
        #expect(!text.contains("\"_token\""), "\(text)")
        #expect(text.contains("0 pending, 3 delivered, 0 failed"), "\(text)")
        #expect(text.contains("\"attachments\":1"), "the photo was taken: \(text)")
        server.signal(SIGTERM)
        #expect(await server.exitCode() == 0)
    }
}
