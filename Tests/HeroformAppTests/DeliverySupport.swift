import Foundation
import Logging
import Outbox
import Synchronization

/// A logger that keeps quiet, for tests that do not look at logs.
let quietLogger: Logger = {
    var logger = Logger(label: "delivery-test")
    logger.logLevel = .critical
    return logger
}()

/// A fresh outbox in a temporary data dir, removed when the test ends.
final class TemporaryOutbox {
    let dataDir = temporaryDataDir()
    let store: OutboxStore

    init() throws { store = try OutboxStore(dataDir: dataDir) }

    deinit { try? FileManager.default.removeItem(atPath: dataDir) }

    /// Stores a lead with a fixed reference and a payload HERO's stand-in takes.
    func stored(_ reference: String = "AAA-AAA-AAA", now: Date = Date()) async throws -> String {
        let payload = Data(#"{"address":{"zipcode":"30449"},"customer":{"email":"max@example.org"},"measure":"DOG"}"#
            .utf8)
        _ = try await store.perform { session in
            try session.insert(OutboxStore.NewLead(formID: "default", payload: Data()), reference: { reference },
                               payloadFor: { _ in payload }, now: now, maxAge: 7 * 86400)
        }
        return reference
    }

    func record(_ reference: String) async throws -> LeadRecord? {
        try await store.perform { try $0.find(reference) }
    }
}

/// Collects alerts.
final class RecordingAlerts: AlertSink {
    private let alerts = Mutex<[Alert]>([])
    func send(_ alert: Alert) async { alerts.withLock { $0.append(alert) } }
    var all: [Alert] { alerts.withLock { $0 } }
}
