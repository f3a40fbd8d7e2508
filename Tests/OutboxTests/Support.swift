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

extension OutboxSession {
    /// Inserts a lead with a fixed reference; returns the record.
    @discardableResult
    func add(_ reference: String, now: Date, fingerprint: String? = nil, key: String? = nil,
             maxAge: TimeInterval = 7 * 86400) throws -> OutboxStore.InsertResult {
        let lead = OutboxStore.NewLead(formID: "default", payload: Data(), fingerprint: fingerprint,
                                       idempotencyKey: key)
        return try insert(lead, reference: { reference }, payloadFor: { _ in samplePayload }, now: now, maxAge: maxAge)
    }
}

extension OutboxStore {
    /// The lead as stored now, read through `perform` (the way in for async code).
    func record(_ reference: String) async throws -> LeadRecord? {
        try await perform { try $0.find(reference) }
    }
}

/// A receiver that answers as told and counts what it was sent: all the worker's tests need of HERO.
final class FakeSender: LeadSender {
    enum Mode: Sendable, Equatable {
        /// Delivers, naming ids 1001, 1002, ...
        case up
        /// Answers this, delivering nothing.
        case answering(SendOutcome)
        /// Delivers after this long.
        case slow(Duration)
    }

    private let state = Mutex<(mode: Mode, calls: Int, delivered: Int, inFlight: Int, peak: Int)>((.up, 0, 0, 0, 0))

    var mode: Mode {
        get { state.withLock { $0.mode } }
        set { state.withLock { $0.mode = newValue } }
    }
    /// How many times `send` was called.
    var calls: Int { state.withLock { $0.calls } }
    /// How many leads it took.
    var delivered: Int { state.withLock { $0.delivered } }
    /// The most calls it had in flight at once.
    var peakInFlight: Int { state.withLock { $0.peak } }

    func send(_ payload: Data) async -> SendOutcome {
        let mode = state.withLock { state in
            state.calls += 1
            state.inFlight += 1
            state.peak = max(state.peak, state.inFlight)
            return state.mode
        }
        defer { state.withLock { $0.inFlight -= 1 } }
        switch mode {
        case .up:
            return deliver()
        case .answering(let outcome):
            return outcome
        case .slow(let delay):
            try? await Task.sleep(for: delay)
            return deliver()
        }
    }

    private func deliver() -> SendOutcome {
        state.withLock { state in
            state.delivered += 1
            return .delivered(externalID: 1000 + state.delivered)
        }
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

/// The outbox's first schema, as the first release wrote it: for tests of the upgrades from it.
let outboxSchemaVersion1 = """
    CREATE TABLE leads (
        id INTEGER PRIMARY KEY, reference TEXT NOT NULL UNIQUE, form_id TEXT NOT NULL, payload BLOB,
        status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at REAL NOT NULL, last_error TEXT,
        hero_id INTEGER, created_at REAL NOT NULL, delivered_at REAL, erased_at REAL,
        give_up_at REAL NOT NULL, in_flight_since REAL, fingerprint TEXT, idempotency_key TEXT
    );

    """

/// A pending lead `OLD-OLD-OLD` of the form `default`, as an old release stored it.
let oldPendingLead = """
    INSERT INTO leads (reference, form_id, payload, status, next_attempt_at, created_at, give_up_at)
    VALUES ('OLD-OLD-OLD', 'default', x'7B7D', 'pending', 0, 0, 1e12);

    """
