import Glibc
import Synchronization

/// A failed system call on a spool file, with the errno it left behind. Says nothing of the request, so it can be
/// logged as it is.
package struct BodySpoolError: Error, Equatable, Sendable, CustomStringConvertible {
    package let operation: String
    package let code: Int32
    /// Set when no system call failed: the bodies already being received take the whole `SpoolBudget`.
    package let budget: Int?

    package init(_ operation: String, code: Int32) {
        self.operation = operation
        self.code = code
        budget = nil
    }

    package static func overBudget(_ limit: Int) -> BodySpoolError {
        BodySpoolError(budget: limit)
    }

    private init(budget: Int) {
        operation = "reserve"
        code = 0
        self.budget = budget
    }

    package var description: String {
        if let budget { return "the bodies being received take all \(budget) bytes the spool may hold" }
        return "\(operation) failed: \(String(cString: strerror(code))) (errno \(code))"
    }

    /// The answer to a request whose body could not be spooled; the connection then closes, the rest of the body
    /// unread. 503 rather than 500: the server, not the request, is at fault, and the same request may well succeed
    /// once an operator has made room or fixed the directory, or other uploads have ended (a 500 would call the
    /// server broken for it).
    package static var response: HTTPResponse {
        var response = HTTPResponse.error(.serviceUnavailable, "the request body could not be stored, try again later")
        response.headers.set("Retry-After", "60")
        return response
    }
}

/// The bytes of request bodies held in spool files at once, across every connection of a server. Handlers may only
/// refuse a request once its body has arrived (a rate limit, a form's rules), so without a bound clients could fill
/// the disk, which the server's data shares, faster than they are refused. Past the bound an upload is answered 503
/// before its body is read when it says its length (else as soon as it passes the bound); bodies under the spool
/// threshold stay in memory and never count.
package final class SpoolBudget: Sendable {
    package let limit: Int
    private let used = Atomic<Int>(0)

    package init(limit: Int) {
        self.limit = limit
    }

    /// Bytes taken now, by files not yet closed.
    package var inUse: Int { used.load(ordering: .relaxed) }

    /// Takes `bytes`, or nothing when that would pass the limit.
    func take(_ bytes: Int) -> Bool {
        var current = used.load(ordering: .relaxed)
        while current + bytes <= limit {
            let (exchanged, original) = used.compareExchange(
                expected: current, desired: current + bytes, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }

    func give(_ bytes: Int) {
        used.subtract(bytes, ordering: .relaxed)
    }
}

/// An open temporary file (0600) holding one request body, with no name in any directory: made with `O_TMPFILE`, so
/// it never has one, or where the file system lacks that, made with `O_EXCL` and unlinked at once (a name for the
/// microseconds between two system calls). Only the descriptor keeps it, so it cannot outlive the process (kill -9
/// included); `deinit` closes the descriptor, which frees its disk space.
///
/// Sendable without `@unchecked`: its stored properties are the immutable descriptor and budget, and an atomic
/// count. Bytes are appended with `write` while one collector owns the file; once a `RequestBody` holds it, it is
/// only read with `pread`, at explicit offsets, so readers on any thread never share a file position.
package final class SpoolFile: Sendable {
    let descriptor: Int32
    private let budget: SpoolBudget?
    /// What this file has taken of `budget`: given back when it closes, with its disk space.
    private let reserved = Atomic<Int>(0)

    private init(descriptor: Int32, budget: SpoolBudget? = nil) {
        self.descriptor = descriptor
        self.budget = budget
    }

    /// Takes over an open descriptor, to close it in `deinit`. For tests: `/dev/full` stands for a full disk.
    package convenience init(adopting descriptor: Int32) {
        self.init(descriptor: descriptor)
    }

    deinit {
        close(descriptor)
        budget?.give(reserved.load(ordering: .relaxed))
    }

    /// Makes sure the budget holds room for `total` bytes of this file, before they are written.
    func reserve(_ total: Int) throws(BodySpoolError) {
        guard let budget else { return }
        let held = reserved.load(ordering: .relaxed)
        guard total > held else { return }
        guard budget.take(total - held) else { throw .overBudget(budget.limit) }
        reserved.store(total, ordering: .relaxed)
    }

    /// Glibc's `O_TMPFILE`, a macro Swift does not import: `__O_TMPFILE | O_DIRECTORY`.
    private static let temporaryFileFlag = Int32(0o20_000_000) | O_DIRECTORY

    /// Creates an empty spool file in `directory`. `anonymous: false` skips `O_TMPFILE` and takes the fallback
    /// (a named file unlinked at once), as on a file system without it.
    package static func create(
        in directory: String, anonymous: Bool = true, budget: SpoolBudget? = nil
    ) throws(BodySpoolError) -> SpoolFile {
        if anonymous {
            let descriptor = open(directory, O_RDWR | O_CLOEXEC | temporaryFileFlag, 0o600)
            if descriptor >= 0 { return SpoolFile(descriptor: descriptor, budget: budget) }
            let code = errno
            // A file system without O_TMPFILE says EOPNOTSUPP; a kernel older than 3.11 reads the flag as
            // O_DIRECTORY and says EISDIR. Every other error (missing directory, EACCES, ENOSPC) is final.
            guard code == EOPNOTSUPP || code == EISDIR else { throw BodySpoolError("open", code: code) }
        }
        return try createNamed(in: directory, budget: budget)
    }

    private static func createNamed(in directory: String, budget: SpoolBudget?) throws(BodySpoolError) -> SpoolFile {
        // O_EXCL: a name somebody else made (a leftover, or a link planted by another user) is never opened.
        var attempts = 0
        while true {
            let path = "\(directory)/.heroform-body-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
            let descriptor = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else {
                let code = errno
                attempts += 1
                if code == EEXIST && attempts < 10 { continue }
                throw BodySpoolError("open", code: code)
            }
            let file = SpoolFile(descriptor: descriptor, budget: budget)
            // A file that keeps its name could outlive the process: refuse it rather than use it.
            guard unlink(path) == 0 else { throw BodySpoolError("unlink", code: errno) }
            return file
        }
    }

    /// Appends all of `bytes` at the end of what was written.
    func write(_ bytes: [UInt8]) throws(BodySpoolError) {
        if let failure = bytes.withUnsafeBytes({ write($0) }) { throw failure }
    }

    private func write(_ bytes: UnsafeRawBufferPointer) -> BodySpoolError? {
        guard let base = bytes.baseAddress else { return nil }
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(descriptor, base + offset, bytes.count - offset)
            if written > 0 {
                offset += written
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                // A regular file that takes nothing without an error is out of space in all but name.
                return BodySpoolError("write", code: written < 0 ? errno : ENOSPC)
            }
        }
        return nil
    }

    /// Exactly `count` bytes from `offset`: the body was written in full before anyone reads it, so fewer is an error.
    func read(_ count: Int, at offset: Int) throws(BodySpoolError) -> [UInt8] {
        guard count > 0 else { return [] }
        var failure: BodySpoolError?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            guard let base = buffer.baseAddress else { return }
            while initialized < count {
                let read = pread(descriptor, base + initialized, count - initialized, off_t(offset + initialized))
                if read > 0 {
                    initialized += read
                } else if read < 0 && errno == EINTR {
                    continue
                } else {
                    failure = BodySpoolError("pread", code: read < 0 ? errno : EIO)
                    return
                }
            }
        }
        if let failure { throw failure }
        return bytes
    }
}

/// Gathers one request body as its pieces arrive: in memory while it is small, in a `SpoolFile` once it grows past
/// the threshold, like nginx's `client_body_temp_path`. The connection and the in-process test client both use it,
/// so both spool alike.
///
/// Writes are plain blocking `write` calls, made wherever the pieces arrive (the connection's queue): a local file
/// takes them into the page cache in microseconds, and when the kernel does hold a writer back (dirty pages over
/// its limit, a slow disk) the upload should slow to the disk's pace anyway. Handing them to another thread would
/// only add a second copy of the bytes in flight, and an order to keep.
package struct RequestBodyCollector {
    private enum Storage {
        case memory([UInt8])
        case spooled(SpoolFile)
    }

    private var storage: Storage = .memory([])
    private let spoolDirectory: String?
    private let threshold: Int
    private let budget: SpoolBudget?
    /// Bytes gathered so far.
    package private(set) var count = 0

    /// Spools to `spoolDirectory` (nil: never) once the body passes `threshold` bytes, within `budget` (nil: no
    /// bound). When `expectedLength` (the Content-Length) is already past the threshold, the file is made and the
    /// whole length taken from the budget here: a failure is known before the client sends the body (and before
    /// `100 Continue`), and no megabyte is gathered in memory first only to be written out.
    package init(
        spoolDirectory: String?, threshold: Int, expectedLength: Int? = nil, budget: SpoolBudget? = nil
    ) throws(BodySpoolError) {
        self.spoolDirectory = spoolDirectory
        self.threshold = threshold
        self.budget = budget
        if let spoolDirectory, let expectedLength, expectedLength > threshold {
            let file = try SpoolFile.create(in: spoolDirectory, budget: budget)
            try file.reserve(expectedLength)
            storage = .spooled(file)
        }
    }

    /// A collector that writes to `file` from the first byte, whatever the threshold. For tests: a `SpoolFile` adopting
    /// `/dev/full` makes every write fail as on a full disk.
    package init(spoolingTo file: SpoolFile) {
        spoolDirectory = nil
        threshold = 0
        budget = nil
        storage = .spooled(file)
    }

    /// Adds the next piece. After an error the collector is unusable: drop it (its file goes with it).
    package mutating func append(_ bytes: [UInt8]) throws(BodySpoolError) {
        switch storage {
        case .memory(var held):
            if let spoolDirectory, count + bytes.count > threshold {
                let file = try SpoolFile.create(in: spoolDirectory, budget: budget)
                try file.reserve(count + bytes.count)
                try file.write(held)
                try file.write(bytes)
                storage = .spooled(file)
            } else {
                storage = .memory([]) // releases `held`'s storage from `storage`, so the append does not copy
                held.append(contentsOf: bytes)
                storage = .memory(held)
            }
        case .spooled(let file):
            try file.reserve(count + bytes.count)
            try file.write(bytes)
        }
        count += bytes.count
    }

    /// The body gathered, for the request.
    package func finish() -> RequestBody {
        switch storage {
        case .memory(let bytes): RequestBody(bytes)
        case .spooled(let file): RequestBody(spooled: file, count: count)
        }
    }
}
