/// A thin, copyable handle on a socket file descriptor. It owns nothing: whoever created it closes it.
package struct Socket: Hashable, Sendable {
    package let fd: Int32

    package init(fd: Int32) { self.fd = fd }

    package enum ReadResult: Equatable, Sendable {
        case bytes(Int)
        case wouldBlock
        case endOfStream
        case failed(Int32)
    }

    package enum WriteResult: Equatable, Sendable {
        case written(Int)
        case wouldBlock
        case failed(Int32)
    }

    /// A non-blocking listening socket bound to `address`. IPv6 sockets are IPv6-only when `v6Only`,
    /// so an IPv4 socket can share the port; otherwise they accept IPv4-mapped peers too.
    package static func listening(on address: SocketAddress, backlog: Int32 = 1024, v6Only: Bool) throws -> Socket {
        let domain = address.family == .ipv6 ? AF_INET6 : AF_INET
        let fd = socket(domain, socketStreamCloseOnExec, 0)
        guard fd >= 0 else { throw SocketError("socket") }
        let socket = Socket(fd: fd)
        do {
            try socket.setOption(SOL_SOCKET, SO_REUSEADDR, 1)
            if address.family == .ipv6 {
                try socket.setOption(Int32(IPPROTO_IPV6), IPV6_V6ONLY, v6Only ? 1 : 0)
            }
            try socket.setNonBlocking()
            let rc = address.withSockaddr { Glibc.bind(fd, $0, $1) }
            guard rc == 0 else { throw SocketError("bind \(address)") }
            guard listen(fd, backlog) == 0 else { throw SocketError("listen") }
        } catch {
            _ = Glibc.close(fd)
            throw error
        }
        return socket
    }

    /// Accepts one pending connection as a non-blocking socket; nil when none is waiting.
    package func accept() throws -> (Socket, SocketAddress)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let client = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(fd, $0, &length) }
        }
        guard client >= 0 else {
            let code = errno
            if code == EAGAIN || code == EWOULDBLOCK || code == EINTR || code == ECONNABORTED { return nil }
            throw SocketError("accept", code: code)
        }
        let socket = Socket(fd: client)
        do {
            // Not inherited by child processes (see `socketStreamCloseOnExec`).
            guard fcntl(client, F_SETFD, FD_CLOEXEC) == 0 else { throw SocketError("fcntl FD_CLOEXEC") }
            try socket.setNonBlocking()
            // Small responses go out at once instead of waiting for Nagle's algorithm.
            try socket.setOption(Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        } catch {
            socket.close()
            throw error
        }
        guard let peer = SocketAddress(storage: storage, length: length) else {
            socket.close()
            return nil
        }
        return (socket, peer)
    }

    package func read(into buffer: UnsafeMutableRawBufferPointer) -> ReadResult {
        while true {
            let n = recv(fd, buffer.baseAddress, buffer.count, 0)
            if n > 0 { return .bytes(n) }
            if n == 0 { return .endOfStream }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return .wouldBlock }
            return .failed(code)
        }
    }

    package func write(_ buffer: UnsafeRawBufferPointer) -> WriteResult {
        while true {
            let n = send(fd, buffer.baseAddress, buffer.count, noSignalFlag)
            if n >= 0 { return .written(n) }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return .wouldBlock }
            return .failed(code)
        }
    }

    /// Sends two buffers in one system call (a response's head and body, without copying them together).
    package func write(_ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer) -> WriteResult {
        var vectors = (
            iovec(iov_base: UnsafeMutableRawPointer(mutating: first.baseAddress), iov_len: first.count),
            iovec(iov_base: UnsafeMutableRawPointer(mutating: second.baseAddress), iov_len: second.count)
        )
        while true {
            let n = withUnsafeMutableBytes(of: &vectors) { raw -> Int in
                var message = msghdr()
                message.msg_iov = raw.baseAddress?.assumingMemoryBound(to: iovec.self)
                message.msg_iovlen = 2
                return sendmsg(fd, &message, noSignalFlag)
            }
            if n >= 0 { return .written(n) }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return .wouldBlock }
            return .failed(code)
        }
    }

    /// Sends FIN: the peer sees the end of our data while we can still read what it sends.
    package func shutdownWrite() {
        _ = shutdown(fd, Int32(SHUT_WR))
    }

    package func close() {
        _ = Glibc.close(fd)
    }

    package var localAddress: SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard rc == 0 else { return nil }
        return SocketAddress(storage: storage, length: length)
    }

    func setNonBlocking() throws {
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 else { throw SocketError("fcntl O_NONBLOCK") }
    }

    func setOption(_ level: Int32, _ name: Int32, _ value: Int32) throws {
        var value = value
        guard setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw SocketError("setsockopt \(name)")
        }
    }
}
