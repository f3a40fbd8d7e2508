package import FoundationEssentials

/// The outbox's operations on the files that came with leads. Sending them is a round per lead: the lead is
/// claimed for its files (`claimDueFiles`), each step's result is recorded as soon as it is known — where the files
/// go, each file's upload handle, each file's attachment — so a round cut short (a crash, a stop, an outage) starts
/// the next one at the step it was at.
extension OutboxSession {
    func insertAttachments(
        _ attachments: [NewAttachment], reference: String, now: Double, giveUpAt: Double, db: Database
    ) throws {
        guard let leadID = try db.query("SELECT id FROM leads WHERE reference = ?", [.text(reference)]).first?["id"]
        else { throw SQLiteError(code: 0, message: "inserted lead not found") }
        for file in attachments {
            try db.run(
                """
                INSERT INTO attachments (lead_id, number, filename, media_type, kind, size, sha256, state)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')
                """,
                [
                    leadID, .integer(Int64(file.number)), .text(file.filename), .text(file.mediaType),
                    .text(file.kind.rawValue), .integer(Int64(file.size)), .text(file.sha256),
                ])
        }
        try db.run(
            "UPDATE leads SET files_state = 'pending', files_next_attempt_at = ?, files_give_up_at = ? WHERE id = ?",
            [.real(now), .real(giveUpAt), leadID])
    }

    func loadAttachments(_ reference: String, db: Database) throws -> [AttachmentRecord] {
        try db.query(
            """
            SELECT attachments.* FROM attachments JOIN leads ON leads.id = attachments.lead_id
            WHERE leads.reference = ? ORDER BY number
            """, [.text(reference)]
        ).compactMap(Self.attachment)
    }

    static func attachment(_ row: [String: SQLValue]) -> AttachmentRecord? {
        guard let number = row["number"]?.int, let mediaType = row["media_type"]?.string,
            let kind = row["kind"]?.string.flatMap(AttachmentRecord.Kind.init(rawValue:)),
            let size = row["size"]?.int, let sha256 = row["sha256"]?.string,
            let state = row["state"]?.string.flatMap(AttachmentRecord.State.init(rawValue:))
        else { return nil }
        return AttachmentRecord(
            number: number, filename: row["filename"]?.string, mediaType: mediaType, kind: kind, size: size,
            sha256: sha256, state: state, uploadID: row["upload_id"]?.string, externalID: row["external_id"]?.int,
            lastError: row["last_error"]?.string, fileErased: row["file_erased_at"]?.double != nil)
    }

    /// Runs `sql` on one file of a lead, with `values` bound before the lead's reference and the file's number.
    private func updateAttachment(_ reference: String, _ number: Int, _ sql: String, _ values: [SQLValue]) throws {
        try database.withLock { db in
            _ = try db.run(
                """
                UPDATE attachments SET \(sql)
                WHERE lead_id = (SELECT id FROM leads WHERE reference = ?) AND number = ?
                """, values + [.text(reference), .integer(Int64(number))])
        }
    }

    // MARK: - Sending

    /// Claims up to `limit` delivered leads whose files are due, oldest first, with their files.
    package func claimDueFiles(now: Date, limit: Int) throws -> [LeadRecord] {
        try database.withLock { db in
            try db.transaction {
                let rows = try db.query(
                    """
                    SELECT * FROM leads WHERE status = 'delivered' AND files_state = 'pending'
                        AND files_in_flight_since IS NULL AND files_next_attempt_at <= ?
                    ORDER BY files_next_attempt_at LIMIT ?
                    """, [.real(now.timeIntervalSince1970), .integer(Int64(limit))])
                var records = rows.compactMap(Self.record)
                for index in records.indices {
                    try db.run(
                        "UPDATE leads SET files_in_flight_since = ? WHERE reference = ?",
                        [.real(now.timeIntervalSince1970), .text(records[index].reference)])
                    records[index].attachments = try loadAttachments(records[index].reference, db: db)
                }
                return records
            }
        }
    }

    package func recordFilesTarget(_ reference: String, _ target: AttachmentTarget) throws {
        try database.withLock { db in
            _ = try db.run(
                "UPDATE leads SET files_target_id = ?, files_target_label = ? WHERE reference = ?",
                [.integer(Int64(target.id)), target.label.map { .text($0) } ?? .null, .text(reference)])
        }
    }

    /// The receiver has the file's bytes under `uploadID`.
    package func recordUpload(_ reference: String, number: Int, uploadID: String) throws {
        try updateAttachment(
            reference, number, "state = 'uploaded', upload_id = ?, last_error = NULL", [.text(uploadID)])
    }

    /// The file is attached; its bytes are to be deleted from disk (`AttachmentFiles.unkept`).
    package func recordAttached(_ reference: String, number: Int, externalID: Int?, now: Date) throws {
        try updateAttachment(
            reference, number,
            "state = 'attached', external_id = ?, last_error = NULL, file_erased_at = coalesce(file_erased_at, ?)",
            [externalID.map { .integer(Int64($0)) } ?? .null, .real(now.timeIntervalSince1970)])
    }

    /// The receiver refused the file (or it could not go in time): the file stays on disk for the operator, for
    /// as long as `expireFailedFiles` lets it from `now`.
    package func recordFileFailed(_ reference: String, number: Int, error: String, now: Date) throws {
        try updateAttachment(
            reference, number, "state = 'failed', last_error = ?, failed_at = ?",
            [.text(error), .real(now.timeIntervalSince1970)])
    }

    /// Notes why a file waits, without changing its state.
    package func recordFileWaiting(_ reference: String, number: Int, reason: String) throws {
        try updateAttachment(reference, number, "last_error = ?", [.text(reason)])
    }

    /// The round was cut short by the receiver (unreachable, key refused): the next one starts at `next`.
    package func markFilesRetry(_ reference: String, next: Date) throws {
        try database.withLock { db in
            _ = try db.run(
                """
                UPDATE leads SET files_attempts = files_attempts + 1, files_next_attempt_at = ?,
                    files_in_flight_since = NULL WHERE reference = ?
                """, [.real(next.timeIntervalSince1970), .text(reference)])
        }
    }

    /// The round is over and took every file it had to its end. Files put back meanwhile (`retryFailedFiles` while
    /// the round ran) keep the lead's files pending, for the next round.
    package func markFilesDone(_ reference: String) throws {
        try database.withLock { db in
            _ = try db.run(
                """
                UPDATE leads SET files_in_flight_since = NULL,
                    files_state = CASE WHEN EXISTS (SELECT 1 FROM attachments WHERE lead_id = leads.id
                                                    AND state IN ('pending', 'uploaded')) THEN 'pending' ELSE 'done' END
                WHERE reference = ?
                """, [.text(reference)])
        }
    }

    /// Gives up a claim on a lead's files without a round (the process is stopping).
    package func releaseFiles(_ reference: String) throws {
        try database.withLock { db in
            _ = try db.run("UPDATE leads SET files_in_flight_since = NULL WHERE reference = ?", [.text(reference)])
        }
    }

    // MARK: - Operating

    /// Puts a lead's failed files whose bytes are still on disk back to be sent now (uploaded afresh: the receiver
    /// refused what it had), with `maxAge` to go from now. Returns how many; 0 when the lead is unknown or has none.
    package func retryFailedFiles(_ reference: String, now: Date, maxAge: TimeInterval) throws -> Int {
        try database.withLock { db in
            try db.transaction {
                let count = try db.run(
                    """
                    UPDATE attachments SET state = 'pending', upload_id = NULL, last_error = NULL, failed_at = NULL
                    WHERE lead_id = (SELECT id FROM leads WHERE reference = ? AND erased_at IS NULL)
                        AND state = 'failed' AND file_erased_at IS NULL
                    """, [.text(reference)])
                if count > 0 {
                    try db.run(
                        """
                        UPDATE leads SET files_state = 'pending', files_attempts = 0, files_next_attempt_at = ?,
                            files_give_up_at = ?
                        WHERE reference = ?
                        """,
                        [
                            .real(now.timeIntervalSince1970), .real(now.timeIntervalSince1970 + maxAge),
                            .text(reference),
                        ])
                }
                return count
            }
        }
    }

    /// Files that failed before `cutoff` are given up on: their bytes are to be deleted.
    package func expireFailedFiles(before cutoff: Date, now: Date) throws -> Int {
        try database.withLock { db in
            try db.run(
                """
                UPDATE attachments SET file_erased_at = ?
                WHERE state = 'failed' AND file_erased_at IS NULL AND failed_at < ?
                """, [.real(now.timeIntervalSince1970), .real(cutoff.timeIntervalSince1970)])
        }
    }

    /// The files the outbox still needs on disk, as `reference/number`; every other file under
    /// `AttachmentFiles` may go.
    package func filesToKeep() throws -> Set<String> {
        try database.withLock { db in
            Set(
                try db.query(
                    """
                    SELECT leads.reference AS reference, attachments.number AS number
                    FROM attachments JOIN leads ON leads.id = attachments.lead_id
                    WHERE attachments.file_erased_at IS NULL
                    """
                ).compactMap { row -> String? in
                    guard let reference = row["reference"]?.string, let number = row["number"]?.int else { return nil }
                    return "\(reference)/\(number)"
                })
        }
    }

    /// The leads delivered before `cutoff` whose personal data is not erased yet and that came with files: whose
    /// folders `eraseDelivered` makes unneeded (the operator CLI deletes exactly those, being another process).
    package func deliveredWithFiles(before cutoff: Date) throws -> [String] {
        try database.withLock { db in
            try db.query(
                """
                SELECT reference FROM leads WHERE status = 'delivered' AND delivered_at < ? AND erased_at IS NULL
                    AND files_state IS NOT NULL
                """, [.real(cutoff.timeIntervalSince1970)]
            ).compactMap { $0["reference"]?.string }
        }
    }

    /// Files still to go (pending or uploaded, of leads not given up on) and failed files still kept.
    package func fileCounts() throws -> (pending: Int, failed: Int) {
        try database.withLock { db in
            var counts = (pending: 0, failed: 0)
            for row in try db.query(
                """
                SELECT attachments.state AS state, COUNT(*) AS n FROM attachments
                JOIN leads ON leads.id = attachments.lead_id
                WHERE (leads.status != 'failed' OR attachments.state = 'failed') AND attachments.file_erased_at IS NULL
                GROUP BY attachments.state
                """)
            {
                switch row["state"]?.string {
                case "pending", "uploaded": counts.pending += row["n"]?.int ?? 0
                case "failed": counts.failed += row["n"]?.int ?? 0
                default: break
                }
            }
            return counts
        }
    }
}
