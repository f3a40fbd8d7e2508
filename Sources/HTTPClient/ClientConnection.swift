import COpenSSL
import Sockets

/// One TCP connection, plain or TLS, used with blocking calls that each end by a deadline.
///
/// `@unchecked Sendable`: a connection has one user at a time. A request takes it from the pool (under the pool's
/// lock) or makes it, uses it on its own thread, and gives it back or closes it; nothing keeps a reference beyond.
final class ClientConnection: @unchecked Sendable {
    let endpoint: Endpoint
    private let socket: Socket
    private let tls: TLSSession?
    private var closed = false
    /// When it last finished an answer: idle connections are reused only for a while (see `ConnectionPool`).
    var idleSince = ContinuousClock.now

    /// Resolves the host, connects to its addresses in turn (through `proxy`'s tunnel when given) and, with a TLS
    /// context (https), completes the handshake.
    init(
        to endpoint: Endpoint, tls context: TLSContext?, proxy: HTTPProxy? = nil, resolver: HostResolver = .system,
        deadline: ContinuousClock.Instant
    ) throws(HTTPClientError) {
        self.endpoint = endpoint
        let socket: Socket
        if let proxy {
            socket = try Self.connect(host: proxy.host, port: proxy.port, resolver: resolver, deadline: deadline)
            do {
                try Self.tunnel(socket, to: endpoint, through: proxy, deadline: deadline)
            } catch {
                socket.close()
                throw error
            }
        } else {
            socket = try Self.connect(host: endpoint.host, port: endpoint.port, resolver: resolver, deadline: deadline)
        }
        self.socket = socket
        guard let context else {
            tls = nil
            return
        }
        do {
            let session = try context.session(fd: socket.fd, for: endpoint)
            try Self.handshake(session, socket: socket, deadline: deadline)
            tls = session
        } catch {
            socket.close()
            throw error
        }
    }

    private static func connect(
        host: String, port: UInt16, resolver: HostResolver, deadline: ContinuousClock.Instant
    ) throws(HTTPClientError) -> Socket {
        // Under the deadline: the system's lookup has no timeout of its own (see `HostResolver`).
        let addresses = try resolver.addresses(of: host, port: port, deadline: deadline)
        var lastFailure = "no address"
        for (index, address) in addresses.enumerated() {
            // Each address left gets an equal share of the time left: one that drops packets must not use it all.
            let now = ContinuousClock.now
            let share = now + now.duration(to: deadline) / (addresses.count - index)
            do {
                return try Socket.connected(to: address, deadline: share)
            } catch {
                lastFailure = String(cString: strerror(error.code))
                if error.code == ETIMEDOUT && index == addresses.count - 1 { throw .timedOut }
            }
        }
        throw .cannotConnect(lastFailure)
    }

    /// Asks the proxy for a tunnel to the endpoint and reads its answer: a 2xx opens it, anything else is refused.
    private static func tunnel(
        _ socket: Socket, to endpoint: Endpoint, through proxy: HTTPProxy,
        deadline: ContinuousClock.Instant
    ) throws(HTTPClientError) {
        let authority = endpoint.origin.authority
        var request = "CONNECT \(authority) HTTP/1.1\r\nHost: \(authority)\r\n"
        if let authorization = proxy.authorization { request += "Proxy-Authorization: \(authorization)\r\n" }
        request += "\r\n"
        do {
            try write(Array(request.utf8)[...], to: socket, deadline: deadline)
        } catch .connectionClosed {
            throw .cannotConnect("the proxy closed the connection")
        }
        // Byte by byte up to the blank line: what follows it belongs to the tunnel (the server's TLS), not to us.
        var head: [UInt8] = []
        var byte: UInt8 = 0
        while !head.suffix(4).elementsEqual([0x0D, 0x0A, 0x0D, 0x0A]) {
            guard head.count < 16 * 1024 else { throw .malformedResponse("the proxy's answer is too large") }
            guard ContinuousClock.now < deadline else { throw .timedOut }
            switch withUnsafeMutableBytes(of: &byte, { socket.read(into: $0) }) {
            case .bytes: head.append(byte)
            case .wouldBlock: guard socket.wait(for: .readable, until: deadline) else { throw .timedOut }
            case .endOfStream, .failed: throw .cannotConnect("the proxy closed the connection")
            }
        }
        // "HTTP/1.x NNN ..."
        let statusLine = head.prefix { $0 != 0x0D }
        guard statusLine.starts(with: Array("HTTP/1.".utf8)), statusLine.count >= 12,
            let status = Int(String(decoding: statusLine.dropFirst(9).prefix(3), as: UTF8.self))
        else {
            throw .malformedResponse("the proxy's answer is not HTTP")
        }
        guard (200...299).contains(status) else { throw .cannotConnect("the proxy refused the tunnel: HTTP \(status)") }
    }

    deinit { close() }

    func close() {
        guard !closed else { return }
        closed = true
        // No close_notify: it would be one more write to a peer we are done with, and nothing depends on it.
        socket.close()
    }

    /// Whether the peer closed the idle connection or sent something unasked: then it must not carry a request.
    var isStale: Bool { socket.hasPendingInput || (tls.map { SSL_pending($0.ssl) > 0 } ?? false) }

    func write(_ bytes: [UInt8], deadline: ContinuousClock.Instant) throws(HTTPClientError) {
        try write(bytes[...], deadline: deadline)
    }

    func write(_ bytes: ArraySlice<UInt8>, deadline: ContinuousClock.Instant) throws(HTTPClientError) {
        guard let tls else { return try Self.write(bytes, to: socket, deadline: deadline) }
        var offset = bytes.startIndex
        while offset < bytes.endIndex {
            // Checked on every turn, not only when the socket is full: a peer that keeps taking bytes slowly must
            // not stretch the call past its deadline.
            guard ContinuousClock.now < deadline else { throw .timedOut }
            let result = bytes[offset...].withUnsafeBytes { chunk in
                ERR_clear_error()
                return Int(SSL_write(tls.ssl, chunk.baseAddress, Int32(clamping: chunk.count)))
            }
            if result > 0 {
                offset += result
            } else {
                try wait(after: result, on: tls, deadline: deadline)
            }
        }
    }

    /// Writes all of `bytes` to a plain socket by the deadline (also the proxy's CONNECT, before any TLS).
    private static func write(_ bytes: ArraySlice<UInt8>, to socket: Socket, deadline: ContinuousClock.Instant)
        throws(HTTPClientError)
    {
        var offset = bytes.startIndex
        while offset < bytes.endIndex {
            guard ContinuousClock.now < deadline else { throw .timedOut }
            switch bytes[offset...].withUnsafeBytes({ socket.write($0) }) {
            case .written(let n): offset += n
            case .wouldBlock: guard socket.wait(for: .writable, until: deadline) else { throw .timedOut }
            case .failed: throw .connectionClosed
            }
        }
    }

    /// Reads what is there into `chunk`, waiting for at least one byte; 0 at the end of the stream.
    func read(into chunk: inout [UInt8], deadline: ContinuousClock.Instant) throws(HTTPClientError) -> Int {
        try chunk.withUnsafeMutableBytes { buffer in
            Result { () throws(HTTPClientError) -> Int in try read(into: buffer, deadline: deadline) }
        }.get()
    }

    private func read(into buffer: UnsafeMutableRawBufferPointer, deadline: ContinuousClock.Instant)
        throws(HTTPClientError) -> Int
    {
        while true {
            // Checked on every turn, not only when a read would block: a peer that keeps sending must not stretch
            // the call past its deadline either.
            guard ContinuousClock.now < deadline else { throw .timedOut }
            if let tls {
                ERR_clear_error()
                let n = SSL_read(tls.ssl, buffer.baseAddress, Int32(clamping: buffer.count))
                if n > 0 { return Int(n) }
                if SSL_get_error(tls.ssl, n) == SSL_ERROR_ZERO_RETURN { return 0 }
                try wait(after: Int(n), on: tls, deadline: deadline)
            } else {
                switch socket.read(into: buffer) {
                case .bytes(let n): return n
                case .endOfStream: return 0
                case .failed: throw .connectionClosed
                case .wouldBlock:
                    guard socket.wait(for: .readable, until: deadline) else { throw .timedOut }
                }
            }
        }
    }

    /// After an `SSL_*` call returned `result` (≤ 0): waits for what OpenSSL needs, or throws what went wrong.
    private func wait(after result: Int, on tls: TLSSession, deadline: ContinuousClock.Instant) throws(HTTPClientError)
    {
        switch SSL_get_error(tls.ssl, Int32(clamping: result)) {
        case SSL_ERROR_WANT_READ:
            guard socket.wait(for: .readable, until: deadline) else { throw .timedOut }
        case SSL_ERROR_WANT_WRITE:
            guard socket.wait(for: .writable, until: deadline) else { throw .timedOut }
        case SSL_ERROR_ZERO_RETURN, SSL_ERROR_SYSCALL:
            ERR_clear_error()
            throw .connectionClosed
        case SSL_ERROR_SSL where ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING:
            // Closed without TLS's close_notify: the end of an answer that runs until the close cannot be trusted.
            ERR_clear_error()
            throw .connectionClosed
        default:
            throw .tls(TLSContext.lastError("TLS error"))
        }
    }

    private static func handshake(_ tls: TLSSession, socket: Socket, deadline: ContinuousClock.Instant)
        throws(HTTPClientError)
    {
        while true {
            guard ContinuousClock.now < deadline else { throw .timedOut }
            ERR_clear_error()
            let rc = SSL_connect(tls.ssl)
            if rc == 1 { return }
            switch SSL_get_error(tls.ssl, rc) {
            case SSL_ERROR_WANT_READ:
                guard socket.wait(for: .readable, until: deadline) else { throw .timedOut }
            case SSL_ERROR_WANT_WRITE:
                guard socket.wait(for: .writable, until: deadline) else { throw .timedOut }
            case SSL_ERROR_SYSCALL where ERR_peek_error() == 0:
                throw .tls("the server closed the connection during the handshake")
            default:
                throw .tls(tls.handshakeFailure())
            }
        }
    }
}
