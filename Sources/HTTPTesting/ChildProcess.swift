package import Glibc
import Sockets
import Synchronization

/// A child process started with `posix_spawn`, for the tests that run the real binary, chromedriver or a shell.
///
/// Not Foundation's `Process`: on Linux its `run()` is not safe to call from several threads at once, and with many
/// descriptors open (a parallel suite holding many sockets) it reads past the end of its /proc/self/fd listing.
/// The child gets only the three descriptors given here; every other one is closed in the child, whoever opened it.
package final class ChildProcess: Sendable {
    /// Where the child's stdout and stderr go (both to the same place; stdin is /dev/null).
    package enum Output: Sendable {
        /// Collected in memory, readable as `text`.
        case collect
        /// Written to the file at this path (created or truncated).
        case file(String)
        case discard
    }

    package struct SpawnError: Error, CustomStringConvertible {
        package let description: String
    }

    package let pid: pid_t
    /// The exit status once reaped (`waitpid` hands it out only once).
    private let reaped = Mutex<Int32?>(nil)
    private let output = OutputBuffer()

    /// Shared with the reading thread, which may outlive `self`.
    private final class OutputBuffer: Sendable {
        struct Contents {
            var text = ""
            /// The reader saw the end of the output (`.collect`), or there is nothing to read.
            var ended = false
        }
        let contents = Mutex(Contents())
    }

    /// Starts `executable` (a path) with `arguments`. `environment` nil inherits this process's environment;
    /// otherwise it is the child's whole environment.
    package init(
        executable: String, arguments: [String], directory: String? = nil,
        environment: [String: String]? = nil, output: Output = .collect
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        var pipeEnds: [Int32] = [-1, -1]
        switch output {
        case .collect:
            // A socket pair, not pipe(): close-on-exec from the start (Swift's Glibc module lacks pipe2), so a child
            // another test starts meanwhile cannot inherit our end and hold the output open.
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pipeEnds) == 0
            else { throw SpawnError(description: "socketpair: errno \(errno)") }
            posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
            posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 2)
        case .file(let path):
            posix_spawn_file_actions_addopen(&actions, 1, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        case .discard:
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        if let directory {
            guard let addChdir = Self.addChdir else {
                throw SpawnError(description: "posix_spawn_file_actions_addchdir_np is missing (glibc before 2.29)")
            }
            _ = addChdir(&actions, directory)
        }
        // Nothing past stdin, stdout and stderr: a descriptor someone in the test process opened without close-on-exec
        // (an accepted test socket, say) would otherwise live on in the child, and closing it here would neither end
        // the connection nor send the reset a test waits for.
        guard let addCloseFrom = Self.addCloseFrom else {
            throw SpawnError(description: "posix_spawn_file_actions_addclosefrom_np is missing (glibc before 2.34)")
        }
        _ = addCloseFrom(&actions, 3)
        // Default dispositions and an empty mask: a signal the test process ignores or blocks must not stay so in the
        // child (chromedriver once outlived every run, deaf to SIGTERM).
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var allSignals = sigset_t()
        var noSignals = sigset_t()
        sigfillset(&allSignals)
        sigemptyset(&noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let environment = environment ?? Self.inheritedEnvironment()
        var child: pid_t = 0
        let status = Self.withCStrings([executable] + arguments) { argv in
            Self.withCStrings(environment.map { "\($0.key)=\($0.value)" }) { envp in
                posix_spawn(&child, executable, &actions, &attributes, argv, envp)
            }
        }
        // The write end is the child's alone; with ours closed, reading ends when the child's output does.
        if pipeEnds[1] >= 0 { close(pipeEnds[1]) }
        guard status == 0 else {
            if pipeEnds[0] >= 0 { close(pipeEnds[0]) }
            throw SpawnError(description: "cannot start \(executable): \(String(cString: strerror(status)))")
        }
        pid = child
        if pipeEnds[0] >= 0 {
            try startCollecting(from: pipeEnds[0])
        } else {
            self.output.contents.withLock { $0.ended = true }
        }
    }

    /// A test that ends early (a failed expectation) must not leave its child running, nor a zombie behind.
    deinit {
        if isRunning {
            kill(pid, SIGKILL)
            _ = waitUntilExit()
        }
    }

    /// The output so far (`.collect` only).
    package var text: String { output.contents.withLock { $0.text } }

    package var isRunning: Bool { exitStatus == nil }

    /// The exit code, or the signal's number when a signal ended it (as Foundation's `terminationStatus`); nil while
    /// it runs.
    package var exitStatus: Int32? {
        reaped.withLock { reaped in
            if reaped == nil { reaped = Self.reap(pid, blocking: false) }
            return reaped
        }
    }

    package func signal(_ number: Int32) {
        if isRunning { kill(pid, number) }
    }

    /// Waits for the end, polling so no thread of the cooperative pool blocks; nil if it still runs after `timeout`.
    /// After the exit it gives the reader up to a second to take the last output (a grandchild may hold the pipe).
    package func exit(within timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, exitStatus == nil {
            try? await Task.sleep(for: .milliseconds(20))
        }
        guard let status = exitStatus else { return nil }
        let outputDeadline = ContinuousClock.now + .seconds(1)
        while ContinuousClock.now < outputDeadline, !output.contents.withLock({ $0.ended }) {
            try? await Task.sleep(for: .milliseconds(10))
        }
        return status
    }

    /// Blocks the calling thread until the child ends (and, for up to a second, until its output is read); for
    /// synchronous callers only.
    package func waitUntilExit() -> Int32 {
        let status = reaped.withLock { reaped in
            if reaped == nil { reaped = Self.reap(pid, blocking: true) }
            return reaped ?? -1
        }
        for _ in 0..<1000 where !output.contents.withLock({ $0.ended }) { usleep(1000) }
        return status
    }

    private static func reap(_ pid: pid_t, blocking: Bool) -> Int32? {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, blocking ? 0 : WNOHANG)
            if result == pid { break }
            if result == 0 { return nil }
            if errno == EINTR { continue }
            return -1  // not our child any more (reaped elsewhere): nothing to wait for
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : signal
    }

    private func startCollecting(from descriptor: Int32) throws {
        let output = self.output
        try OSThread.start(name: "child-output") {
            var buffer = [UInt8](repeating: 0, count: 16 * 1024)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                let chunk = String(decoding: buffer[0..<count], as: UTF8.self)
                output.contents.withLock { $0.text += chunk }
            }
            close(descriptor)
            output.contents.withLock { $0.ended = true }
        }
    }

    private typealias AddChdir = @convention(c) (
        UnsafeMutablePointer<posix_spawn_file_actions_t>?, UnsafePointer<CChar>?
    ) -> Int32

    /// glibc has it since 2.29, but Swift's Glibc module does not declare it.
    private static let addChdir: AddChdir? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np")
        else { return nil }
        return unsafeBitCast(symbol, to: AddChdir.self)
    }()

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32

    /// glibc has it since 2.34, but Swift's Glibc module does not declare it.
    private static let addCloseFrom: AddCloseFrom? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        else { return nil }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()

    private static func inheritedEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let pair = String(cString: pointer)
            if let equals = pair.firstIndex(of: "=") {
                result[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
            }
            entry += 1
        }
        return result
    }

    /// A NULL-terminated array of C strings, valid for the duration of `body`.
    private static func withCStrings<R>(
        _ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R
    ) -> R {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { pointers.forEach { free($0) } }
        return body(pointers)
    }
}
