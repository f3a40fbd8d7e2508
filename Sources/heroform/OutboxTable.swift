import FormCore
import FoundationEssentials
import JSON
import Outbox

/// Plain-text views of outbox records for the operator CLI.
enum OutboxTable {
    static func render(_ records: [LeadRecord]) -> String {
        guard !records.isEmpty else { return "no leads" }
        let header = [
            "REFERENCE", "FORM", "STATUS", "ATTEMPTS", "CREATED (UTC)", "NEXT / DELIVERED (UTC)", "HERO ID", "FILES",
        ]
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
                record.attachments.isEmpty ? "-" : AttachmentSummary(record.attachments).text,
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
            "account:      \(record.account.map(printable) ?? "default (HERO_API_KEY)")",
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
        if let error = record.lastError { lines.append("last error:   \(printable(error))") }
        if !record.attachments.isEmpty { lines += files(record) }
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

    /// HERO's page of a project, by its project_match id (where the office sees the attached files).
    static func projectPage(_ projectMatchID: Int) -> String {
        "https://login.hero-software.de/partner/Projects/view/\(projectMatchID)"
    }

    static func files(_ record: LeadRecord) -> [String] {
        let sending = record.filesPending == true ? ", sending" : ""
        var lines = ["files:        \(AttachmentSummary(record.attachments).text)\(sending)"]
        if let target = record.filesTarget {
            let number = target.label.map { " (\(printable($0)))" } ?? ""
            lines.append("HERO project: match \(target.id)\(number), \(projectPage(target.id))")
        }
        for file in record.attachments {
            var state = file.state.rawValue
            if let uuid = file.uploadID { state += ", upload \(printable(uuid))" }
            if let id = file.externalID { state += ", HERO file \(id)" }
            if let error = file.lastError { state += ", \(printable(error))" }
            if file.fileErased && file.state != .attached { state += " (file deleted)" }
            let name = printable(file.filename ?? "(name erased)")
            lines.append("  \(file.number). \(name)  \(file.mediaType)  \(byteCount(file.size))  \(state)")
        }
        if record.attachments.contains(where: { !$0.fileErased }) {
            lines.append("  copy them with `heroform outbox files \(record.reference) --to DIR`")
        }
        return lines
    }

    /// Text from outside (HERO's messages, a visitor's file name) as a terminal shows it harmlessly: control and
    /// bidi characters, which could move the cursor or disguise what follows, become `?`.
    static func printable(_ text: String) -> String {
        String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { scalar in
                    switch scalar.properties.generalCategory {
                    case .control, .format, .lineSeparator, .paragraphSeparator: "?"
                    default: scalar
                    }
                }))
    }

    /// "850 KB", "2.1 MB".
    static func byteCount(_ bytes: Int) -> String {
        if bytes < 1_000_000 { return "\(max(1, (bytes + 999) / 1000)) KB" }
        let tenths = (bytes + 50_000) / 100_000
        return "\(tenths / 10).\(tenths % 10) MB"
    }

    /// `2-photo.jpg`: numbered, so two files of the same name do not collide, and with nothing from the visitor's
    /// name that could leave the folder or hide itself.
    static func copyName(_ file: AttachmentRecord) -> String {
        let name = (file.filename ?? "file").unicodeScalars.map { scalar -> String in
            scalar == "/" || scalar == "\\" || scalar.value < 0x20 || scalar.value == 0x7F ? "_" : String(scalar)
        }.joined()
        let trimmed = String(name.drop { $0 == "." }.prefix(100))
        return "\(file.number)-\(trimmed.isEmpty ? "file" : trimmed)"
    }

    /// "yyyy-MM-dd HH:mm:ss" in UTC, whatever the server's locale and time zone.
    static func timestamp(_ date: Date) -> String {
        UTCTime(secondsSince1970: date.timeIntervalSince1970).dateTime
    }
}
