import Dispatch

/// Listening sockets for one host and port (both IPv6 and IPv4 where the host has both), with a Dispatch
/// source accepting connections as they come. No thread waits on a socket.
///
/// `@unchecked Sendable`: the mutable state (`sources`, `paused`) is touched only on `queue`.
public final class Listener: @unchecked Sendable {
    public let addresses: [SocketAddress]
    private let sockets: [Socket]
    private let queue = DispatchQueue(label: "heroform.listener")
    private var sources: [DispatchSourceRead] = []
    private var stopped = false
    private var paused = false

    /// Binds every address `host` resolves to. With port 0 the kernel picks one free port for the first
    /// address and the others reuse it.
    public init(host: String, port: UInt16, backlog: Int32 = 1024) throws {
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
            } catch let error as SocketError where port == 0 && resolved.count > 1 && error.code == EADDRINUSE && attempts < 20 {
                continue
            }
        }
    }

    private static func bind(_ resolved: [SocketAddress], port: UInt16, backlog: Int32) throws -> ([Socket], [SocketAddress]) {
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

    public var port: UInt16 { addresses.first?.port ?? 0 }

    /// Starts accepting. `onAccept` runs on the listener's queue and must hand the socket off quickly.
    public func start(onAccept: @escaping @Sendable (Socket, SocketAddress) -> Void) {
        queue.sync {
            for socket in sockets {
                let source = DispatchSource.makeReadSource(fileDescriptor: socket.fd, queue: queue)
                source.setEventHandler { [weak self] in self?.acceptAll(on: socket, onAccept) }
                source.setCancelHandler { socket.close() }
                source.resume()
                sources.append(source)
            }
        }
    }

    /// Stops accepting and closes the listening sockets; established connections are not touched.
    public func stop() {
        queue.sync {
            guard !stopped else { return }
            stopped = true
            if paused { paused = false; sources.forEach { $0.resume() } }
            sources.forEach { $0.cancel() }
            sources = []
        }
    }

    private func acceptAll(on socket: Socket, _ onAccept: (Socket, SocketAddress) -> Void) {
        // Bounded, so one busy listener cannot monopolise the queue.
        for _ in 0..<64 {
            do {
                guard let (client, peer) = try socket.accept() else { return }
                onAccept(client, peer)
            } catch let error as SocketError where error.code == EMFILE || error.code == ENFILE {
                // Out of descriptors: the source would fire again at once and spin; pause briefly instead.
                pauseAccepting(for: .milliseconds(100))
                return
            } catch {
                return
            }
        }
    }

    private func pauseAccepting(for delay: DispatchTimeInterval) {
        guard !paused else { return }
        paused = true
        sources.forEach { $0.suspend() }
        queue.asyncAfter(deadline: .now() + delay) { [weak self] in
            guard let self, self.paused else { return }
            self.paused = false
            self.sources.forEach { $0.resume() }
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
