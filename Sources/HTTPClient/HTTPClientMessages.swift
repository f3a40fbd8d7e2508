package import FoundationEssentials
import Glibc
import WebText

/// One request: the client adds `Host`, `Content-Length` and framing; everything else is the caller's.
package struct HTTPClientRequest: Sendable {
    package var method: String
    package var url: URL
    package var headers: [(name: String, value: String)]
    package var body: Body

    package init(method: String = "GET", url: URL, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.init(method: method, url: url, headers: headers, body: Body([.bytes(body)]))
    }

    package init(method: String, url: URL, headers: [(name: String, value: String)] = [], body: Body) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// What follows the head, in order: bytes in memory and files read from disk while the request is sent, so a
    /// large upload never sits in memory whole. Files are opened and measured before anything is sent (their sizes
    /// make the `Content-Length`); one that cannot be opened, or that changes while it is sent, fails the request
    /// with `HTTPClientError.bodyUnreadable` before its last byte leaves, so the server never gets a whole request
    /// with other content than was measured.
    package struct Body: Sendable, Equatable {
        /// One piece of the body, sent in order.
        package enum Part: Sendable, Equatable {
            case bytes([UInt8])
            /// A regular file's content as it is when the request is sent.
            case file(path: String)
        }

        package var parts: [Part]

        package init(_ parts: [Part] = []) {
            self.parts = parts
        }

        /// The bytes in memory, all parts together; files not counted.
        package var bytesInMemory: Int {
            parts.reduce(0) { total, part in
                guard case .bytes(let bytes) = part else { return total }
                return total + bytes.count
            }
        }

        /// How many parts are files.
        package var fileCount: Int {
            parts.reduce(0) { total, part in
                guard case .file = part else { return total }
                return total + 1
            }
        }

        /// The whole body, when it has no files; nil otherwise.
        var inMemory: [UInt8]? {
            var all: [UInt8] = []
            for part in parts {
                guard case .bytes(let bytes) = part else { return nil }
                all += bytes
            }
            return all
        }
    }
}

package struct HTTPClientResponse: Sendable {
    package let status: Int
    package let headers: [(name: String, value: String)]
    package let body: [UInt8]

    package init(status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of a header, its name compared without case.
    package func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveEquals(name) }?.value
    }
}

/// Who answers: connections are kept and reused per origin.
struct Origin: Hashable, Sendable {
    let secure: Bool
    let host: String
    let port: UInt16

    /// `host:port`, an IPv6 literal in brackets (for `CONNECT`).
    var authority: String { "\(bracketedHost(host)):\(port)" }
}

/// A host as it is written in a URL or header: an IPv6 literal (it has colons) in brackets.
func bracketedHost(_ host: String) -> String {
    host.contains(":") ? "[\(host)]" : host
}

/// A host as URLComponents gives it, without the brackets of an IPv6 literal; nil when it had none.
func withoutBrackets(_ host: String) -> String? {
    host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : nil
}

/// Where a request goes, checked once: scheme, host, port and the request target (path and query as written).
struct Endpoint: Hashable, Sendable {
    let origin: Origin
    let target: String

    var secure: Bool { origin.secure }
    var host: String { origin.host }
    var port: UInt16 { origin.port }

    init(_ url: URL) throws(HTTPClientError) {
        guard let components = URLComponents(url: url, resolvingAgainstBaseURL: false) else {
            throw .invalidRequest("not a URL")
        }
        let secure: Bool
        switch components.scheme?.lowercased() {
        case "http": secure = false
        case "https": secure = true
        default: throw .invalidRequest("only http and https URLs are supported")
        }
        // URLComponents keeps an IPv6 literal's brackets in the host.
        let unbracketed = withoutBrackets(components.host ?? "")
        let bracketed = unbracketed != nil
        let host = unbracketed ?? components.host ?? ""
        guard !host.isEmpty else { throw .invalidRequest("the URL has no host") }
        // URLComponents decodes percent-escapes in the host, so a `%0D%0A` there would break the Host line and add
        // headers (request splitting). Only a name of unreserved characters or, in brackets, an IPv6 address.
        guard bracketed ? Self.isIPv6Address(host) : host.utf8.allSatisfy(Self.isHostNameByte) else {
            throw .invalidRequest("the host holds characters not allowed in a host name")
        }
        guard components.user == nil && components.password == nil else {
            throw .invalidRequest("credentials in the URL are not supported")
        }
        guard let port = UInt16(exactly: components.port ?? (secure ? 443 : 80)), port > 0 else {
            throw .invalidRequest("bad port")
        }
        origin = Origin(secure: secure, host: host, port: port)
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        target = components.percentEncodedQuery.map { "\(path)?\($0)" } ?? path
        guard target.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .invalidRequest("the path holds characters that need percent-encoding")
        }
    }

    /// The `Host` header: the port only when it is not the scheme's default, an IPv6 literal in brackets.
    var hostHeader: String {
        port == (secure ? 443 : 80) ? bracketedHost(host) : origin.authority
    }

    /// A numeric host is checked against the certificate's IP addresses and gets no SNI (RFC 6066 §3).
    var hostIsIPAddress: Bool {
        var v4 = in_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || Self.isIPv6Address(host)
    }

    private static func isIPv6Address(_ text: String) -> Bool {
        var v6 = in6_addr()
        return inet_pton(AF_INET6, text, &v6) == 1
    }

    /// RFC 3986 unreserved characters: letters, digits, `-`, `.`, `_`, `~`.
    private static func isHostNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}

enum RequestEncoder {
    /// The request's bytes, head and body, for a body without files. Refuses header names that are not tokens and
    /// values with control characters: a line break in a value would let it add headers of its own (request
    /// splitting).
    static func encode(_ request: HTTPClientRequest, to endpoint: Endpoint) throws(HTTPClientError) -> [UInt8] {
        guard let body = request.body.inMemory else { throw .invalidRequest("a body with files is streamed") }
        return try head(request, to: endpoint, contentLength: body.count) + body
    }

    /// The request's head, with `Content-Length: contentLength` when there is a body or the method expects one.
    static func head(_ request: HTTPClientRequest, to endpoint: Endpoint, contentLength: Int) throws(HTTPClientError)
        -> [UInt8]
    {
        guard isToken(request.method) else { throw .invalidRequest("bad method") }
        var head = "\(request.method) \(endpoint.target) HTTP/1.1\r\nHost: \(endpoint.hostHeader)\r\n"
        for (name, value) in request.headers {
            guard isToken(name) else { throw .invalidRequest("bad header name") }
            guard !["host", "content-length", "transfer-encoding", "connection"].contains(name.lowercased()) else {
                throw .invalidRequest("\(name) is set by the client")
            }
            guard value.utf8.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else {
                throw .invalidRequest("header \(name) holds a control character")
            }
            head += "\(name): \(value)\r\n"
        }
        if contentLength > 0 || !["GET", "HEAD", "DELETE", "OPTIONS"].contains(request.method) {
            head += "Content-Length: \(contentLength)\r\n"
        }
        head += "\r\n"
        return Array(head.utf8)
    }

    static func isToken(_ text: String) -> Bool { HTTPToken.isToken(text.utf8) }
}

extension String {
    /// ASCII case-insensitive comparison, for header names.
    func caseInsensitiveEquals(_ other: String) -> Bool {
        utf8.count == other.utf8.count
            && zip(utf8, other.utf8).allSatisfy { a, b in
                a == b || (a | 0x20 == b | 0x20 && (a | 0x20) >= UInt8(ascii: "a") && (a | 0x20) <= UInt8(ascii: "z"))
            }
    }
}

extension HTTPClientRequest: CustomStringConvertible, CustomReflectable {
    /// Only method, scheme and host: header values may hold an API key, the body personal data, and a webhook's
    /// path its secret.
    package var description: String {
        let files = body.fileCount == 0 ? "" : " and \(body.fileCount) file\(body.fileCount == 1 ? "" : "s")"
        return "\(method) \(url.scheme ?? "?")://\(url.host ?? "?") (\(headers.count) headers, "
            + "\(body.bytesInMemory) bytes\(files))"
    }

    package var customMirror: Mirror { Mirror(self, children: ["request": description]) }
}
