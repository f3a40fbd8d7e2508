import CryptoPrimitives
import FoundationEssentials
import Glibc

/// The files that came with leads, under `<data dir>/attachments/<reference>/<number>` (folders 0700, files 0600).
/// A visitor's file name never becomes a path: files are numbered, their names live in the outbox's rows.
///
/// A lead's files are written to a staging folder first (`attachments/.incoming/<random>`), synced, and moved to the
/// lead's folder inside the same commit that stores the lead (`OutboxSession.insert`), so a crash leaves either the
/// lead with all its files or neither: what a crash leaves behind in `.incoming`, or a folder whose lead was never
/// committed, is removed at the next start (`unkept`, `remove`).
package struct AttachmentFiles: Sendable {
    package let root: String

    package init(dataDir: String) {
        root = dataDir.joiningPath("attachments")
    }

    var incoming: String { root.joiningPath(".incoming") }

    package func folder(of reference: String) -> String { root.joiningPath(reference) }

    package func path(of reference: String, number: Int) -> String {
        folder(of: reference).joiningPath(String(number))
    }

    /// A fresh staging folder for one submission's files.
    package func stage() throws(AttachmentFileError) -> StagedAttachments {
        try Self.makeFolder(root)
        try Self.makeFolder(incoming)
        guard let random = CryptoPrimitives.randomBytes(12) else {
            throw AttachmentFileError(operation: "draw a staging name", path: incoming, errno: EIO)
        }
        let folder = incoming.joiningPath(CryptoPrimitives.hex(random))
        guard mkdir(folder, 0o700) == 0 else {
            throw AttachmentFileError(operation: "create", path: folder, errno: errno)
        }
        return StagedAttachments(folder: folder, files: self)
    }

    /// Deletes one file (sent, or erased); a file already gone is fine.
    package func remove(reference: String, number: Int) {
        unlink(path(of: reference, number: number))
        rmdir(folder(of: reference)) // only succeeds once the folder is empty
    }

    /// Deletes a lead's folder with every file in it (its personal data was erased).
    package func removeFolder(of reference: String) {
        Self.removeTree(folder(of: reference))
    }

    /// The lead files not in `keep` (`reference/number`, from `OutboxSession.filesToKeep`), as paths; with
    /// `staging`, also what submissions were writing (only at start-up, before any request: what a crash left
    /// there). Read inside the store's `perform`, so every lead committed so far is in `keep`; deleted with `remove`
    /// after that commit, so a commit that fails deletes nothing.
    package func unkept(keep: Set<String>, staging: Bool) -> [String] {
        var paths = staging ? Self.entries(of: incoming).map { incoming.joiningPath($0) } : []
        for reference in Self.entries(of: root) where reference != ".incoming" {
            let folder = root.joiningPath(reference)
            paths += Self.entries(of: folder).filter { !keep.contains("\(reference)/\($0)") }
                .map { folder.joiningPath($0) }
        }
        return paths
    }

    /// Deletes files and staging folders named by `unkept`, and the lead folders left empty. Returns how many went.
    @discardableResult
    package func remove(_ paths: [String]) -> Int {
        var removed = 0
        for path in paths {
            if unlink(path) == 0 {
                removed += 1
            } else if errno == EISDIR {
                Self.removeTree(path)
                removed += 1
            }
        }
        for reference in Self.entries(of: root) where reference != ".incoming" {
            rmdir(root.joiningPath(reference)) // only succeeds once the folder is empty
        }
        return removed
    }

    // MARK: - File system

    /// Creates a folder unless it exists; a new one is made durable in its parent, so a lead's files never sit in a
    /// folder a crash can forget.
    static func makeFolder(_ path: String) throws(AttachmentFileError) {
        if mkdir(path, 0o700) == 0 {
            let parent = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
            try syncFolder(parent.isEmpty ? "/" : parent)
        } else if errno != EEXIST {
            throw AttachmentFileError(operation: "create", path: path, errno: errno)
        }
    }

    /// Makes a rename or a new file in `folder` durable: the folder's own entry list is synced.
    static func syncFolder(_ folder: String) throws(AttachmentFileError) {
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw AttachmentFileError(operation: "open", path: folder, errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw AttachmentFileError(operation: "sync", path: folder, errno: errno) }
    }

    static func entries(of folder: String) -> [String] {
        guard let directory = opendir(folder) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Our folders hold plain files only (one level); anything else is left alone.
    static func removeTree(_ folder: String) {
        for name in entries(of: folder) { unlink(folder.joiningPath(name)) }
        rmdir(folder)
    }
}

/// One submission's files before its lead is stored. Whoever stages files either moves them into a lead's folder
/// (through `OutboxSession.insert`) or discards them.
package final class StagedAttachments: Sendable {
    package let folder: String
    let files: AttachmentFiles

    init(folder: String, files: AttachmentFiles) {
        self.folder = folder
        self.files = files
    }

    /// A new file, numbered from 1 in the order the visitor sent them.
    package func create(number: Int) throws(AttachmentFileError) -> AttachmentFileWriter {
        try AttachmentFileWriter(path: folder.joiningPath(String(number)))
    }

    /// Moves the files to the lead's folder, durably. Runs inside the commit that stores the lead.
    func move(to reference: String) throws(AttachmentFileError) {
        let target = files.folder(of: reference)
        try AttachmentFiles.syncFolder(folder)
        guard rename(folder, target) == 0 else {
            throw AttachmentFileError(operation: "move", path: target, errno: errno)
        }
        try AttachmentFiles.syncFolder(files.root)
    }

    /// Deletes the staged files (the lead was a duplicate, refused, or not stored).
    package func discard() {
        AttachmentFiles.removeTree(folder)
    }
}

/// Writes one attached file, counting its bytes and hashing them as they go.
package struct AttachmentFileWriter: ~Copyable {
    package let path: String
    private let fd: Int32
    private let hasher = SHA256Hasher()
    package private(set) var size = 0

    init(path: String) throws(AttachmentFileError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw AttachmentFileError(operation: "create", path: path, errno: errno) }
        self.path = path
        self.fd = fd
    }

    deinit { close(fd) }

    package mutating func write(_ bytes: UnsafeRawBufferPointer) throws(AttachmentFileError) {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(fd, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw AttachmentFileError(operation: "write", path: path, errno: errno)
            }
            offset += written
        }
        hasher.update(bytes)
        size += bytes.count
    }

    package mutating func write(_ bytes: [UInt8]) throws(AttachmentFileError) {
        let result = bytes.withUnsafeBytes { raw in Result { () throws(AttachmentFileError) in try write(raw) } }
        try result.get()
    }

    /// Syncs the file to disk; returns its size and SHA-256 (hex).
    package consuming func finish() throws(AttachmentFileError) -> (size: Int, sha256: String) {
        guard fsync(fd) == 0 else { throw AttachmentFileError(operation: "sync", path: path, errno: errno) }
        let size = self.size
        guard let digest = hasher.finish() else {
            throw AttachmentFileError(operation: "hash", path: path, errno: ENOMEM)
        }
        return (size, CryptoPrimitives.hex(digest))
    }
}

/// A file operation on an attachment that failed; says which and why, without the file's content.
package struct AttachmentFileError: Error, CustomStringConvertible, Equatable {
    package let operation: String
    package let path: String
    package let errno: Int32

    package var description: String { "cannot \(operation) \(path): \(String(cString: strerror(errno)))" }
}
