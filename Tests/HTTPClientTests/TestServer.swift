import COpenSSL
import Foundation
import Sockets
import Synchronization

/// A blocking server on 127.0.0.1 for client tests, plain or TLS: every connection runs `handler` on a thread of its
/// own, which scripts exactly what the server does (answer, stall, close, reset).
final class TestServer: Sendable {
    private let listener: Int32
    let port: UInt16
    private let accepted = Mutex(0)
    private let handshakeFailures = Mutex(0)
    private let tls: ServerTLS?

    /// `certificate` and `key` in PEM make it a TLS server.
    init(certificate: String? = nil, key: String? = nil, handler: @escaping @Sendable (TestConnection) -> Void) throws {
        tls = try certificate.map { try ServerTLS(certificate: $0, key: key ?? "") }
        let listener = socket(AF_INET, socketStreamCloseOnExec, 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard listener >= 0, bound == 0, listen(listener, 64) == 0 else { throw SocketError("listen") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        self.listener = listener
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in
            while true {
                let fd = accept(listener, nil, nil)
                guard fd >= 0 else { return }
                // A child process another test starts must not hold the connection open past `close` or `reset`.
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                accepted.withLock { $0 += 1 }
                Thread {
                    guard let connection = TestConnection(fd: fd, tls: self.tls) else {
                        self.handshakeFailures.withLock { $0 += 1 }
                        return
                    }
                    handler(connection)
                    connection.close()
                }.start()
            }
        }
        thread.start()
    }

    var connections: Int { accepted.withLock { $0 } }
    var failedHandshakes: Int { handshakeFailures.withLock { $0 } }

    func url(_ path: String = "/", host: String = "127.0.0.1") -> URL {
        URL(string: "\(tls == nil ? "http" : "https")://\(host):\(port)\(path)")!
    }

    /// Stops accepting; connections already handed to a handler run on.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        Glibc.close(listener)
    }
}

/// One accepted connection, used by one handler thread only.
final class TestConnection: @unchecked Sendable {
    private let fd: Int32
    private let ssl: OpaquePointer?
    private var buffer: [UInt8] = []
    private var closed = false

    fileprivate init?(fd: Int32, tls: ServerTLS?) {
        self.fd = fd
        guard let tls else {
            ssl = nil
            return
        }
        guard let ssl = SSL_new(tls.context) else { return nil }
        self.ssl = ssl
        SSL_set_fd(ssl, fd)
        guard SSL_accept(ssl) == 1 else {
            close()
            return nil
        }
    }

    /// The host name the client asked for in its TLS hello (SNI), if any.
    var serverName: String? {
        ssl.flatMap { SSL_get_servername($0, TLSEXT_NAMETYPE_host_name) }.map { String(cString: $0) }
    }

    /// The next request, head and body (by its Content-Length); nil when the client closed the connection.
    func readRequest() -> String? {
        while true {
            if let end = buffer.firstRange(of: Array("\r\n\r\n".utf8)) {
                let head = String(decoding: buffer[..<end.lowerBound], as: UTF8.self)
                let length = head.split(separator: "\r\n")
                    .first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                if buffer.count >= end.upperBound + length {
                    let request = String(decoding: buffer[..<(end.upperBound + length)], as: UTF8.self)
                    buffer.removeFirst(end.upperBound + length)
                    return request
                }
            }
            guard receive() else { return nil }
        }
    }

    /// The next request's head as text and its body as bytes (by its Content-Length); nil when the client closed
    /// before the whole request came.
    func readRequestBytes() -> (head: String, body: [UInt8])? {
        guard let head = readHeadText() else { return nil }
        let length = head.split(separator: "\r\n")
            .first { $0.lowercased().hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        while buffer.count < length {
            guard receive() else { return nil }
        }
        let body = Array(buffer[..<length])
        buffer.removeFirst(length)
        return (head, body)
    }

    /// Reads and drops what the client sends until it closes; the number of bytes (buffered ones included).
    func drain() -> Int {
        var total = buffer.count
        buffer = []
        while receive() {
            total += buffer.count
            buffer = []
        }
        return total
    }

    /// Reads until a request's head (not its body) is here; false when the client closed first.
    func readHead() -> Bool {
        while buffer.firstRange(of: Array("\r\n\r\n".utf8)) == nil {
            guard receive() else { return false }
        }
        return true
    }

    /// The next request's head as text (its body, if any, stays unread); nil when the client closed first.
    func readHeadText() -> String? {
        while true {
            if let end = buffer.firstRange(of: Array("\r\n\r\n".utf8)) {
                let head = String(decoding: buffer[..<end.upperBound], as: UTF8.self)
                buffer.removeFirst(end.upperBound)
                return head
            }
            guard receive() else { return nil }
        }
    }

    /// Acts as a CONNECT proxy's tunnel: relays bytes both ways between this (plain) connection and a new one to
    /// 127.0.0.1:`port`, until either side closes.
    func relay(toPort port: UInt16) {
        let target = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(target, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return }
        let client = fd
        let copy: @Sendable (Int32, Int32) -> Void = { from, to in
            var chunk = [UInt8](repeating: 0, count: 16 * 1024)
            while true {
                let n = chunk.withUnsafeMutableBytes { recv(from, $0.baseAddress, $0.count, 0) }
                guard n > 0 else { break }
                guard chunk[0..<n].withUnsafeBytes({ send(to, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == n else { break }
            }
            shutdown(to, Int32(SHUT_WR))
        }
        let back = Thread { copy(target, client) }
        back.start()
        copy(client, target)
        while !back.isFinished { Thread.sleep(forTimeInterval: 0.01) }
        Glibc.close(target)
    }

    /// Sends TLS's close_notify: the client can tell this end of the stream from a cut.
    func closeNotify() {
        if let ssl { SSL_shutdown(ssl) }
    }

    /// Reads until the client sends something or closes; false when it closed.
    private func receive() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        let n = chunk.withUnsafeMutableBytes { raw -> Int in
            if let ssl { return Int(SSL_read(ssl, raw.baseAddress, Int32(raw.count))) }
            return recv(fd, raw.baseAddress, raw.count, 0)
        }
        guard n > 0 else { return false }
        buffer.append(contentsOf: chunk[0..<n])
        return true
    }

    func write(_ text: String) {
        var bytes = Array(text.utf8)
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { raw -> Int in
                if let ssl { return Int(SSL_write(ssl, raw.baseAddress, Int32(raw.count))) }
                return send(fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL))
            }
            guard n > 0 else { return }
            bytes.removeFirst(n)
        }
    }

    /// An answer with a body and a Content-Length.
    func answer(_ body: String = "ok", status: String = "200 OK", headers: String = "") {
        write("HTTP/1.1 \(status)\r\nContent-Length: \(body.utf8.count)\r\n\(headers)\r\n\(body)")
    }

    /// Closes with a reset (RST) instead of a FIN, as a crashing or overloaded server does.
    func reset() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        close()
    }

    func close() {
        guard !closed else { return }
        closed = true
        if let ssl { SSL_free(ssl) }
        Glibc.close(fd)
    }
}

/// The server side's TLS context, from PEM text written to temporary files.
private final class ServerTLS: Sendable {
    nonisolated(unsafe) let context: OpaquePointer

    init(certificate: String, key: String) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("heroform-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificateFile = directory.appendingPathComponent("cert.pem").path
        let keyFile = directory.appendingPathComponent("key.pem").path
        try certificate.write(toFile: certificateFile, atomically: true, encoding: .utf8)
        try key.write(toFile: keyFile, atomically: true, encoding: .utf8)
        guard let context = SSL_CTX_new(TLS_server_method()),
              SSL_CTX_use_certificate_chain_file(context, certificateFile) == 1,
              SSL_CTX_use_PrivateKey_file(context, keyFile, SSL_FILETYPE_PEM) == 1 else {
            throw SocketError("TLS server set-up", code: 0)
        }
        self.context = context
    }
}
