/// A request's body as a handler gets it: its bytes in memory, or, for a body that grew past the server's spool
/// threshold, an unlinked temporary file holding them (`SpoolFile`). Either is read alike, in order and in pieces
/// (`reader`), or whole (`collect`), so a handler that may get both needs one path; `bytes` is the cheap way for the
/// many small routes, whose limit keeps their bodies in memory.
///
/// A value: copies share the file, which is closed (and its disk space freed) when the last copy goes.
package struct RequestBody: Sendable {
    fileprivate enum Storage: Sendable {
        case memory([UInt8])
        case spooled(SpoolFile, count: Int)
    }

    private let storage: Storage

    /// A body held in memory.
    package init(_ bytes: [UInt8] = []) {
        storage = .memory(bytes)
    }

    /// A body whose `count` bytes were written to `file` from its start.
    package init(spooled file: SpoolFile, count: Int) {
        storage = .spooled(file, count: count)
    }

    /// The body's length in bytes.
    package var count: Int {
        switch storage {
        case .memory(let bytes): bytes.count
        case .spooled(_, let count): count
        }
    }

    package var isEmpty: Bool { count == 0 }

    /// True when the body is in a spool file rather than in memory.
    package var isSpooled: Bool {
        if case .spooled = storage { return true }
        return false
    }

    /// The bytes of an in-memory body, without a copy.
    ///
    /// A spooled body's bytes are only in its file, so for one this is **empty**: loading megabytes into memory
    /// unasked would undo what spooling is for, and a property cannot report the I/O error a read may meet. Routes
    /// whose body limit is at most the spool threshold never get a spooled body; a route above it reads its body
    /// with `reader()` or `collect()` (check `isSpooled` when unsure).
    package var bytes: [UInt8] {
        if case .memory(let bytes) = storage { return bytes }
        return []
    }

    /// Reads the body from its start, in pieces of at most `chunkSize` bytes (at least 1).
    package func reader(chunkSize: Int = 64 * 1024) -> Reader {
        Reader(storage: storage, chunkSize: max(1, chunkSize))
    }

    /// The whole body in memory; a spooled body is read from its file.
    package func collect() throws(BodySpoolError) -> [UInt8] {
        switch storage {
        case .memory(let bytes):
            return bytes
        case .spooled(let file, let count):
            return try file.read(count, at: 0)
        }
    }

    /// Reads a body in order, piece by piece. Each reader has its own position: several may read one body, from
    /// any thread.
    package struct Reader: Sendable {
        private let storage: Storage
        private let chunkSize: Int
        /// Bytes read so far.
        package private(set) var offset = 0

        fileprivate init(storage: Storage, chunkSize: Int) {
            self.storage = storage
            self.chunkSize = chunkSize
        }

        /// The next piece (never empty), or nil at the end of the body. An in-memory body's pieces share its
        /// storage; a spooled body's are read from the file.
        package mutating func next() throws(BodySpoolError) -> ArraySlice<UInt8>? {
            switch storage {
            case .memory(let bytes):
                guard offset < bytes.count else { return nil }
                let end = min(bytes.count, offset + chunkSize)
                defer { offset = end }
                return bytes[offset..<end]
            case .spooled(let file, let count):
                guard offset < count else { return nil }
                let piece = try file.read(min(chunkSize, count - offset), at: offset)
                offset += piece.count
                return piece[...]
            }
        }
    }
}
