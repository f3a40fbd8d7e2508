/// Outgoing connections for clients that block their own thread (never a Dispatch or cooperative-pool thread):
/// connecting and waiting for readiness, both bounded by a deadline.
extension Socket {
    package enum Readiness: Sendable {
        case readable
        case writable
    }

    /// A connected, non-blocking TCP socket to `address` (Nagle off), or an error naming why not:
    /// errno `ETIMEDOUT` when the deadline passed first. The caller closes it.
    package static func connected(
        to address: SocketAddress,
        deadline: ContinuousClock.Instant
    ) throws(SocketError) -> Socket {
        let domain = address.family == .ipv6 ? AF_INET6 : AF_INET
        let fd = Glibc.socket(domain, socketStreamCloseOnExec | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket") }
        let socket = Socket(fd: fd)
        do {
            try socket.setOption(Int32(IPPROTO_TCP), TCP_NODELAY, 1)
            let rc = address.withSockaddr { Glibc.connect(fd, $0, $1) }
            if rc != 0 {
                // An interrupted connect goes on in the background, like one in progress.
                let code = errno
                guard code == EINPROGRESS || code == EINTR else { throw SocketError("connect \(address)", code: code) }
                guard socket.wait(for: .writable, until: deadline) else {
                    throw SocketError("connect \(address)", code: ETIMEDOUT)
                }
                var pending: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &pending, &length) == 0 else {
                    throw SocketError("getsockopt")
                }
                guard pending == 0 else { throw SocketError("connect \(address)", code: pending) }
            }
        } catch {
            socket.close()
            throw (error as? SocketError) ?? SocketError("connect \(address)")
        }
        return socket
    }

    /// Blocks until the socket is ready for `readiness` (true), or the deadline passes (false). An error or hang-up
    /// on the socket counts as ready: the next read or write reports it.
    package func wait(for readiness: Readiness, until deadline: ContinuousClock.Instant) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(readiness == .readable ? POLLIN : POLLOUT), revents: 0)
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { return false }
            // Rounded up, so a deadline 0.4 ms away still waits instead of spinning.
            let milliseconds =
                left.components.seconds * 1000 + (left.components.attoseconds + 999_999_999_999_999)
                / 1_000_000_000_000_000
            let rc = poll(&entry, 1, Int32(clamping: milliseconds))
            if rc > 0 { return true }
            if rc < 0 && errno != EINTR { return true }
        }
    }

    /// Whether bytes, an end of stream or an error wait to be read right now: an idle keep-alive connection the
    /// peer has closed (or written to unasked) must not carry another request.
    package var hasPendingInput: Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) != 0
    }
}
