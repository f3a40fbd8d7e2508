import CSQLite
import FoundationEssentials
import Glibc

/// A value bound to or read from SQLite.
package enum SQLValue: Sendable, Equatable {
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
    case null

    var int: Int? { if case .integer(let value) = self { return Int(value) } else { return nil } }
    var double: Double? {
        switch self {
        case .real(let value): return value
        case .integer(let value): return Double(value)
        default: return nil
        }
    }
    var string: String? { if case .text(let value) = self { return value } else { return nil } }
    var bytes: [UInt8]? { if case .blob(let value) = self { return value } else { return nil } }
}

package struct SQLiteError: Error, CustomStringConvertible, Sendable {
    package let code: Int32
    package let message: String
    package var description: String { "SQLite error \(code): \(message)" }
}

/// A connection behind a recursive lock: the outbox's group commit holds it for a whole group while the grouped
/// work, on the same thread, takes it again for each statement.
///
/// `@unchecked Sendable`: `database` is only reached through `withLock`, which holds `lock` for the call.
final class LockedDatabase: @unchecked Sendable {
    private let lock = RecursiveLock()
    private let database: Database

    init(_ database: Database) {
        self.database = database
    }

    func withLock<T>(_ body: (Database) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(database)
    }
}

/// One SQLite connection. Not thread-safe by itself: its owner serializes access.
final class Database {
    private let handle: OpaquePointer
    /// Prepared once, reused: the outbox runs the same few statements over and over.
    private var statements: [String: OpaquePointer] = [:]

    /// Opens (creating if needed) a database file in WAL mode with fully synced commits: a commit that returned
    /// is on disk, which is what "stored before the visitor is told thank you" needs.
    init(path: String) throws {
        var pointer: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &pointer, flags, nil)
        guard rc == SQLITE_OK, let pointer else {
            let message = pointer.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let pointer { sqlite3_close_v2(pointer) }
            throw SQLiteError(code: rc, message: "\(message) (\(path))")
        }
        handle = pointer
        // Another process (the operator CLI) may hold the lock for a moment.
        setBusyTimeout(milliseconds: 5000)
        try execute("PRAGMA journal_mode = WAL")
        try execute("PRAGMA synchronous = FULL")
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
    }

    func execute(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &error)
        if rc != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? lastMessage
            sqlite3_free(error)
            throw SQLiteError(code: rc, message: message)
        }
    }

    /// Runs a statement that returns no rows; returns how many rows it changed.
    @discardableResult
    func run(_ sql: String, _ values: [SQLValue] = []) throws -> Int {
        _ = try query(sql, values)
        return Int(sqlite3_changes(handle))
    }

    /// Runs a query and returns its rows, each a map from column name to value.
    func query(_ sql: String, _ values: [SQLValue] = []) throws -> [[String: SQLValue]] {
        let statement: OpaquePointer
        if let cached = statements[sql] {
            statement = cached
        } else {
            var prepared: OpaquePointer?
            guard sqlite3_prepare_v2(handle, sql, -1, &prepared, nil) == SQLITE_OK, let prepared else {
                throw SQLiteError(code: sqlite3_errcode(handle), message: lastMessage)
            }
            statements[sql] = prepared
            statement = prepared
        }
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        for (index, value) in values.enumerated() {
            let position = Int32(index + 1)
            let rc: Int32
            switch value {
            case .integer(let int): rc = sqlite3_bind_int64(statement, position, int)
            case .real(let double): rc = sqlite3_bind_double(statement, position, double)
            case .text(let text): rc = sqlite3_bind_text(statement, position, text, -1, Self.transient)
            case .blob(let bytes):
                rc = bytes.withUnsafeBytes {
                    sqlite3_bind_blob(statement, position, $0.baseAddress, Int32($0.count), Self.transient)
                }
            case .null: rc = sqlite3_bind_null(statement, position)
            }
            guard rc == SQLITE_OK else { throw SQLiteError(code: rc, message: lastMessage) }
        }
        var rows: [[String: SQLValue]] = []
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw SQLiteError(code: rc, message: lastMessage) }
            var row: [String: SQLValue] = [:]
            for column in 0..<sqlite3_column_count(statement) {
                let name = String(cString: sqlite3_column_name(statement, column))
                switch sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER: row[name] = .integer(sqlite3_column_int64(statement, column))
                case SQLITE_FLOAT: row[name] = .real(sqlite3_column_double(statement, column))
                case SQLITE_TEXT: row[name] = .text(String(cString: sqlite3_column_text(statement, column)))
                case SQLITE_BLOB:
                    let count = Int(sqlite3_column_bytes(statement, column))
                    if let pointer = sqlite3_column_blob(statement, column), count > 0 {
                        row[name] = .blob(Array(UnsafeRawBufferPointer(start: pointer, count: count)))
                    } else {
                        row[name] = .blob([])
                    }
                default: row[name] = .null
                }
            }
            rows.append(row)
        }
        return rows
    }

    /// Runs `body` in one transaction (`BEGIN IMMEDIATE`, so two writers never deadlock on upgrade).
    /// Runs `body` atomically: a transaction of its own, or — inside one already (a group commit) — a savepoint,
    /// so its writes land together with the others' in the enclosing commit, or not at all.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        if isInTransaction { return try savepoint(body) }
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Runs `body` inside an open transaction so that, if it throws, only its own writes are undone.
    func savepoint<T>(_ body: () throws -> T) throws -> T {
        try execute("SAVEPOINT step")
        do {
            let result = try body()
            try execute("RELEASE step")
            return result
        } catch {
            try? execute("ROLLBACK TO step")
            try? execute("RELEASE step")
            throw error
        }
    }

    /// How long a statement waits for another connection's lock before it fails with SQLITE_BUSY.
    func setBusyTimeout(milliseconds: Int32) {
        sqlite3_busy_timeout(handle, milliseconds)
    }

    /// Whether a transaction is open on this connection.
    var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    private var lastMessage: String { String(cString: sqlite3_errmsg(handle)) }

    /// SQLite copies bound text and blobs (SQLITE_TRANSIENT), so Swift's buffers may go away after binding.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}
