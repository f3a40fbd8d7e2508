package import FoundationEssentials
import Glibc

/// The outbox's operations on its SQLite connection, each a blocking call (a statement, and for writes outside a
/// group commit, a synced commit). Handed to the work given to `OutboxStore.perform` (or, in the operator CLI,
/// `performBlocking`), and only there: it is not Sendable, so it cannot leave that work as its result.
package struct OutboxSession {
    let database: LockedDatabase

    /// Runs `work` inside a savepoint of the group's open transaction, so that if it throws, only its own writes are
    /// undone. The work takes the (recursive) connection lock again for each of its calls.
    func inSavepoint<T>(_ work: () throws -> T) -> Result<T, any Error> {
        Result { try database.withLock { db in try db.savepoint(work) } }
    }

    // MARK: - Accepting

    /// Stores a lead unless it repeats one: the same fingerprint within `duplicateWindow`, or the same
    /// Idempotency-Key within `idempotencyWindow`. `makeReference` builds the payload's reference into it.
    /// With `claim`, the new lead is stored already claimed for an inline delivery attempt (one commit, not two).
    /// `attachments` are the files staged in `staged`: a new lead takes them into its folder in this commit; for a
    /// repeat or a conflict they stay staged, for the caller to discard. `admit` is asked after the duplicate checks,
    /// right before storing: false stores nothing (`notAdmitted`).
    package func insert(
        _ lead: OutboxStore.NewLead, reference makeReference: @Sendable () -> String,
        payloadFor: @Sendable (String) -> Data, now: Date, maxAge: TimeInterval,
        duplicateWindow: TimeInterval = 600, idempotencyWindow: TimeInterval = 86400,
        claim: Bool = false, attachments: [NewAttachment] = [], staged: StagedAttachments? = nil,
        admit: () -> Bool = { true }
    ) throws -> OutboxStore.InsertResult {
        try database.withLock { db in
            try db.transaction {
                if let key = lead.idempotencyKey,
                    let row = try db.query(
                        "SELECT * FROM leads WHERE idempotency_key = ? AND created_at > ? ORDER BY id LIMIT 1",
                        [.text(key), .real(now.timeIntervalSince1970 - idempotencyWindow)]
                    ).first,
                    let record = Self.record(row)
                {
                    // A key names one submission; reused for another, dropping that one silently would lose a lead.
                    guard row["fingerprint"]?.string == lead.fingerprint, record.formID == lead.formID else {
                        return .keyConflict
                    }
                    return .duplicate(record)
                }
                if let fingerprint = lead.fingerprint,
                    let row = try db.query(
                        "SELECT * FROM leads WHERE fingerprint = ? AND created_at > ? ORDER BY id LIMIT 1",
                        [.text(fingerprint), .real(now.timeIntervalSince1970 - duplicateWindow)]
                    ).first,
                    let record = Self.record(row)
                {
                    return .duplicate(record)
                }
                // Last before storing: what `admit` uses up (a form token) stays unused by a duplicate.
                guard admit() else { return .notAdmitted }
                // References are random; on the rare clash, draw again.
                var reference = makeReference()
                for _ in 0..<10
                where try !db.query("SELECT 1 FROM leads WHERE reference = ?", [.text(reference)]).isEmpty {
                    reference = makeReference()
                }
                let created = now.timeIntervalSince1970
                try db.run(
                    """
                    INSERT INTO leads (reference, form_id, payload, status, attempts, next_attempt_at, created_at,
                                       give_up_at, fingerprint, idempotency_key, in_flight_since, account)
                    VALUES (?, ?, ?, 'pending', 0, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .text(reference), .text(lead.formID), .blob(Array(payloadFor(reference))), .real(created),
                        .real(created),
                        .real(created + maxAge), lead.fingerprint.map { .text($0) } ?? .null,
                        lead.idempotencyKey.map { .text($0) } ?? .null, claim ? .real(created) : .null,
                        lead.account.map { .text($0) } ?? .null,
                    ])
                if !attachments.isEmpty {
                    try insertAttachments(
                        attachments, reference: reference, now: created, giveUpAt: created + maxAge, db: db)
                    // Last: a failed move throws, and the lead's rows go with the savepoint.
                    try staged?.move(to: reference)
                }
                guard let row = try db.query("SELECT * FROM leads WHERE reference = ?", [.text(reference)]).first,
                    var record = Self.record(row)
                else {
                    throw SQLiteError(code: 0, message: "inserted lead not found")
                }
                if !attachments.isEmpty { record.attachments = try loadAttachments(reference, db: db) }
                return .inserted(record)
            }
        }
    }

    // MARK: - Delivering

    /// Marks a pending lead as being delivered now; nil if it is not pending or someone else has it.
    package func claim(_ reference: String, now: Date) throws -> LeadRecord? {
        try database.withLock { db in
            let changed = try db.run(
                """
                UPDATE leads SET in_flight_since = ?
                WHERE reference = ? AND status = 'pending' AND in_flight_since IS NULL
                """,
                [.real(now.timeIntervalSince1970), .text(reference)])
            guard changed == 1 else { return nil }
            return try db.query("SELECT * FROM leads WHERE reference = ?", [.text(reference)]).first.flatMap(
                Self.record)
        }
    }

    /// Claims up to `limit` pending leads whose time has come, oldest first.
    package func claimDue(now: Date, limit: Int) throws -> [LeadRecord] {
        try database.withLock { db in
            try db.transaction {
                let rows = try db.query(
                    """
                    SELECT * FROM leads WHERE status = 'pending' AND in_flight_since IS NULL AND next_attempt_at <= ?
                    ORDER BY next_attempt_at LIMIT ?
                    """, [.real(now.timeIntervalSince1970), .integer(Int64(limit))])
                var records = rows.compactMap(Self.record)
                for index in records.indices {
                    try db.run(
                        "UPDATE leads SET in_flight_since = ? WHERE reference = ?",
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
                try db.run(
                    "UPDATE leads SET in_flight_since = NULL WHERE in_flight_since < ?",
                    [.real((startedAt ?? now).timeIntervalSince1970)])
                try db.run(
                    "UPDATE leads SET files_in_flight_since = NULL WHERE files_in_flight_since < ?",
                    [.real((startedAt ?? now).timeIntervalSince1970)])
                return try makeWaitingDue(now: now)
            }
        }
    }

    /// After an outage of the receiver: every pending lead and every delivered lead's pending files whose next
    /// attempt lies ahead become due now, without waiting out the backoff the outage gave them. Returns how many
    /// leads that made due.
    @discardableResult
    package func makeWaitingDue(now: Date) throws -> Int {
        try database.withLock { db in
            try db.transaction {
                try db.run(
                    """
                    UPDATE leads SET files_next_attempt_at = ?
                    WHERE files_state = 'pending' AND files_next_attempt_at > ?
                    """, [.real(now.timeIntervalSince1970), .real(now.timeIntervalSince1970)])
                return try db.run(
                    "UPDATE leads SET next_attempt_at = ? WHERE status = 'pending' AND next_attempt_at > ?",
                    [.real(now.timeIntervalSince1970), .real(now.timeIntervalSince1970)])
            }
        }
    }

    /// Claims the pending lead nobody has that is due soonest, due yet or not: the probe that finds out whether the
    /// receiver answers again after an outage.
    package func claimNextPending(now: Date) throws -> LeadRecord? {
        try database.withLock { db in
            try db.transaction {
                guard
                    let reference = try db.query(
                        """
                        SELECT reference FROM leads WHERE status = 'pending' AND in_flight_since IS NULL
                        ORDER BY next_attempt_at, id LIMIT 1
                        """
                    ).first?["reference"]?.string
                else { return nil }
                return try claim(reference, now: now)
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
            _ = try db.run(
                """
                UPDATE leads SET status = 'delivered', attempts = attempts + 1, hero_id = ?, delivered_at = ?,
                    in_flight_since = NULL, last_error = NULL WHERE reference = ?
                """,
                [externalID.map { .integer(Int64($0)) } ?? .null, .real(now.timeIntervalSince1970), .text(reference)])
        }
    }

    /// A failed attempt to try again at `next`.
    package func markRetry(_ reference: String, next: Date, error: String) throws {
        try database.withLock { db in
            _ = try db.run(
                """
                UPDATE leads SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, in_flight_since = NULL
                WHERE reference = ?
                """, [.real(next.timeIntervalSince1970), .text(error), .text(reference)])
        }
    }

    package func markFailed(_ reference: String, error: String) throws {
        try database.withLock { db in
            _ = try db.run(
                """
                UPDATE leads SET status = 'failed', attempts = attempts + 1, last_error = ?, in_flight_since = NULL
                WHERE reference = ?
                """, [.text(error), .text(reference)])
        }
    }

    // MARK: - Operating

    /// The lead with its files.
    package func find(_ reference: String) throws -> LeadRecord? {
        try database.withLock { db in
            guard var record = try db.query("SELECT * FROM leads WHERE reference = ?", [.text(reference)]).first
                .flatMap(Self.record)
            else { return nil }
            if record.filesPending != nil { record.attachments = try loadAttachments(reference, db: db) }
            return record
        }
    }

    /// Newest first; only those with `status` and of the form `formID`, where given.
    package func list(
        status: LeadRecord.Status? = nil, formID: String? = nil, limit: Int = 1000
    ) throws -> [LeadRecord] {
        try database.withLock { db in
            var conditions: [String] = []
            var values: [SQLValue] = []
            if let status {
                conditions.append("status = ?")
                values.append(.text(status.rawValue))
            }
            if let formID {
                conditions.append("form_id = ?")
                values.append(.text(formID))
            }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ") + " "
            let rows = try db.query(
                "SELECT * FROM leads \(filter)ORDER BY id DESC LIMIT ?", values + [.integer(Int64(limit))])
            var records = rows.compactMap(Self.record)
            for index in records.indices where records[index].filesPending != nil {
                records[index].attachments = try loadAttachments(records[index].reference, db: db)
            }
            return records
        }
    }

    /// Puts a failed (or pending) lead back to be tried now, with a fresh `maxAge`. False when there is no
    /// such lead, it is delivered, or its data was erased.
    package func retry(_ reference: String, now: Date, maxAge: TimeInterval) throws -> Bool {
        try database.withLock { db in
            try db.run(
                """
                UPDATE leads SET status = 'pending', next_attempt_at = ?, give_up_at = ?
                WHERE reference = ? AND status IN ('failed', 'pending') AND payload IS NOT NULL
                """, [.real(now.timeIntervalSince1970), .real(now.timeIntervalSince1970 + maxAge), .text(reference)])
                == 1
        }
    }

    package func retryAllFailed(now: Date, maxAge: TimeInterval) throws -> Int {
        try database.withLock { db in
            try db.run(
                """
                UPDATE leads SET status = 'pending', next_attempt_at = ?, give_up_at = ?
                WHERE status = 'failed' AND payload IS NOT NULL
                """, [.real(now.timeIntervalSince1970), .real(now.timeIntervalSince1970 + maxAge)])
        }
    }

    /// Erases the personal data of leads delivered before `cutoff`: the payload and fingerprint go, the
    /// reference, status and times stay. Returns how many were erased.
    /// Their files' names go too, and their files are marked for deletion (`AttachmentFiles.unkept`).
    package func eraseDelivered(before cutoff: Date, now: Date) throws -> Int {
        try database.withLock { db in
            try db.run(
                """
                UPDATE attachments SET filename = NULL, file_erased_at = coalesce(file_erased_at, ?),
                    state = CASE WHEN state = 'attached' THEN state ELSE 'failed' END,
                    last_error = CASE WHEN state = 'attached' THEN NULL ELSE 'erased with the lead''s personal data' END
                WHERE lead_id IN (SELECT id FROM leads
                                  WHERE status = 'delivered' AND delivered_at < ? AND erased_at IS NULL)
                """, [.real(now.timeIntervalSince1970), .real(cutoff.timeIntervalSince1970)])
            return try db.run(
                """
                UPDATE leads SET payload = NULL, fingerprint = NULL, idempotency_key = NULL, last_error = NULL,
                    erased_at = ?, files_state = CASE WHEN files_state IS NULL THEN NULL ELSE 'done' END
                WHERE status = 'delivered' AND delivered_at < ? AND erased_at IS NULL
                """, [.real(now.timeIntervalSince1970), .real(cutoff.timeIntervalSince1970)])
        }
    }

    package func counts() throws -> OutboxStore.Counts {
        try database.withLock { db in
            var counts = OutboxStore.Counts()
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

    /// How many leads wait for each receiver account (nil: the default one): pending, or delivered with files still
    /// to send. Each needs its account's key.
    package func waitingByAccount() throws -> [String?: Int] {
        try database.withLock { db in
            let rows = try db.query(
                """
                SELECT account, COUNT(*) AS n FROM leads
                WHERE status = 'pending' OR (status = 'delivered' AND files_state = 'pending') GROUP BY account
                """)
            var counts: [String?: Int] = [:]
            for row in rows { counts[row["account"]?.string, default: 0] += row["n"]?.int ?? 0 }
            return counts
        }
    }

    /// How long the oldest pending lead has waited at `now` (0 when none is pending).
    package func oldestPendingAge(now: Date) throws -> TimeInterval {
        try database.withLock { db in
            let oldest = try db.query("SELECT MIN(created_at) AS oldest FROM leads WHERE status = 'pending'")
                .first?["oldest"]?.double
            return oldest.map { max(0, now.timeIntervalSince1970 - $0) } ?? 0
        }
    }

    /// The earliest time a pending lead, or a delivered lead's files, are due, if any.
    package func nextDue(includingFiles: Bool = true) throws -> Date? {
        try database.withLock { db in
            let leads = """
                SELECT MIN(next_attempt_at) AS due FROM leads WHERE status = 'pending' AND in_flight_since IS NULL
                """
            let files = """
                SELECT MIN(files_next_attempt_at) AS due FROM leads
                WHERE status = 'delivered' AND files_state = 'pending' AND files_in_flight_since IS NULL
                """
            return try db.query(includingFiles ? "SELECT MIN(due) AS due FROM (\(leads) UNION ALL \(files))" : leads)
                .first?["due"]?.double.map(Date.init(timeIntervalSince1970:))
        }
    }

    /// A small real write, for readiness checks: throws when it cannot be made. Taking the write lock alone succeeds
    /// on a full disk, so this creates and drops a table, which takes a page (as a new lead may) and rewrites the
    /// schema; the commit (through `perform`, the group's) puts both on disk. It leaves nothing behind but, the
    /// first time, a free page that later probes reuse.
    package func probeWrite() throws {
        try database.withLock { db in
            try db.transaction { try db.execute("CREATE TABLE readiness_probe (x); DROP TABLE readiness_probe") }
        }
    }

    static func record(_ row: [String: SQLValue]) -> LeadRecord? {
        guard let reference = row["reference"]?.string, let formID = row["form_id"]?.string,
            let status = row["status"]?.string.flatMap(LeadRecord.Status.init(rawValue:)),
            let next = row["next_attempt_at"]?.double, let created = row["created_at"]?.double,
            let giveUp = row["give_up_at"]?.double
        else { return nil }
        return LeadRecord(
            reference: reference, formID: formID, account: row["account"]?.string,
            payload: row["payload"]?.bytes.map { Data($0) },
            status: status, attempts: row["attempts"]?.int ?? 0,
            nextAttemptAt: Date(timeIntervalSince1970: next), lastError: row["last_error"]?.string,
            externalID: row["hero_id"]?.int, createdAt: Date(timeIntervalSince1970: created),
            deliveredAt: row["delivered_at"]?.double.map(Date.init(timeIntervalSince1970:)),
            erasedAt: row["erased_at"]?.double.map(Date.init(timeIntervalSince1970:)),
            giveUpAt: Date(timeIntervalSince1970: giveUp),
            inFlightSince: row["in_flight_since"]?.double.map(Date.init(timeIntervalSince1970:)),
            filesPending: row["files_state"]?.string.map { $0 == "pending" },
            filesTarget: row["files_target_id"]?.int.map {
                AttachmentTarget(id: $0, label: row["files_target_label"]?.string)
            },
            filesAttempts: row["files_attempts"]?.int ?? 0,
            filesGiveUpAt: row["files_give_up_at"]?.double.map(Date.init(timeIntervalSince1970:)))
    }
}

@available(*, unavailable, message: "a session stays inside the work it was handed to")
extension OutboxSession: Sendable {}
