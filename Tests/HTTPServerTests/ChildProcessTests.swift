import Foundation
import HTTPTesting
import Sockets
import Testing

@Suite struct ChildProcessTests {
    @Test func collectsStdoutAndStderrAndTheExitCode() async throws {
        let child = try ChildProcess(executable: "/bin/sh", arguments: ["-c", "echo out; echo err >&2; exit 3"])
        #expect(await child.exit(within: .seconds(30)) == 3)
        #expect(child.text.contains("out\n"))
        #expect(child.text.contains("err\n"))
        #expect(!child.isRunning)
    }

    @Test func runsInTheGivenDirectoryWithTheGivenEnvironment() async throws {
        let child = try ChildProcess(
            executable: "/bin/sh", arguments: ["-c", "pwd; echo \"$GREETING\"; echo \"${HOME:-none}\""],
            directory: "/tmp", environment: ["GREETING": "moin"])
        #expect(await child.exit(within: .seconds(30)) == 0)
        #expect(child.text == "/tmp\nmoin\nnone\n")
    }

    @Test func inheritsTheEnvironmentWhenNoneIsGiven() async throws {
        let child = try ChildProcess(executable: "/bin/sh", arguments: ["-c", "echo \"$PATH\""])
        #expect(await child.exit(within: .seconds(30)) == 0)
        #expect(child.text == (ProcessInfo.processInfo.environment["PATH"] ?? "") + "\n")
    }

    @Test func writesToAFile() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID()).log").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let child = try ChildProcess(
            executable: "/bin/sh", arguments: ["-c", "echo one; echo two >&2"], output: .file(path))
        #expect(await child.exit(within: .seconds(30)) == 0)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "one\ntwo\n")
        #expect(child.text.isEmpty)
    }

    @Test func aSignalEndsItAndIsReportedByNumber() async throws {
        let child = try ChildProcess(executable: "/bin/sleep", arguments: ["30"])
        #expect(child.isRunning)
        #expect(child.exitStatus == nil)
        child.signal(SIGTERM)
        #expect(await child.exit(within: .seconds(30)) == SIGTERM)
    }

    @Test func aProgramThatDoesNotExistIsAnErrorNamingIt() {
        #expect {
            _ = try ChildProcess(executable: "/nonexistent/heroform-nothing", arguments: [])
        } throws: { error in
            "\(error)".contains("/nonexistent/heroform-nothing")
        }
    }

    /// The reason for this type: with many descriptors open, starting a child does not crash (Foundation's `Process`
    /// did), and the child gets none of the test process's descriptors, not even one opened without close-on-exec
    /// (a test server's accepted socket once lived on in a browser, so closing it sent no reset).
    @Test func theChildInheritsNoDescriptorButItsOwnThree() async throws {
        let address = try #require(try SocketAddress.resolve(host: "127.0.0.1", port: 0).first)
        var sockets: [Socket] = []
        for _ in 0..<200 { sockets.append(try Socket.listening(on: address, v6Only: false)) }
        defer { sockets.forEach { $0.close() } }
        let plain = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(plain) }
        #expect(plain >= 0 && fcntl(plain, F_GETFD) & FD_CLOEXEC == 0)
        // `ls` lists its own directory descriptor too: only that one may come on top of 0, 1 and 2.
        let child = try ChildProcess(executable: "/bin/ls", arguments: ["/proc/self/fd"])
        #expect(await child.exit(within: .seconds(30)) == 0)
        let inherited = Set(child.text.split(separator: "\n").compactMap { Int32($0) })
        #expect(inherited.isSuperset(of: [0, 1, 2]))
        #expect(inherited.count == 4)
        #expect(!inherited.contains(plain))
        #expect(inherited.isDisjoint(with: sockets.map(\.fd)))
    }

    /// A signal this process ignores is back to its default in the child (chromedriver once stayed deaf to SIGTERM).
    /// Signals 32 and up are glibc's own and left alone.
    @Test func theChildStartsWithDefaultSignalHandling() async throws {
        // Nothing in the suite uses SIGUSR2; ignoring it here makes the test able to fail.
        signal(SIGUSR2, SIG_IGN)
        let child = try ChildProcess(executable: "/bin/grep", arguments: ["-E", "^Sig(Ign|Blk)", "/proc/self/status"])
        #expect(await child.exit(within: .seconds(30)) == 0)
        let masks = child.text.split(separator: "\n").compactMap { line -> UInt64? in
            line.split(separator: "\t").last.flatMap { UInt64($0, radix: 16) }
        }
        #expect(masks.count == 2, "\(child.text)")
        #expect(masks.allSatisfy { $0 & 0x7fff_ffff == 0 }, "\(child.text)")
    }
}
