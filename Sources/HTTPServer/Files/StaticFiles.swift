import FoundationEssentials
import Glibc
import Synchronization
import WebText

/// Serves files below one folder. Nothing outside it is ever served: paths are decoded and checked segment by
/// segment (no `..`, no encoded slash, no NUL, no hidden files), and the real path after resolving symlinks must
/// still lie inside the folder. Contents are kept in memory and revalidated by size and modification time.
package final class StaticFiles: Sendable {
    package let root: String
    private let excluded: Set<String>
    private let cache = Mutex<[String: Entry]>([:])

    struct Entry: Sendable {
        let size: Int
        let modified: timespec
        let body: [UInt8]
        let etag: String
    }

    package enum SetupError: Error, CustomStringConvertible {
        case notADirectory(String)
        package var description: String {
            switch self {
            case .notADirectory(let path): return "public folder '\(path)' does not exist or is not a directory"
            }
        }
    }

    /// `excluding` names top-level entries that are never served (templates, say).
    package init(root: String, excluding: Set<String> = []) throws {
        guard let resolved = Self.realPath(root), Self.fileType(resolved) == S_IFDIR else {
            throw SetupError.notADirectory(root)
        }
        self.root = resolved
        self.excluded = excluding
    }

    /// Answers a GET or HEAD for `request.path`.
    package func respond(to request: HTTPRequest) -> HTTPResponse {
        guard let segments = PathPattern.segments(of: request.path) else { return .error(.notFound) }
        if segments.contains(where: { $0.hasPrefix(".") || $0.contains("\\") }) { return .error(.notFound) }
        if let first = segments.first, excluded.contains(first) { return .error(.notFound) }

        var path = ([root] + segments).joined(separator: "/")
        guard var real = Self.realPath(path), isInside(real) else { return .error(.notFound) }
        if Self.fileType(real) == S_IFDIR {
            path = real + "/index.html"
            guard let index = Self.realPath(path), isInside(index) else { return .error(.notFound) }
            real = index
        }
        guard let entry = load(real) else { return .error(.notFound) }

        var headers: HTTPHeaders = [
            "ETag": entry.etag,
            "Cache-Control": Self.cacheControl(for: real),
            "X-Content-Type-Options": "nosniff",
        ]
        if Self.matches(request.headers.values("If-None-Match"), entry.etag) {
            return HTTPResponse(status: .notModified, headers: headers)
        }
        headers.add("Content-Type", MediaTypes.type(forPath: real))
        return HTTPResponse(status: .ok, headers: headers, body: entry.body)
    }

    private func isInside(_ real: String) -> Bool {
        real == root || real.hasPrefix(root == "/" ? "/" : root + "/")
    }

    private func load(_ path: String) -> Entry? {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        let size = Int(info.st_size)
        if let cached = cache.withLock({ $0[path] }), cached.size == size,
            cached.modified.tv_sec == info.st_mtim.tv_sec, cached.modified.tv_nsec == info.st_mtim.tv_nsec
        {
            return cached
        }
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let body = [UInt8](data)
        let entry = Entry(size: body.count, modified: info.st_mtim, body: body, etag: Self.etag(for: body))
        cache.withLock { $0[path] = entry }
        return entry
    }

    /// A strong validator from the content itself (FNV-1a, 64 bit), so identical bytes give identical tags
    /// on every replica.
    static func etag(for body: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in body {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return "\"" + String(hash, radix: 16) + "-" + String(body.count, radix: 16) + "\""
    }

    /// If-None-Match uses the weak comparison (RFC 9110 §13.1.2): `W/` is ignored on both sides.
    static func matches(_ fields: [String], _ etag: String) -> Bool {
        let ours = etag.hasPrefix("W/") ? String(etag.dropFirst(2)) : etag
        for candidate in fields.flatMap({ $0.split(separator: ",") }) {
            var tag = candidate.trimmingWhitespace()
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag.removeFirst(2) }
            // The gzip variant's tag (see CompressionMiddleware) validates the same content.
            let gzipSuffix = CompressionMiddleware.etagSuffix + "\""
            if tag.hasSuffix(gzipSuffix) { tag = String(tag.dropLast(gzipSuffix.count)) + "\"" }
            if tag == ours { return true }
        }
        return false
    }

    /// Names with a content hash (`app.3f9a1c2b.js`) never change, so they may be cached for a year;
    /// pages are revalidated every time, other assets hourly.
    static func cacheControl(for path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let parts = name.split(separator: ".")
        if parts.count >= 3, let hash = parts.dropLast().last, hash.count >= 8,
            hash.allSatisfy({ $0.isHexDigit })
        {
            return "public, max-age=31536000, immutable"
        }
        if name.hasSuffix(".html") || name.hasSuffix(".htm") { return "no-cache" }
        return "public, max-age=3600"
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func fileType(_ path: String) -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode & S_IFMT
    }
}
