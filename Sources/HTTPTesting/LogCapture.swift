import Logging
import Synchronization

/// Collects log lines (level, message and metadata) so tests can check what is logged.
public final class LogCapture: Sendable {
    public init() {}

    public let lines = Mutex<[String]>([])

    public var logger: Logger {
        Logger(label: "capture") { _ in Handler(capture: self) }
    }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
            let extra = (metadata ?? [:]).merging(self.metadata) { a, _ in a }.map { "\($0)=\($1)" }.sorted().joined(separator: " ")
            capture.lines.withLock { $0.append("\(level) \(message) \(extra)") }
        }
    }
}
