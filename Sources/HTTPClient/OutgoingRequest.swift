import Glibc

/// A request ready to be written: its head encoded and its body's files opened and measured, so a file that cannot
/// be opened fails the request before a connection is even taken, and the `Content-Length` is known.
///
/// A body with files goes out through one staging buffer of `chunkSize` bytes: a file is read in chunks with
/// `pread` (never whole, and from the start again when the request goes a second time on a fresh connection), and
/// small parts share a write with their neighbours. The last buffer is written only after every file was found as
/// it was measured (size and modification time): a file that shrank, grew or was rewritten while it was read
/// fails the request with `bodyUnreadable` before its last byte leaves, so the server never gets a whole request
/// whose content differs from what was measured.
///
/// Made and used by one request on one client thread; its files are closed when it goes.
final class OutgoingRequest {
    static let chunkSize = 64 * 1024

    private struct OpenFile {
        let fd: Int32
        let size: Int
        let modified: timespec
    }

    private enum Piece {
        case bytes([UInt8])
        case file(OpenFile)
    }

    /// The whole request as one array, when the body has no files: written as it always was.
    private let whole: [UInt8]?
    private let head: [UInt8]
    private let pieces: [Piece]
    private let files: [OpenFile]

    init(_ request: HTTPClientRequest, to endpoint: Endpoint) throws(HTTPClientError) {
        if request.body.inMemory != nil {
            whole = try RequestEncoder.encode(request, to: endpoint)
            head = []
            pieces = []
            files = []
            return
        }
        var pieces: [Piece] = []
        var files: [OpenFile] = []
        var length = 0
        do throws(HTTPClientError) {
            for part in request.body.parts {
                switch part {
                case .bytes(let bytes):
                    pieces.append(.bytes(bytes))
                    length += bytes.count
                case .file(let path):
                    let file = try Self.open(path)
                    files.append(file)
                    pieces.append(.file(file))
                    length += file.size
                }
            }
            head = try RequestEncoder.head(request, to: endpoint, contentLength: length)
        } catch {
            for file in files { Glibc.close(file.fd) }
            throw error
        }
        whole = nil
        self.pieces = pieces
        self.files = files
    }

    deinit {
        for file in files { Glibc.close(file.fd) }
    }

    /// Opens a regular file for reading and measures it.
    private static func open(_ path: String) throws(HTTPClientError) -> OpenFile {
        // Non-blocking: opening a FIFO must not wait for a writer (it is refused below as not a regular file).
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw .bodyUnreadable("cannot open a file: \(String(cString: strerror(errno)))") }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw .bodyUnreadable("cannot measure a file: \(reason)")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            Glibc.close(fd)
            throw .bodyUnreadable("a file of the body is not a regular file")
        }
        return OpenFile(fd: fd, size: Int(info.st_size), modified: info.st_mtim)
    }

    /// Writes the whole request. A connection's failure is thrown as it is; a file that cannot be read or changed
    /// throws `bodyUnreadable`. Either way before the request's last byte left.
    func write(to connection: ClientConnection, deadline: ContinuousClock.Instant) throws(HTTPClientError) {
        if let whole { return try connection.write(whole, deadline: deadline) }
        var buffer = [UInt8](repeating: 0, count: Self.chunkSize)
        var filled = 0
        // A full buffer is written only when more bytes come: the last one waits for the check of the files.
        func makeRoom() throws(HTTPClientError) {
            guard filled == buffer.count else { return }
            try connection.write(buffer[0..<filled], deadline: deadline)
            filled = 0
        }
        for part in [Piece.bytes(head)] + pieces {
            switch part {
            case .bytes(let bytes):
                var offset = 0
                while offset < bytes.count {
                    try makeRoom()
                    let count = min(buffer.count - filled, bytes.count - offset)
                    buffer.replaceSubrange(filled..<(filled + count), with: bytes[offset..<(offset + count)])
                    filled += count
                    offset += count
                }
            case .file(let file):
                var offset = 0
                while offset < file.size {
                    try makeRoom()
                    let wanted = min(buffer.count - filled, file.size - offset)
                    let count = buffer.withUnsafeMutableBytes { raw -> Int in
                        guard let base = raw.baseAddress else { return -1 }
                        return pread(file.fd, base + filled, wanted, off_t(offset))
                    }
                    if count < 0 {
                        guard errno != EINTR else { continue }
                        throw .bodyUnreadable("cannot read a file: \(String(cString: strerror(errno)))")
                    }
                    guard count > 0 else { throw .bodyUnreadable("a file got shorter while it was sent") }
                    filled += count
                    offset += count
                }
            }
        }
        try checkUnchanged()
        try connection.write(buffer[0..<filled], deadline: deadline)
    }

    /// Throws when a file's size or modification time differs from when it was opened.
    private func checkUnchanged() throws(HTTPClientError) {
        for file in files {
            var info = stat()
            guard fstat(file.fd, &info) == 0 else {
                throw .bodyUnreadable("cannot measure a file: \(String(cString: strerror(errno)))")
            }
            guard Int(info.st_size) == file.size, info.st_mtim.tv_sec == file.modified.tv_sec,
                info.st_mtim.tv_nsec == file.modified.tv_nsec
            else { throw .bodyUnreadable("a file changed while it was sent") }
        }
    }
}
