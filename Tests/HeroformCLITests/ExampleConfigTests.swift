import Foundation
import HTTPTesting
import Testing

/// The README's worked examples, as files under `examples/`, pass `check-config` as they are.
@Suite struct ExampleConfigTests {
    @Test func checkConfigAcceptsTheTwoTradesExample() async throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let path = repository.appendingPathComponent("examples/two-trades.json").path
        let workspace = try Workspace(config: try String(contentsOfFile: path, encoding: .utf8))
        let (status, output) = try await ServerProcess.run(["check-config", "--config", workspace.configPath])
        #expect(status == 0, "\(output)")
        #expect(output.contains("OK"))
    }
}
