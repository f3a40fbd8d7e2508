import Foundation
import HTTPServer

/// A fresh directory for one test's spool files, so tests running in parallel never see each other's files.
struct SpoolDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("heroform-spool-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The names in the directory, hidden ones included.
    var entries: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? ["(unreadable)"]
    }

    /// This process's descriptors open on files in the directory, as `/proc/self/fd` shows them: an unlinked
    /// spool file reads `DIRECTORY/#inode (deleted)` or `DIRECTORY/.heroform-body-… (deleted)`.
    var openFiles: [(descriptor: String, target: String)] {
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return descriptors.compactMap { descriptor in
            // A descriptor closed meanwhile (another test's) has no link any more.
            let link = "/proc/self/fd/\(descriptor)"
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: link),
                target.hasPrefix(path + "/")
            else { return nil }
            return (descriptor, target)
        }
    }

    /// Waits until no descriptor is open on a file in the directory: a request's body is released by its task
    /// just after the answer is sent, so a test may read the answer a moment before.
    func noneOpenSoon() async -> Bool {
        for _ in 0..<100 {
            if openFiles.isEmpty { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return openFiles.isEmpty
    }
}

/// Reproducible random bytes and splits: SplitMix64.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }

    /// `bytes` cut into pieces of 1...`largest` bytes.
    mutating func split(_ bytes: [UInt8], largest: Int) -> [[UInt8]] {
        var pieces: [[UInt8]] = []
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + Int.random(in: 1...largest, using: &self))
            pieces.append(Array(bytes[start..<end]))
            start = end
        }
        return pieces
    }
}

enum Framing: String, CaseIterable, Sendable {
    case contentLength, chunked
}

/// A POST with `body` framed as asked; chunked bodies in chunks cut by `random`.
func upload(
    _ path: String, _ body: [UInt8], framing: Framing, random: inout SeededRandom, headers: String = ""
) -> [UInt8] {
    switch framing {
    case .contentLength:
        return Array("POST \(path) HTTP/1.1\r\nHost: a\r\n\(headers)Content-Length: \(body.count)\r\n\r\n".utf8) + body
    case .chunked:
        var wire = Array("POST \(path) HTTP/1.1\r\nHost: a\r\n\(headers)Transfer-Encoding: chunked\r\n\r\n".utf8)
        for chunk in random.split(body, largest: 20_000) {
            wire += Array("\(String(chunk.count, radix: 16))\r\n".utf8) + chunk + Array("\r\n".utf8)
        }
        return wire + Array("0\r\n\r\n".utf8)
    }
}

/// A request's head (up to and with its blank line) and what follows it.
func splitHead(_ request: [UInt8]) -> (head: [UInt8], body: [UInt8]) {
    let end = Array("\r\n\r\n".utf8)
    guard let start = request.indices.first(where: { request[$0...].starts(with: end) }) else { return (request, []) }
    return (Array(request[..<(start + 4)]), Array(request[(start + 4)...]))
}

/// Routes that show how a body arrived: `/upload` echoes it as read piece by piece (`X-Read-Chunk` bytes at a
/// time) and says whether it was spooled, whether `collect` agrees, what `bytes` held, and what the spool directory
/// showed meanwhile; `/limited` takes at most 20,000 bytes; `/small` echoes `bytes` within the default limit.
func spoolRouter(watching directory: SpoolDirectory) -> Router {
    var router = Router()
    router.post("/upload", bodyLimit: 4 * 1024 * 1024) { request in
        var reader = request.body.reader(chunkSize: Int(request.headers["X-Read-Chunk"] ?? "") ?? 64 * 1024)
        var echoed: [UInt8] = []
        while let piece = try reader.next() { echoed.append(contentsOf: piece) }
        var response = HTTPResponse(status: .ok, body: echoed)
        response.headers.add("X-Spooled", request.body.isSpooled ? "yes" : "no")
        response.headers.add("X-Count", "\(request.body.count)")
        response.headers.add("X-Collected", try request.body.collect() == echoed ? "same" : "different")
        response.headers.add("X-Bytes", "\(request.body.bytes.count)")
        response.headers.add("X-Open-Files", "\(directory.openFiles.count)")
        response.headers.add("X-Entries", "\(directory.entries.count)")
        return response
    }
    router.post("/limited", bodyLimit: 20_000) { request in .text("\(request.body.count)") }
    router.post("/small") { request in .text(String(decoding: request.body.bytes, as: UTF8.self)) }
    return router
}
