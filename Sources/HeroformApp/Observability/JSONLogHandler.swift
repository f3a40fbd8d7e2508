import FormCore
import FoundationEssentials
import Glibc
import JSON
package import Logging

/// One JSON object per line on standard error, for log collectors (`--log-format json`).
package struct JSONLogHandler: LogHandler {
    package var metadata: Logger.Metadata = [:]
    package var logLevel: Logger.Level = .info
    let label: String
    let write: @Sendable (String) -> Void

    package init(
        label: String,
        write: @escaping @Sendable (String) -> Void = { line in
            // write(2) on the descriptor: a reader of standard error that has gone away makes it fail, nothing worse.
            // A full, non-blocking pipe gets a moment to drain, so lines are not cut in half.
            let bytes = Array(line.utf8)
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                    var entry = pollfd(fd: STDERR_FILENO, events: Int16(POLLOUT), revents: 0)
                    guard poll(&entry, 1, 100) > 0 else { return }
                } else {
                    return
                }
            }
        }
    ) {
        self.label = label
        self.write = write
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var object: [String: JSONValue] = [
            "time": .string(Self.timestamp(Date())),
            "level": .string(event.level.rawValue),
            "label": .string(label),
            "source": .string(event.source),
            "message": .string(event.message.description),
        ]
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        if !merged.isEmpty { object["metadata"] = .object(merged.mapValues { .string("\($0)") }) }
        write(JSONValue.object(object).serialized() + "\n")
    }

    /// RFC 3339 in UTC with milliseconds; no formatter object made per log line.
    static func timestamp(_ date: Date) -> String {
        UTCTime(secondsSince1970: date.timeIntervalSince1970).iso8601
    }
}
