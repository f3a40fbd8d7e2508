import CEpoll
import Synchronization

/// Listening sockets for one host and port (both IPv6 and IPv4 where the host has both), with one thread accepting
/// connections as they come (it waits in `poll` on the sockets and a wake-up eventfd).
///
/// A thread of its own rather than Dispatch sources, for the reason given at `EventLoop`: no descriptor of ours is
/// left to libdispatch's bookkeeping by number.
package final class Listener: Sendable {
    package let addresses: [SocketAddress]
    private let sockets: [Socket]
    private let state = Mutex(State())
    private let thread = ThreadWatch()

    private struct State {
        /// The accepting thread's wake-up eventfd, once started.
        var wake: Int32?
        var stopped = false
    }

    /// Binds every address `host` resolves to. With port 0 the kernel picks one free port for the first
    /// address and the others reuse it.
    package init(host: String, port: UInt16, backlog: Int32 = 1024) throws {
        var resolved = try SocketAddress.resolve(host: host, port: port)
        // IPv6 first, so with port 0 the chosen port is then bound on IPv4 as well.
        resolved.sort { $0.family == .ipv6 && $1.family == .ipv4 }
        // With port 0, the port the kernel picked for the first address may be taken for another family;
        // then the whole set is bound again on a new pick.
        var attempts = 0
        while true {
            attempts += 1
            do {
                (sockets, addresses) = try Self.bind(resolved, port: port, backlog: backlog)
                return
            } catch let error as SocketError
                where port == 0 && resolved.count > 1 && error.code == EADDRINUSE && attempts < 20
            {
                continue
            }
        }
    }

    private static func bind(_ resolved: [SocketAddress], port: UInt16, backlog: Int32) throws -> (
        [Socket], [SocketAddress]
    ) {
        let hasIPv4 = resolved.contains { $0.family == .ipv4 }
        var sockets: [Socket] = []
        var bound: [SocketAddress] = []
        var chosenPort = port
        do {
            for address in resolved {
                let target = chosenPort == address.port ? address : address.withPort(chosenPort)
                let socket = try Socket.listening(on: target, backlog: backlog, v6Only: hasIPv4)
                sockets.append(socket)
                let local = socket.localAddress ?? target
                bound.append(local)
                chosenPort = local.port
            }
        } catch {
            sockets.forEach { $0.close() }
            throw error
        }
        return (sockets, bound)
    }

    package var port: UInt16 { addresses.first?.port ?? 0 }

    /// Starts accepting. `onAccept` runs on the listener's thread and must hand the socket off quickly.
    /// Throws when no thread could be started for it; the listener is then stopped and its sockets closed.
    package func start(onAccept: @escaping @Sendable (Socket, SocketAddress) -> Void) throws(SocketError) {
        let wake = eventfd(0, Int32(EFD_CLOEXEC) | Int32(EFD_NONBLOCK))
        let started = state.withLock { state -> Bool in
            guard !state.stopped, state.wake == nil, wake >= 0 else { return false }
            state.wake = wake
            return true
        }
        guard started else {
            if wake >= 0 { _ = Glibc.close(wake) }
            return
        }
        let sockets = self.sockets
        do {
            try OSThread.start(name: "hf-listener", watch: thread) { Self.accept(on: sockets, wake: wake, onAccept) }
        } catch {
            // No thread, no accepting: stopped at once, its sockets closed, so connecting clients are refused
            // instead of left waiting.
            state.withLock { $0.stopped = true }
            sockets.forEach { $0.close() }
            _ = Glibc.close(wake)
            throw error
        }
    }

    deinit { stop() }

    /// Stops accepting and closes the listening sockets; established connections are not touched. Returns at once:
    /// a started listener's thread closes the sockets as it ends, which `waitUntilStopped()` waits for.
    package func stop() {
        let wake: Int32? = state.withLock { state in
            guard !state.stopped else { return nil }
            state.stopped = true
            return state.wake ?? -1
        }
        guard let wake else { return }
        if wake >= 0 {
            // The accepting thread closes the sockets as it ends.
            var one: UInt64 = 1
            _ = withUnsafeBytes(of: &one) { Glibc.write(wake, $0.baseAddress, $0.count) }
        } else {
            sockets.forEach { $0.close() }
            thread.ended()
        }
    }

    /// After `stop()`: returns once the accepting thread has ended (no `onAccept` runs any more, and what it
    /// captured is released) and the sockets are closed.
    package func waitUntilStopped() async {
        await thread.waitForEnd()
    }

    /// What the listener holds of the kernel, for tests that check a stopped one gave it all back: the accepting
    /// thread's task id (nil until it first ran) and the listening sockets.
    package var threadID: Int32? { thread.threadID }
    package var socketDescriptors: [Int32] { sockets.map(\.fd) }

    /// The accepting thread: waits for connections or the wake-up, then closes everything.
    private static func accept(
        on sockets: [Socket], wake: Int32,
        _ onAccept: @Sendable (Socket, SocketAddress) -> Void
    ) {
        var watched = sockets.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        watched.append(pollfd(fd: wake, events: Int16(POLLIN), revents: 0))
        defer {
            sockets.forEach { $0.close() }
            _ = Glibc.close(wake)
        }
        while true {
            let ready = poll(&watched, nfds_t(watched.count), -1)
            if ready < 0 {
                // Only `stop()` ends the thread (and so the sockets): it must not close them while the listener
                // could still use their numbers. An unexpected failure pauses briefly instead of spinning.
                if errno != EINTR { usleep(10_000) }
                continue
            }
            if watched[sockets.count].revents != 0 { return }
            for (index, socket) in sockets.enumerated() where watched[index].revents != 0 {
                acceptPending(on: socket, onAccept)
            }
        }
    }

    private static func acceptPending(on socket: Socket, _ onAccept: (Socket, SocketAddress) -> Void) {
        // Bounded, so one busy socket cannot starve the other.
        for _ in 0..<64 {
            do {
                guard let (client, peer) = try socket.accept() else { return }
                onAccept(client, peer)
            } catch let error as SocketError where error.code == EMFILE || error.code == ENFILE {
                // Out of descriptors: poll would report the socket again at once and spin; pause briefly instead.
                usleep(100_000)
                return
            } catch {
                return
            }
        }
    }
}

extension SocketAddress {
    func withPort(_ port: UInt16) -> SocketAddress {
        var copy = bytes
        let big = port.bigEndian
        // sin_port and sin6_port share the same offset (2) in both layouts.
        withUnsafeBytes(of: big) { portBytes in
            copy[2] = portBytes[0]
            copy[3] = portBytes[1]
        }
        return SocketAddress(rawBytes: copy)
    }

    init(rawBytes: [UInt8]) { self.bytes = rawBytes }
}
