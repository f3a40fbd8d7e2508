package import Logging
package import Synchronization

/// Collects log lines (level, message and metadata) so tests can check what is logged.
package final class LogCapture: Sendable {
    package init() {}

    package let lines = Mutex<[String]>([])

    package var logger: Logger {
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
        func log(event: LogEvent) {
            let extra = (event.metadata ?? [:]).merging(metadata) { a, _ in a }.map { "\($0)=\($1)" }.sorted().joined(
                separator: " ")
            capture.lines.withLock { $0.append("\(event.level) \(event.message) \(extra)") }
        }
    }
}
