import Foundation
import Logging
import Synchronization
@testable import Outbox

/// A fresh outbox in a temporary folder, removed when the test ends.
final class TemporaryOutbox {
    let dataDir = NSTemporaryDirectory() + "heroform-outbox-\(UUID().uuidString)"
    let store: OutboxStore

    init() throws { store = try OutboxStore(dataDir: dataDir) }

    deinit { try? FileManager.default.removeItem(atPath: dataDir) }
}

/// A clock tests move by hand.
final class TestClock: Sendable {
    private let current = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    var now: Date { current.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// Collects alerts.
final class RecordingAlerts: AlertSink {
    let alerts = Mutex<[Alert]>([])
    func send(_ alert: Alert) async { alerts.withLock { $0.append(alert) } }
    var all: [Alert] { alerts.withLock { $0 } }
}

let quietLogger: Logger = {
    var logger = Logger(label: "outbox-test")
    logger.logLevel = .critical
    return logger
}()

let samplePayload = Data(#"{"address":{"zipcode":"30449"},"customer":{"email":"max@example.org"},"measure":"DOG"}"#.utf8)

extension OutboxStore {
    /// Inserts a lead with a fixed reference; returns the record.
    @discardableResult
    func add(_ reference: String, now: Date, fingerprint: String? = nil, key: String? = nil, maxAge: TimeInterval = 7 * 86400) throws -> InsertResult {
        try insert(NewLead(formID: "default", payload: Data(), fingerprint: fingerprint, idempotencyKey: key),
                   reference: { reference }, payloadFor: { _ in samplePayload }, now: now, maxAge: maxAge)
    }
}

extension OutboxStore {
    /// Holds the database's write lock (an open BEGIN IMMEDIATE) while `body` runs.
    func holdWriteLock(_ body: () async throws -> Void) async throws {
        try database.withLock { try $0.execute("BEGIN IMMEDIATE") }
        defer { _ = try? database.withLock { try $0.execute("ROLLBACK") } }
        try await body()
    }
}

/// A value shared between a test and the threads it starts.
final class Shared<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>
    init(_ value: Value) { storage = Mutex(value) }
    var value: Value {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}
