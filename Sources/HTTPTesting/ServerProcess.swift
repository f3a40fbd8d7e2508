package import Foundation
import Synchronization

/// A built binary of this package (`heroform` unless told otherwise) run as a child process, the way an operator
/// runs it.
package final class ServerProcess: Sendable {
    package let process: Process
    private let output = OutputBuffer()

    /// Shared with the pipe's reading handler, which outlives any borrow of `self`.
    final class OutputBuffer: Sendable {
        let text = Mutex<String>("")
    }

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
        process = Process()
        process.executableURL = Self.executable(named: program)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try ProcessLaunch.run(process)
        // Read by a thread of its own until the child's end of the pipe closes, not by `readabilityHandler`: its
        // Dispatch source stays registered by descriptor number when the handle closes the pipe, and libdispatch then
        // crashed on an event for the next socket that got the same number.
        let output = self.output
        let reading = pipe.fileHandleForReading
        Thread.detachNewThread {
            while true {
                let data = reading.availableData
                if data.isEmpty { return }
                output.text.withLock { $0 += String(decoding: data, as: UTF8.self) }
            }
        }
    }

    /// A test that ends early (a failed expectation) must not leave its server running.
    deinit {
        if process.isRunning { process.terminate() }
    }

    package var text: String { output.text.withLock { $0 } }

    /// Waits until the output contains `marker`; returns the output then, or nil on timeout or exit. The output is
    /// looked at once more when the time is up: under a parallel suite's load this task may only wake after it.
    package func waitFor(_ marker: String, timeout: Duration = .seconds(30)) async -> String? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let current = text
            if current.contains(marker) { return current }
            if !process.isRunning {
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

    package func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits for the process to end; nil if it is still running after `timeout` (it is then killed).
    package func exitCode(timeout: Duration = .seconds(10)) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning {
            process.terminate()
            return nil
        }
        return process.terminationStatus
    }

    /// Runs to completion and returns (status, output).
    package static func run(
        _ arguments: [String], program: String = "heroform",
        directory: URL? = nil, environment: [String: String] = [:]
    ) async throws -> (Int32?, String) {
        let child = try ServerProcess(arguments, program: program, directory: directory, environment: environment)
        let status = await child.exitCode()
        try? await Task.sleep(for: .milliseconds(50))
        return (status, child.text)
    }
}
