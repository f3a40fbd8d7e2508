import FoundationEssentials
import Glibc
package import HTTPServer
package import Outbox
import Synchronization

/// Counters and histograms for `GET /metrics`, in Prometheus text format (version 0.0.4). Labels come from
/// code (route patterns, fixed result names), so their number stays small — except leads' sources, which visitors
/// send and which are therefore capped (`LeadSources`).
package final class Metrics: HTTPObserver, Sendable {
    /// What became of a POST to /leads.
    package enum LeadResult: String, Sendable, CaseIterable {
        case delivered, queued, duplicate
        /// Validation or decoding refused it.
        case rejected
        /// Honeypot, token or proof of work.
        case spam
        case rateLimited = "rate_limited"
        /// It could not be stored (503).
        case error
    }

    static let buckets: [Double] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private struct RequestKey: Hashable {
        let method: String
        let route: String
        let status: Int
    }

    private struct Histogram {
        var counts = [Int](repeating: 0, count: Metrics.buckets.count)
        var sum = 0.0
        var total = 0

        mutating func record(_ seconds: Double) {
            for (index, bound) in Metrics.buckets.enumerated() where seconds <= bound { counts[index] += 1 }
            sum += seconds
            total += 1
        }
    }

    private struct State {
        var requests: [RequestKey: Int] = [:]
        var durations: [String: Histogram] = [:]
        var leads: [LeadResult: Int] = [:]
        var heroCalls: [String: Int] = [:]
        var uploads: [String: Int] = [:]
        var uploadedBytes = 0
        var sources = LeadSources()
    }

    /// Leads by `utm_source`, with a bounded label set: the first `maxNamed` sources seen get a label of their own,
    /// later ones count as `other`, leads without a source as `none`. A source spelt `none` or `other` counts there.
    struct LeadSources {
        static let maxNamed = 20
        private(set) var named: [String: Int] = [:]
        private(set) var none = 0
        private(set) var other = 0

        mutating func count(_ source: String?) {
            switch source {
            case nil, "none": none += 1
            case "other": other += 1
            case let source?:
                if named[source] != nil || named.count < Self.maxNamed {
                    named[source, default: 0] += 1
                } else {
                    other += 1
                }
            }
        }

        /// Label values and counts: the named sources by name, then `none` and `other`.
        var lines: [(label: String, count: Int)] {
            named.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } + [("none", none), ("other", other)]
        }
    }

    private let state = Mutex(State())

    package init() {}

    package func requestCompleted(method: HTTPMethod?, route: String, status: HTTPStatus, duration: Duration) {
        let methodLabel = method.map { HTTPMethod.known.contains($0) ? $0.rawValue : "other" } ?? "-"
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        state.withLock { state in
            state.requests[RequestKey(method: methodLabel, route: route, status: status.code), default: 0] += 1
            // In place: a copy taken out and written back would copy the bucket array on every request.
            state.durations[route, default: Histogram()].record(seconds)
        }
    }

    package func lead(_ result: LeadResult) {
        state.withLock { $0.leads[result, default: 0] += 1 }
    }

    /// Counts a new lead (delivered or queued) by where it came from: its `utm_source`, or none.
    package func leadTaken(source: String?) {
        state.withLock { $0.sources.count(source) }
    }

    /// Counts a sending by its outcome, under the names of HERO's answers (dry-run sendings count as created).
    package func heroCall(_ outcome: SendOutcome) {
        let label: String
        switch outcome {
        case .delivered: label = "created"
        case .keyRejected: label = "unauthorized"
        case .unavailable: label = "unavailable"
        case .refused: label = "rejected"
        }
        state.withLock { $0.heroCalls[label, default: 0] += 1 }
    }

    /// Counts a file upload to HERO by its outcome, and the bytes of those that went.
    package func upload(_ report: UploadReport) {
        let label: String
        var bytes = 0
        switch report {
        case .sent(let size):
            label = "uploaded"
            bytes = size
        case .keyRejected: label = "unauthorized"
        case .unavailable: label = "unavailable"
        case .refused: label = "rejected"
        }
        state.withLock { state in
            state.uploads[label, default: 0] += 1
            state.uploadedBytes += bytes
        }
    }

    /// How delivery stands right now, read when /metrics is asked.
    package struct DeliveryGauges: Sendable {
        /// The circuit's state: closed, open or half-open.
        package var circuit = "closed"
        /// Age of the oldest pending lead (0 when none waits).
        package var oldestPendingSeconds: Double = 0
        package var callsInFlight = 0
        /// Each HERO account's state as /readyz names it (`ok`, `key_rejected`, `files_key_rejected`).
        package var accounts: [String: String] = [:]

        package init() {}
    }

    /// The exposition; `outbox` are the current counts by status, `files` those of files still to send and failed.
    package func render(
        outbox: [String: Int], files: (pending: Int, failed: Int) = (0, 0), delivery: DeliveryGauges = DeliveryGauges(),
        mode: String, version: String
    ) -> String {
        let snapshot = state.withLock { $0 }
        var out = ""
        out += "# HELP heroform_info Build and mode of this instance.\n# TYPE heroform_info gauge\n"
        out += "heroform_info{version=\"\(Self.escape(version))\",mode=\"\(Self.escape(mode))\"} 1\n"

        out += "# HELP heroform_http_requests_total HTTP requests answered, by method, route and status.\n"
        out += "# TYPE heroform_http_requests_total counter\n"
        for (key, count) in snapshot.requests.sorted(by: {
            ($0.key.route, $0.key.method, $0.key.status) < ($1.key.route, $1.key.method, $1.key.status)
        }) {
            let labels =
                "method=\"\(Self.escape(key.method))\",route=\"\(Self.escape(key.route))\",status=\"\(key.status)\""
            out += "heroform_http_requests_total{\(labels)} \(count)\n"
        }

        out += "# HELP heroform_http_request_duration_seconds Time from a request's head to its answer, by route.\n"
        out += "# TYPE heroform_http_request_duration_seconds histogram\n"
        for (route, histogram) in snapshot.durations.sorted(by: { $0.key < $1.key }) {
            let label = "route=\"\(Self.escape(route))\""
            for (index, bound) in Self.buckets.enumerated() {
                let bucket = "\(label),le=\"\(Self.format(bound))\""
                out += "heroform_http_request_duration_seconds_bucket{\(bucket)} \(histogram.counts[index])\n"
            }
            out += "heroform_http_request_duration_seconds_bucket{\(label),le=\"+Inf\"} \(histogram.total)\n"
            out += "heroform_http_request_duration_seconds_sum{\(label)} \(Self.format(histogram.sum))\n"
            out += "heroform_http_request_duration_seconds_count{\(label)} \(histogram.total)\n"
        }

        out += "# HELP heroform_leads_total Submissions to /leads by result.\n# TYPE heroform_leads_total counter\n"
        for result in LeadResult.allCases {
            out += "heroform_leads_total{result=\"\(result.rawValue)\"} \(snapshot.leads[result] ?? 0)\n"
        }

        out += "# HELP heroform_leads_by_source_total New leads (delivered or queued) by utm_source: the first "
        out += "\(LeadSources.maxNamed) sources seen, the rest as other, none without one.\n"
        out += "# TYPE heroform_leads_by_source_total counter\n"
        for (label, count) in snapshot.sources.lines {
            out += "heroform_leads_by_source_total{source=\"\(Self.escape(label))\"} \(count)\n"
        }

        out += "# HELP heroform_hero_calls_total Calls to HERO's Lead API by outcome.\n"
        out += "# TYPE heroform_hero_calls_total counter\n"
        for outcome in ["created", "unauthorized", "unavailable", "rejected"] {
            out += "heroform_hero_calls_total{outcome=\"\(outcome)\"} \(snapshot.heroCalls[outcome] ?? 0)\n"
        }

        out += "# HELP heroform_outbox_leads Leads in the outbox by status.\n# TYPE heroform_outbox_leads gauge\n"
        for status in ["pending", "failed", "delivered"] {
            out += "heroform_outbox_leads{status=\"\(status)\"} \(outbox[status] ?? 0)\n"
        }

        out += "# HELP heroform_file_uploads_total Uploads of leads' files to HERO by outcome.\n"
        out += "# TYPE heroform_file_uploads_total counter\n"
        for outcome in ["uploaded", "unauthorized", "unavailable", "rejected"] {
            out += "heroform_file_uploads_total{outcome=\"\(outcome)\"} \(snapshot.uploads[outcome] ?? 0)\n"
        }
        out += "# HELP heroform_file_upload_bytes_total Bytes of files uploaded to HERO.\n"
        out += "# TYPE heroform_file_upload_bytes_total counter\n"
        out += "heroform_file_upload_bytes_total \(snapshot.uploadedBytes)\n"
        out += "# HELP heroform_outbox_files Files of leads still to send to HERO, and failed ones.\n"
        out += "# TYPE heroform_outbox_files gauge\n"
        out += "heroform_outbox_files{state=\"pending\"} \(files.pending)\n"
        out += "heroform_outbox_files{state=\"failed\"} \(files.failed)\n"
        out += "# HELP heroform_outbox_oldest_pending_seconds Age of the oldest lead waiting for HERO (0: none).\n"
        out += "# TYPE heroform_outbox_oldest_pending_seconds gauge\n"
        out += "heroform_outbox_oldest_pending_seconds \(Self.format(delivery.oldestPendingSeconds))\n"
        out += "# HELP heroform_hero_circuit Whether HERO is called: closed (yes), open (down; only probes), "
        out += "half-open.\n"
        out += "# TYPE heroform_hero_circuit gauge\n"
        for state in ["closed", "open", "half-open"] {
            out += "heroform_hero_circuit{state=\"\(state)\"} \(delivery.circuit == state ? 1 : 0)\n"
        }
        out += "# HELP heroform_hero_calls_in_flight Calls to HERO in flight (leads and files, inline and "
        out += "background).\n"
        out += "# TYPE heroform_hero_calls_in_flight gauge\n"
        out += "heroform_hero_calls_in_flight \(delivery.callsInFlight)\n"
        if !delivery.accounts.isEmpty {
            out += "# HELP heroform_hero_key_rejected Whether HERO refuses an account's key (for leads or files).\n"
            out += "# TYPE heroform_hero_key_rejected gauge\n"
            for (account, state) in delivery.accounts.sorted(by: { $0.key < $1.key }) {
                out += "heroform_hero_key_rejected{account=\"\(Self.escape(account))\"} \(state == "ok" ? 0 : 1)\n"
            }
        }
        return out
    }

    /// Prometheus label values: backslash, double quote and line feed escaped. Scalar by scalar, because a CR LF
    /// pair is one Character and a Character-wise replace of "\n" would miss it.
    static func escape(_ value: String) -> String {
        var escaped = String.UnicodeScalarView()
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": escaped.append(contentsOf: "\\\\".unicodeScalars)
            case "\"": escaped.append(contentsOf: "\\\"".unicodeScalars)
            case "\n": escaped.append(contentsOf: "\\n".unicodeScalars)
            default: escaped.append(scalar)
            }
        }
        return String(escaped)
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
