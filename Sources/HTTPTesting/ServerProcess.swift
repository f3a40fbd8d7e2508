package import Foundation

/// A built binary of this package (`heroform` unless told otherwise) run as a child process, the way an operator
/// runs it.
package final class ServerProcess: Sendable {
    package let child: ChildProcess

    /// The executable next to the test bundle (SwiftPM puts both in the same build folder).
    package static var executable: URL { executable(named: "heroform") }

    package static func executable(named name: String) -> URL {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundle, bundle.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return URL(fileURLWithPath: ".build/debug/\(name)")
    }

    /// Starts `program` with `arguments`; stdout and stderr are collected together.
    package init(
        _ arguments: [String], program: String = "heroform", directory: URL? = nil,
        environment: [String: String] = [:]
    ) throws {
        child = try ChildProcess(
            executable: Self.executable(named: program).path, arguments: arguments, directory: directory?.path,
            environment: ProcessInfo.processInfo.environment.merging(environment) { $1 })
    }

    package var text: String { child.text }

    /// Waits until the output contains `marker`; returns the output then, or nil on timeout or exit. The output is
    /// looked at once more when the time is up: under a parallel suite's load this task may only wake after it.
    package func waitFor(_ marker: String, timeout: Duration = .seconds(30)) async -> String? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let current = text
            if current.contains(marker) { return current }
            if !child.isRunning {
                try? await Task.sleep(for: .milliseconds(50))
                return text.contains(marker) ? text : nil
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        let last = text
        return last.contains(marker) ? last : nil
    }

    /// The port from the start-up line "listening on 127.0.0.1:PORT".
    package func listeningPort() async -> UInt16? {
        guard let output = await waitFor("listening on ") else { return nil }
        guard let range = output.range(of: "listening on ") else { return nil }
        let rest = output[range.upperBound...].prefix { $0 != " " && $0 != "," && $0 != "\n" }
        return rest.split(separator: ":").last.flatMap { UInt16($0) }
    }

    package func signal(_ number: Int32) { child.signal(number) }

    /// Waits for the process to end; nil if it is still running after `timeout` (it is then killed).
    package func exitCode(timeout: Duration = .seconds(10)) async -> Int32? {
        if let status = await child.exit(within: timeout) { return status }
        child.signal(SIGKILL)
        return nil
    }

    /// Runs to completion and returns (status, output).
    package static func run(
        _ arguments: [String], program: String = "heroform",
        directory: URL? = nil, environment: [String: String] = [:]
    ) async throws -> (Int32?, String) {
        let child = try ServerProcess(arguments, program: program, directory: directory, environment: environment)
        let status = await child.exitCode()
        return (status, child.text)
    }
}
