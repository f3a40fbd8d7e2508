public import ArgumentParser
import Dispatch
import FoundationEssentials
import Glibc
import HTTPServer
import HeroformApp
import Logging
import Sockets

/// The process's entry point. The main thread waits for the command instead of handing itself to Dispatch, as an
/// async `main` does: `dispatch_main()` ends the main thread with `pthread_exit`, whose unwinding of the thread's
/// stack maps about 0.7 MB of unwind tables that stay resident for the life of the process (BENCHMARKS.md, "Idle
/// memory"). Nothing in heroform runs on the main queue or the main actor, so nothing waits for this thread.
@main
enum Entry {
    static func main() {
        let finished = DispatchSemaphore(value: 0)
        // Detached: a task made here would inherit the main actor, whose thread is about to wait.
        Task.detached {
            await Heroform.main()
            finished.signal()
        }
        finished.wait()
    }
}

struct Heroform: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "heroform",
        abstract: "A self-hosted contact-form backend that relays leads to HERO.",
        version: HeroformApplication.version,
        subcommands: [Serve.self, CheckConfig.self, OutboxCommand.self, HealthcheckCommand.self],
        defaultSubcommand: Serve.self
    )
}

/// Options every command that reads the config shares.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "Config file (default: config.json if present, else config.example.json).")
    var config: String?

    var resolvedPath: String {
        if let config { return config }
        return FileManager.default.fileExists(atPath: "config.json") ? "config.json" : "config.example.json"
    }

    func load() throws -> AppConfig {
        do {
            return try AppConfig.load(path: resolvedPath)
        } catch {
            throw ValidationError(error.description)
        }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HTTP server.")

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: "Lowest level logged: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @Option(name: .long, help: "text (readable lines) or json (one JSON object per line).")
    var logFormat: LogFormat = .text

    enum LogFormat: String, ExpressibleByArgument {
        case text, json
    }

    func run() async throws {
        let level = logLevel
        let format = logFormat
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler =
                format == .json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "heroform")
        let config = try options.load()
        let application: HeroformApplication
        do {
            // What check-config checks, so that a config it passes starts.
            try HeroformApplication.check(config, environment: ProcessInfo.processInfo.environment)
            let keys = try config.heroKeys(environment: ProcessInfo.processInfo.environment)
            application = try HeroformApplication(
                config: config, apiKey: keys.defaultKey, accountKeys: keys.accounts, logger: logger)
        } catch {
            throw ValidationError("\(error)")
        }
        let signals = ShutdownSignals([SIGTERM, SIGINT])
        let reloads = ShutdownSignals([SIGHUP])
        // The data dir first (its lock, and what a crash left there), then the listener.
        do {
            try await application.start()
        } catch {
            logger.critical("\(error)")
            throw ExitCode(1)
        }
        let server = application.makeServer(logger: logger)
        let addresses: [String]
        do {
            addresses = try server.start().map(\.description)
        } catch {
            logger.critical("cannot listen on \(config.server.host):\(config.server.port): \(error)")
            await application.stop()
            throw ExitCode(1)
        }
        let listening = addresses.joined(separator: ", ")
        let paths = "config \(options.resolvedPath), public \(config.server.publicDir)"
        logger.info("heroform \(HeroformApplication.version) listening on \(listening) (\(paths))")
        for line in application.summary { logger.info("\(line)") }

        let reloading = Task {
            // nil once this task is cancelled at shutdown: that is no SIGHUP, so no reload.
            while await reloads.next() != nil, !Task.isCancelled {
                reload(application, logger: logger)
            }
        }
        let signal = await signals.next() ?? SIGTERM
        reloading.cancel()
        logger.info("received \(signal == SIGTERM ? "SIGTERM" : "SIGINT"), finishing requests in flight")
        let clean = await server.shutdown(gracePeriod: config.server.shutdownGracePeriod)
        await application.stop()
        logger.info(clean ? "stopped" : "stopped; some connections were cut off after the grace period")
    }
}

extension Serve {
    /// SIGHUP: read the config again and swap the routes in; a broken config leaves everything as it was.
    func reload(_ application: HeroformApplication, logger: Logger) {
        do {
            let config = try options.load()
            let needsRestart = try application.reload(config)
            logger.info("config reloaded from \(options.resolvedPath)")
            if !needsRestart.isEmpty {
                logger.warning("changes to \(needsRestart.joined(separator: ", ")) take effect after a restart")
            }
        } catch {
            logger.error("config not reloaded, still running with the previous one: \(error)")
        }
    }
}

struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config", abstract: "Check a config file and name each problem.")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        do {
            let config = try AppConfig.load(path: options.resolvedPath)
            try HeroformApplication.check(config, environment: ProcessInfo.processInfo.environment)
            print("\(options.resolvedPath): OK")
            for note in config.notes { print("  note: \(note)") }
        } catch {
            // Both steps throw `AppConfig.Invalid`, which names the file and every problem.
            print(error.description)
            throw ExitCode(1)
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Catches signals through Dispatch instead of an async-signal-unsafe handler. Install it before the server starts
/// listening, so a signal that comes right after start-up is never fatal.
struct ShutdownSignals {
    private let sources: [any DispatchSourceSignal]
    private let stream: AsyncStream<Int32>

    init(_ signals: [Int32]) {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        let queue = DispatchQueue(label: "heroform.signals")
        self.stream = stream
        self.sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
    }

    /// Waits for the next signal; nil when the waiting task is cancelled (the stream then ends for it).
    func next() async -> Int32? {
        var iterator = stream.makeAsyncIterator()
        return await iterator.next()
    }
}
