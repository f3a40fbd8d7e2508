import FormCore
import FoundationEssentials
import JSON
import Outbox

/// Plain-text views of outbox records for the operator CLI.
enum OutboxTable {
    static func render(_ records: [LeadRecord]) -> String {
        guard !records.isEmpty else { return "no leads" }
        let header = ["REFERENCE", "FORM", "STATUS", "ATTEMPTS", "CREATED (UTC)", "NEXT / DELIVERED (UTC)", "HERO ID"]
        let rows = records.map { record -> [String] in
            let when: String
            switch record.status {
            case .pending: when = "next " + timestamp(record.nextAttemptAt)
            case .delivered: when = record.deliveredAt.map(timestamp) ?? "-"
            case .failed: when = "-"
            }
            let project = record.externalID.map(String.init) ?? "-"
            return [
                record.reference, record.formID, record.status.rawValue + (record.erasedAt != nil ? " (erased)" : ""),
                String(record.attempts), timestamp(record.createdAt), when, project,
            ]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0 + String(repeating: " ", count: max(0, $1 - $0.count)) }.joined(separator: "  ")
                .trimmingWhitespaceAndNewlines()
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }

    static func details(_ record: LeadRecord) -> String {
        var lines = [
            "reference:    \(record.reference)",
            "form:         \(record.formID)",
            "status:       \(record.status.rawValue)",
            "attempts:     \(record.attempts)",
            "created:      \(timestamp(record.createdAt)) UTC",
        ]
        switch record.status {
        case .pending:
            lines.append(
                "next attempt: \(timestamp(record.nextAttemptAt)) UTC (gives up \(timestamp(record.giveUpAt)) UTC)")
        case .delivered:
            let project = record.externalID.map(String.init) ?? "-"
            lines.append("delivered:    \(record.deliveredAt.map(timestamp) ?? "-") UTC, HERO project \(project)")
        case .failed:
            lines.append("failed:       retry with `heroform outbox retry \(record.reference)` once the cause is fixed")
        }
        if let error = record.lastError { lines.append("last error:   \(error)") }
        if let erased = record.erasedAt {
            lines.append("personal data erased \(timestamp(erased)) UTC (retention period)")
        } else if let payload = record.payload {
            let pretty =
                (try? JSONValue.parse(payload))?.serialized(pretty: true) ?? String(decoding: payload, as: UTF8.self)
            lines.append("payload sent to HERO:")
            lines.append(pretty)
        }
        return lines.joined(separator: "\n")
    }

    /// "yyyy-MM-dd HH:mm:ss" in UTC, whatever the server's locale and time zone.
    static func timestamp(_ date: Date) -> String {
        UTCTime(secondsSince1970: date.timeIntervalSince1970).dateTime
    }
}
