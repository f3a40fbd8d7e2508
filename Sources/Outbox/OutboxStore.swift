import Dispatch
package import FoundationEssentials
import Glibc
import Synchronization

/// Every accepted lead, in one SQLite file under the data dir. Each write is a synced commit.
///
/// Its operations are those of `OutboxSession`, handed to the work given to `perform`: every call blocks for the
/// length of a commit (an fsync), so async code goes through `perform`, which runs the work off Swift's cooperative
/// threads and commits the work of concurrent callers together (group commit). The operator CLI, synchronous,
/// has `performBlocking`.
package final class OutboxStore: Sendable {
    package let path: String
    /// Where the files that came with leads are kept.
    package let attachmentFiles: AttachmentFiles
    let database: LockedDatabase
    private let queue = DispatchQueue(label: "heroform.outbox.store")
    /// Work handed to `perform` and not yet run; the store's queue takes it all in one go.
    private let pending = Mutex<[PendingWork]>([])

    private struct PendingWork: Sendable {
        /// Runs the work inside the group's transaction; its result is held back until the commit is done.
        let run: @Sendable (OutboxSession) -> (@Sendable ((any Error)?) -> Void)
        /// Answers without running the work (no transaction could be started).
        let fail: @Sendable (any Error) -> Void
    }

    /// The most works committed together: bounds how long the first of them waits.
    static let maxGroup = 64
    /// How many group commits ran (for tests: concurrent callers share commits).
    let groupCommits = Atomic<Int>(0)

    /// Opens or creates `outbox.sqlite3` in `dataDir` (created with mode 0700) and migrates it.
    package init(dataDir: String) throws {
        try FileManager.default.createDirectory(
            atPath: dataDir, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        path = dataDir.joiningPath("outbox.sqlite3")
        attachmentFiles = AttachmentFiles(dataDir: dataDir)
        // Personal data: readable by the service user only (also the -wal and -shm files SQLite creates).
        let previous = umask(0o077)
        defer { umask(previous) }
        let database = try Database(path: path)
        try Self.migrate(database)
        self.database = LockedDatabase(database)
    }

    /// Runs blocking store work on the store's own queue, off the cooperative thread pool: the one way in for
    /// async code.
    ///
    /// Group commit: the work of every caller waiting at that moment runs in one transaction, each in a savepoint
    /// of its own (one that throws undoes only its own writes), and one synced commit makes them all durable. No
    /// caller hears of its result before that commit is done; if the commit fails, they all get its error.
    package func perform<T: Sendable>(_ work: @escaping @Sendable (OutboxSession) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let item = PendingWork(
                run: { session in
                    let result = session.inSavepoint { try work(session) }
                    return { commitError in continuation.resume(with: commitError.map { .failure($0) } ?? result) }
                }, fail: { error in continuation.resume(throwing: error) })
            let first = pending.withLock { queue in
                queue.append(item)
                return queue.count == 1
            }
            if first { queue.async { self.runPending() } }
        }
    }

    /// Runs store work right here, on the calling thread, each of its calls committing on its own: for the
    /// operator CLI, a short-lived synchronous process that has nothing else to run meanwhile. A group commit
    /// in progress in this process is waited for, never joined. Async code uses `perform`: an fsync on the
    /// cooperative pool holds up every other task.
    @available(*, noasync, message: "async code uses perform, which keeps the store's fsyncs off the cooperative pool")
    @discardableResult
    package func performBlocking<T>(_ work: (OutboxSession) throws -> T) rethrows -> T {
        try work(OutboxSession(database: database))
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
            let (finishers, commitError) = database.withLock {
                db -> ([@Sendable ((any Error)?) -> Void], (any Error)?) in
                do {
                    try db.execute("BEGIN IMMEDIATE")
                } catch {
                    // No transaction: nothing is run, so nothing is stored; every caller of the group hears why.
                    for item in group { item.fail(error) }
                    return ([], nil)
                }
                let session = OutboxSession(database: database)
                let finishers = group.map { $0.run(session) }
                groupCommits.add(1, ordering: .relaxed)
                let commitError: (any Error)?
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

    /// The schema this code writes; `migrate` brings older outboxes up to it.
    static let schemaVersion = 3

    /// An outbox written by a newer heroform: this one would misread it (sending a named account's leads with the
    /// default key, say), so it does not open it.
    package struct NewerSchema: Error, CustomStringConvertible {
        package let found: Int
        package var description: String {
            "the outbox was written by a newer heroform (schema \(found), this one knows up to "
                + "\(OutboxStore.schemaVersion)); start the newer version again"
        }
    }

    static func migrate(_ db: Database) throws {
        let version = try db.query("PRAGMA user_version").first?["user_version"]?.int ?? 0
        guard version <= schemaVersion else { throw NewerSchema(found: version) }
        if version < 1 {
            try db.transaction {
                try db.execute(
                    """
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
        if version < 2 {
            // Files that came with a lead, and how far sending them has got (the lead's `files_*` columns: one
            // round of sending them at a time, with a backoff of its own; the lead's own status stays `delivered`).
            try db.transaction {
                try db.execute(
                    """
                    CREATE TABLE attachments (
                        lead_id INTEGER NOT NULL REFERENCES leads (id),
                        number INTEGER NOT NULL,
                        filename TEXT,
                        media_type TEXT NOT NULL,
                        kind TEXT NOT NULL CHECK (kind IN ('image', 'document')),
                        size INTEGER NOT NULL,
                        sha256 TEXT NOT NULL,
                        state TEXT NOT NULL CHECK (state IN ('pending', 'uploaded', 'attached', 'failed')),
                        upload_id TEXT,
                        external_id INTEGER,
                        last_error TEXT,
                        failed_at REAL,
                        file_erased_at REAL,
                        PRIMARY KEY (lead_id, number)
                    );
                    ALTER TABLE leads ADD COLUMN files_state TEXT CHECK (files_state IN ('pending', 'done'));
                    ALTER TABLE leads ADD COLUMN files_target_id INTEGER;
                    ALTER TABLE leads ADD COLUMN files_target_label TEXT;
                    ALTER TABLE leads ADD COLUMN files_attempts INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE leads ADD COLUMN files_next_attempt_at REAL;
                    ALTER TABLE leads ADD COLUMN files_in_flight_since REAL;
                    ALTER TABLE leads ADD COLUMN files_give_up_at REAL;
                    CREATE INDEX leads_files_due ON leads (files_state, files_next_attempt_at);
                    PRAGMA user_version = 2;
                    """)
            }
        }
        if version < 3 {
            // Which of the receiver's accounts a lead goes to (NULL: the default one, as for every lead before).
            try db.transaction {
                try db.execute("ALTER TABLE leads ADD COLUMN account TEXT; PRAGMA user_version = 3;")
            }
        }
    }

    // MARK: - Values the operations take and give

    /// A lead to store. `fingerprint` identifies the same submission; `idempotencyKey` is the client's own.
    package struct NewLead: Sendable {
        package var formID: String
        package var payload: Data
        package var fingerprint: String?
        package var idempotencyKey: String?
        /// The receiver account it goes to (see `LeadRecord.account`); nil: the default one.
        package var account: String?
        package init(
            formID: String, payload: Data, fingerprint: String? = nil, idempotencyKey: String? = nil,
            account: String? = nil
        ) {
            self.formID = formID
            self.payload = payload
            self.fingerprint = fingerprint
            self.idempotencyKey = idempotencyKey
            self.account = account
        }
    }

    package enum InsertResult: Sendable, Equatable {
        case inserted(LeadRecord)
        /// The same submission (or the same Idempotency-Key) came before: nothing new was stored.
        case duplicate(LeadRecord)
        /// The Idempotency-Key was used before for a different submission: nothing was stored.
        case keyConflict
        /// A new submission that the caller's `admit` turned away: nothing was stored.
        case notAdmitted
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
}
