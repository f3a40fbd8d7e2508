import Foundation
import HTTPTesting
import Testing

/// What the binary refuses about where it would send: HERO's key over plain http, a proxy it cannot use.
@Suite struct NetworkCommandLineTests {
    func run(_ arguments: [String], in workspace: Workspace, environment: [String: String] = [:]) async throws
        -> (Int32?, String)
    {
        let child = try ServerProcess(arguments, directory: workspace.url, environment: environment)
        let status = await child.exitCode(timeout: .seconds(60))
        try? await Task.sleep(for: .milliseconds(50))
        return (status, child.text)
    }

    @Test func checkConfigAndServeRefuseAPlainHTTPEndpoint() async throws {
        let workspace = try Workspace(
            config: #"{"server": {"port": 0}, "hero": {"endpoint": "http://hero.example/api"}, "# + forms + "}")
        let (status, output) = try await run(["check-config"], in: workspace)
        #expect(status == 1)
        #expect(output.contains("hero.endpoint: must be an https URL (plain http only to a loopback address"), "\(output)")
        let (serveStatus, serveOutput) = try await run(["serve"], in: workspace)
        #expect(serveStatus != 0)
        #expect(serveOutput.contains("hero.endpoint: must be an https URL"), "\(serveOutput)")
    }

    @Test func checkConfigAndServeNameAnUnusableProxyVariable() async throws {
        let workspace = try Workspace(config: #"{"server": {"port": 0}, "# + forms + "}")
        let environment = ["https_proxy": "https://user:geheim@proxy.example:443"]
        let (status, output) = try await run(["check-config"], in: workspace, environment: environment)
        #expect(status == 1)
        #expect(output.contains("https_proxy: heroform cannot use a https:// proxy"), "\(output)")
        #expect(!output.contains("geheim"))
        let (serveStatus, serveOutput) = try await run(["serve"], in: workspace, environment: environment)
        #expect(serveStatus != 0)
        #expect(serveOutput.contains("https_proxy: heroform cannot use a https:// proxy"), "\(serveOutput)")
        #expect(!serveOutput.contains("geheim"))
    }
}
