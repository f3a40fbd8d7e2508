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

    /// Resolves the host, connects to its addresses in turn and, with a TLS context (https), completes the handshake.
    init(to endpoint: Endpoint, tls context: TLSContext?, deadline: ContinuousClock.Instant) throws(HTTPClientError) {
        self.endpoint = endpoint
        let addresses: [SocketAddress]
        do {
            addresses = try SocketAddress.resolve(host: endpoint.host, port: endpoint.port)
        } catch {
            throw .cannotResolve(host: endpoint.host, reason: (error as? ResolveError)?.reason ?? "\(error)")
        }
        var connected: Socket?
        var lastFailure = "no address"
        for address in addresses {
            do {
                connected = try Socket.connected(to: address, deadline: deadline)
                break
            } catch {
                if error.code == ETIMEDOUT { throw .timedOut }
                lastFailure = String(cString: strerror(error.code))
            }
        }
        guard let socket = connected else { throw .cannotConnect(lastFailure) }
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
        var offset = 0
        while offset < bytes.count {
            let result: Int = bytes[offset...].withUnsafeBytes { chunk in
                if let tls {
                    ERR_clear_error()
                    return Int(SSL_write(tls.ssl, chunk.baseAddress, Int32(clamping: chunk.count)))
                }
                switch socket.write(chunk) {
                case .written(let n): return n
                case .wouldBlock: return 0
                case .failed: return -1
                }
            }
            if result > 0 {
                offset += result
                continue
            }
            if let tls {
                try wait(after: result, on: tls, deadline: deadline)
            } else {
                guard result == 0 else { throw .connectionClosed }
                guard socket.wait(for: .writable, until: deadline) else { throw .timedOut }
            }
        }
    }

    /// Reads what is there into `chunk`, waiting for at least one byte; 0 at the end of the stream.
    func read(into chunk: inout [UInt8], deadline: ContinuousClock.Instant) throws(HTTPClientError) -> Int {
        try chunk.withUnsafeMutableBytes { buffer in
            Result { () throws(HTTPClientError) -> Int in try read(into: buffer, deadline: deadline) }
        }.get()
    }

    private func read(into buffer: UnsafeMutableRawBufferPointer, deadline: ContinuousClock.Instant) throws(HTTPClientError) -> Int {
        while true {
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
    private func wait(after result: Int, on tls: TLSSession, deadline: ContinuousClock.Instant) throws(HTTPClientError) {
        switch SSL_get_error(tls.ssl, Int32(clamping: result)) {
        case SSL_ERROR_WANT_READ:
            guard socket.wait(for: .readable, until: deadline) else { throw .timedOut }
        case SSL_ERROR_WANT_WRITE:
            guard socket.wait(for: .writable, until: deadline) else { throw .timedOut }
        case SSL_ERROR_ZERO_RETURN, SSL_ERROR_SYSCALL:
            ERR_clear_error()
            throw .connectionClosed
        default:
            throw .tls(TLSContext.lastError("TLS error"))
        }
    }

    private static func handshake(_ tls: TLSSession, socket: Socket, deadline: ContinuousClock.Instant) throws(HTTPClientError) {
        while true {
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
