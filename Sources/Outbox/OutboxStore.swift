import Dispatch
import FoundationEssentials
import Glibc
import Synchronization

/// Every accepted lead, in one SQLite file under the data dir. Each write is a synced commit.
///
/// Thread-safe: the connection lives in a Mutex. Calls block for the length of a commit (an fsync), so async
/// callers run them off Swift's cooperative threads (see `OutboxStore.perform`), which also commits the work of
/// concurrent callers together (group commit).
package final class OutboxStore: Sendable {
    package let path: String
    let database: LockedDatabase
    private let queue = DispatchQueue(label: "heroform.outbox.store")
    /// Work handed to `perform` and not yet run; the store's queue takes it all in one go.
    private let pending = Mutex<[PendingWork]>([])

    private struct PendingWork: Sendable {
        /// Runs the work inside the group's transaction; its result is held back until the commit is done.
        let run: @Sendable (OutboxStore) -> (@Sendable (Error?) -> Void)
        /// Answers without running the work (no transaction could be started).
        let fail: @Sendable (Error) -> Void
    }

    /// The most works committed together: bounds how long the first of them waits.
    static let maxGroup = 64
    /// How many group commits ran (for tests: concurrent callers share commits).
    let groupCommits = Atomic<Int>(0)

    /// Opens or creates `outbox.sqlite3` in `dataDir` (created with mode 0700) and migrates it.
    package init(dataDir: String) throws {
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        path = dataDir.joiningPath("outbox.sqlite3")
        // Personal data: readable by the service user only (also the -wal and -shm files SQLite creates).
        let previous = umask(0o077)
        defer { umask(previous) }
        let database = try Database(path: path)
        try Self.migrate(database)
        self.database = LockedDatabase(database)
    }

    /// Runs blocking store work on the store's own queue, off the cooperative thread pool.
    ///
    /// Group commit: the work of every caller waiting at that moment runs in one transaction, each in a savepoint
    /// of its own (one that throws undoes only its own writes), and one synced commit makes them all durable. No
    /// caller hears of its result before that commit is done; if the commit fails, they all get its error.
    package func perform<T: Sendable>(_ work: @escaping @Sendable (OutboxStore) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let item = PendingWork(run: { store in
                let result = store.inSavepoint { try work(store) }
                return { commitError in continuation.resume(with: commitError.map { .failure($0) } ?? result) }
            }, fail: { error in continuation.resume(throwing: error) })
            let first = pending.withLock { queue in
                queue.append(item)
                return queue.count == 1
            }
            if first { queue.async { self.runPending() } }
        }
    }

    /// On `queue`: runs what is pending, a group at a time, each group in one transaction and one commit.
    private func runPending() {
        while true {
            let group = pending.withLock { queue -> [PendingWork] in
                let taken = Array(queue.prefix(Self.maxGroup))
                queue.removeFirst(taken.count)
                return taken
            }
            guard !group.isEmpty else { return }
            // The connection stays locked for the whole group, so a call from another thread (not through
            // `perform`) waits for the commit instead of slipping into the open transaction; the works themselves
            // run on this thread and take the (recursive) lock again.
            let (finishers, commitError) = database.withLock { db -> ([@Sendable (Error?) -> Void], Error?) in
                do {
                    try db.execute("BEGIN IMMEDIATE")
                } catch {
                    // No transaction: nothing is run, so nothing is stored; every caller of the group hears why.
                    for item in group { item.fail(error) }
                    return ([], nil)
                }
                let finishers = group.map { $0.run(self) }
                groupCommits.add(1, ordering: .relaxed)
                let commitError: Error?
                do {
                    try db.execute("COMMIT")
                    commitError = nil
                } catch {
                    commitError = error
                    try? db.execute("ROLLBACK")
                }
                return (finishers, commitError)
            }
            // Answered only now, with the lock given back.
            for finish in finishers { finish(commitError) }
        }
    }

    /// Runs `work` inside a savepoint of the group's open transaction, so that if it throws, only its own writes are
    /// undone. The work takes the (recursive) connection lock again for each of its calls.
    private func inSavepoint<T>(_ work: () throws -> T) -> Result<T, Error> {
        Result { try database.withLock { db in try db.savepoint(work) } }
    }

    static func migrate(_ db: Database) throws {
        let version = try db.query("PRAGMA user_version").first?["user_version"]?.int ?? 0
        if version < 1 {
            try db.transaction {
                try db.execute("""
                    CREATE TABLE leads (
                        id INTEGER PRIMARY KEY,
                        reference TEXT NOT NULL UNIQUE,
                        form_id TEXT NOT NULL,
                        payload BLOB,
                        status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at REAL NOT NULL,
                        last_error TEXT,
                        hero_id INTEGER,
                        created_at REAL NOT NULL,
                        delivered_at REAL,
                        erased_at REAL,
                        give_up_at REAL NOT NULL,
                        in_flight_since REAL,
                        fingerprint TEXT,
                        idempotency_key TEXT
                    );
                    CREATE INDEX leads_due ON leads (status, next_attempt_at);
                    CREATE INDEX leads_fingerprint ON leads (fingerprint, created_at);
                    CREATE INDEX leads_idempotency ON leads (idempotency_key, created_at);
                    PRAGMA user_version = 1;
                    """)
            }
        }
    }

    // MARK: - Accepting

    /// A lead to store. `fingerprint` identifies the same submission; `idempotencyKey` is the client's own.
    package struct NewLead: Sendable {
        package var formID: String
        package var payload: Data
        package var fingerprint: String?
        package var idempotencyKey: String?
        package init(formID: String, payload: Data, fingerprint: String? = nil, idempotencyKey: String? = nil) {
            self.formID = formID
            self.payload = payload
            self.fingerprint = fingerprint
            self.idempotencyKey = idempotencyKey
        }
    }

    package enum InsertResult: Sendable, Equatable {
        case inserted(LeadRecord)
        /// The same submission (or the same Idempotency-Key) came before: nothing new was stored.
        case duplicate(LeadRecord)
        /// The Idempotency-Key was used before for a different submission: nothing was stored.
        case keyConflict
    }

    /// Stores a lead unless it repeats one: the same fingerprint within `duplicateWindow`, or the same
    /// Idempotency-Key within `idempotencyWindow`. `makeReference` builds the payload's reference into it.
    /// With `claim`, the new lead is stored already claimed for an inline delivery attempt (one commit, not two).
    package func insert(_ lead: NewLead, reference makeReference: @Sendable () -> String, payloadFor: @Sendable (String) -> Data,
                        now: Date, maxAge: TimeInterval, duplicateWindow: TimeInterval = 600,
                        idempotencyWindow: TimeInterval = 86400, claim: Bool = false) throws -> InsertResult {
        try database.withLock { db in
            try db.transaction {
                if let key = lead.idempotencyKey,
                   let row = try db.query("SELECT * FROM leads WHERE idempotency_key = ? AND created_at > ? ORDER BY id LIMIT 1",
                                          [.text(key), .real(now.timeIntervalSince1970 - idempotencyWindow)]).first,
                   let record = Self.record(row) {
                    // A key names one submission; reused for another, dropping that one silently would lose a lead.
                    guard row["fingerprint"]?.string == lead.fingerprint, record.formID == lead.formID else { return .keyConflict }
                    return .duplicate(record)
                }
                if let fingerprint = lead.fingerprint,
                   let row = try db.query("SELECT * FROM leads WHERE fingerprint = ? AND created_at > ? ORDER BY id LIMIT 1",
                                          [.text(fingerprint), .real(now.timeIntervalSince1970 - duplicateWindow)]).first,
                   let record = Self.record(row) {
                    return .duplicate(record)
                }
                // References are random; on the rare clash, draw again.
                var reference = makeReference()
                for _ in 0..<10 where try !db.query("SELECT 1 FROM leads WHERE reference = ?", [.text(reference)]).isEmpty {
                    reference = makeReference()
                }
                let created = now.timeIntervalSince1970
                try db.run("""
                    INSERT INTO leads (reference, form_id, payload, status, attempts, next_attempt_at, created_at, give_up_at,
                                       fingerprint, idempotency_key, in_flight_since)
                    VALUES (?, ?, ?, 'pending', 0, ?, ?, ?, ?, ?, ?)
                    """, [.text(reference), .text(lead.formID), .blob(Array(payloadFor(reference))), .real(created), .real(created),
                          .real(created + maxAge), lead.fingerprint.map { .text($0) } ?? .null,
                          lead.idempotencyKey.map { .text($0) } ?? .null, claim ? .real(created) : .null])
                guard let row = try db.query("SELECT * FROM leads WHERE reference = ?", [.text(reference)]).first,
                      let record = Self.record(row) else {
                    throw SQLiteError(code: 0, message: "inserted lead not found")
                }
                return .inserted(record)
            }
        }
    }

    // MARK: - Delivering

    /// Marks a pending lead as being delivered now; nil if it is not pending or someone else has it.
    package func claim(_ reference: String, now: Date) throws -> LeadRecord? {
        try database.withLock { db in
            let changed = try db.run("UPDATE leads SET in_flight_since = ? WHERE reference = ? AND status = 'pending' AND in_flight_since IS NULL",
                                     [.real(now.timeIntervalSince1970), .text(reference)])
            guard changed == 1 else { return nil }
            return try db.query("SELECT * FROM leads WHERE reference = ?", [.text(reference)]).first.flatMap(Self.record)
        }
    }

    /// Claims up to `limit` pending leads whose time has come, oldest first.
    package func claimDue(now: Date, limit: Int) throws -> [LeadRecord] {
        try database.withLock { db in
            try db.transaction {
                let rows = try db.query("""
                    SELECT * FROM leads WHERE status = 'pending' AND in_flight_since IS NULL AND next_attempt_at <= ?
                    ORDER BY next_attempt_at LIMIT ?
                    """, [.real(now.timeIntervalSince1970), .integer(Int64(limit))])
                var records = rows.compactMap(Self.record)
                for index in records.indices {
                    try db.run("UPDATE leads SET in_flight_since = ? WHERE reference = ?",
                               [.real(now.timeIntervalSince1970), .text(records[index].reference)])
                    records[index].inFlightSince = now
                }
                return records
            }
        }
    }

    /// At start-up: attempts claimed before `startedAt` belonged to a process that is gone and can never report
    /// back, so their leads are pending again (HERO may have created the project: at-least-once, see README);
    /// and every pending lead is due now, so what waited through a restart goes out at once.
    @discardableResult
    package func resumeAfterRestart(now: Date, startedAt: Date? = nil) throws -> Int {
        try database.withLock { db in
            try db.transaction {
                try db.run("UPDATE leads SET in_flight_since = NULL WHERE in_flight_since < ?",
                           [.real((startedAt ?? now).timeIntervalSince1970)])
                return try db.run("UPDATE leads SET next_attempt_at = ? WHERE status = 'pending' AND next_attempt_at > ?",
                                  [.real(now.timeIntervalSince1970), .real(now.timeIntervalSince1970)])
            }
        }
    }

    /// Gives up a claim without an attempt (the process is stopping): the lead is simply pending again.
    package func release(_ reference: String) throws {
        try database.withLock { db in
            _ = try db.run("UPDATE leads SET in_flight_since = NULL WHERE reference = ?", [.text(reference)])
        }
    }

    /// `externalID` is the receiver's id for the lead (HERO's project id), if it named one.
    package func markDelivered(_ reference: String, externalID: Int?, now: Date) throws {
        try database.withLock { db in
            _ = try db.run("""
                UPDATE leads SET status = 'delivered', attempts = attempts + 1, hero_id = ?, delivered_at = ?,
                    in_flight_since = NULL, last_error = NULL WHERE reference = ?
                """, [externalID.map { .integer(Int64($0)) } ?? .null, .real(now.timeIntervalSince1970), .text(reference)])
        }
    }

    /// A failed attempt to try again at `next`.
    package func markRetry(_ reference: String, next: Date, error: String) throws {
        try database.withLock { db in
            _ = try db.run("""
                UPDATE leads SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, in_flight_since = NULL
                WHERE reference = ?
                """, [.real(next.timeIntervalSince1970), .text(error), .text(reference)])
        }
    }

    package func markFailed(_ reference: String, error: String) throws {
        try database.withLock { db in
            _ = try db.run("""
                UPDATE leads SET status = 'failed', attempts = attempts + 1, last_error = ?, in_flight_since = NULL
                WHERE reference = ?
                """, [.text(error), .text(reference)])
        }
    }

    // MARK: - Operating

    package func find(_ reference: String) throws -> LeadRecord? {
        try database.withLock { db in
            try db.query("SELECT * FROM leads WHERE reference = ?", [.text(reference)]).first.flatMap(Self.record)
        }
    }

    /// Newest first.
    package func list(status: LeadRecord.Status? = nil, limit: Int = 1000) throws -> [LeadRecord] {
        try database.withLock { db in
            let rows = try status.map {
                try db.query("SELECT * FROM leads WHERE status = ? ORDER BY id DESC LIMIT ?", [.text($0.rawValue), .integer(Int64(limit))])
            } ?? db.query("SELECT * FROM leads ORDER BY id DESC LIMIT ?", [.integer(Int64(limit))])
            return rows.compactMap(Self.record)
        }
    }

    /// Puts a failed (or pending) lead back to be tried now, with a fresh `maxAge`. False when there is no
    /// such lead, it is delivered, or its data was erased.
    package func retry(_ reference: String, now: Date, maxAge: TimeInterval) throws -> Bool {
        try database.withLock { db in
            try db.run("""
                UPDATE leads SET status = 'pending', next_attempt_at = ?, give_up_at = ?
                WHERE reference = ? AND status IN ('failed', 'pending') AND payload IS NOT NULL
                """, [.real(now.timeIntervalSince1970), .real(now.timeIntervalSince1970 + maxAge), .text(reference)]) == 1
        }
    }

    package func retryAllFailed(now: Date, maxAge: TimeInterval) throws -> Int {
        try database.withLock { db in
            try db.run("""
                UPDATE leads SET status = 'pending', next_attempt_at = ?, give_up_at = ?
                WHERE status = 'failed' AND payload IS NOT NULL
                """, [.real(now.timeIntervalSince1970), .real(now.timeIntervalSince1970 + maxAge)])
        }
    }

    /// Erases the personal data of leads delivered before `cutoff`: the payload and fingerprint go, the
    /// reference, status and times stay. Returns how many were erased.
    package func eraseDelivered(before cutoff: Date, now: Date) throws -> Int {
        try database.withLock { db in
            try db.run("""
                UPDATE leads SET payload = NULL, fingerprint = NULL, idempotency_key = NULL, last_error = NULL, erased_at = ?
                WHERE status = 'delivered' AND delivered_at < ? AND erased_at IS NULL
                """, [.real(now.timeIntervalSince1970), .real(cutoff.timeIntervalSince1970)])
        }
    }

    package struct Counts: Sendable, Equatable {
        package var pending = 0
        package var delivered = 0
        package var failed = 0
        package init(pending: Int = 0, delivered: Int = 0, failed: Int = 0) {
            self.pending = pending
            self.delivered = delivered
            self.failed = failed
        }
    }

    package func counts() throws -> Counts {
        try database.withLock { db in
            var counts = Counts()
            for row in try db.query("SELECT status, COUNT(*) AS n FROM leads GROUP BY status") {
                let n = row["n"]?.int ?? 0
                switch row["status"]?.string {
                case "pending": counts.pending = n
                case "delivered": counts.delivered = n
                case "failed": counts.failed = n
                default: break
                }
            }
            return counts
        }
    }

    /// The earliest time a pending lead is due, if any.
    package func nextDue() throws -> Date? {
        try database.withLock { db in
            try db.query("SELECT MIN(next_attempt_at) AS due FROM leads WHERE status = 'pending' AND in_flight_since IS NULL")
                .first?["due"]?.double.map(Date.init(timeIntervalSince1970:))
        }
    }

    /// True when a write can be committed now (for readiness checks).
    package func isWritable() -> Bool {
        // Inside a group commit the write lock is already held.
        (try? database.withLock { db in try db.isInTransaction ? () : db.execute("BEGIN IMMEDIATE; ROLLBACK") }) != nil
    }

    static func record(_ row: [String: SQLValue]) -> LeadRecord? {
        guard let reference = row["reference"]?.string, let formID = row["form_id"]?.string,
              let status = row["status"]?.string.flatMap(LeadRecord.Status.init(rawValue:)),
              let next = row["next_attempt_at"]?.double, let created = row["created_at"]?.double,
              let giveUp = row["give_up_at"]?.double else { return nil }
        return LeadRecord(reference: reference, formID: formID, payload: row["payload"]?.bytes.map { Data($0) },
                          status: status, attempts: row["attempts"]?.int ?? 0,
                          nextAttemptAt: Date(timeIntervalSince1970: next), lastError: row["last_error"]?.string,
                          externalID: row["hero_id"]?.int, createdAt: Date(timeIntervalSince1970: created),
                          deliveredAt: row["delivered_at"]?.double.map(Date.init(timeIntervalSince1970:)),
                          erasedAt: row["erased_at"]?.double.map(Date.init(timeIntervalSince1970:)),
                          giveUpAt: Date(timeIntervalSince1970: giveUp),
                          inFlightSince: row["in_flight_since"]?.double.map(Date.init(timeIntervalSince1970:)))
    }
}
