import Dispatch
package import Logging
package import Sockets
import Synchronization

/// An HTTP/1.1 server on non-blocking POSIX sockets. Connections are spread over a few event loops (one per core,
/// each a serial Dispatch queue with its own epoll set), so idle or slow clients cost memory, not threads.
package final class HTTPServer: Sendable {
    package let configuration: HTTPServerConfiguration
    /// Shared by every connection: what their spooled bodies take together.
    package let spoolBudget: SpoolBudget?
    private let responder: any HTTPResponder
    private let logger: Logger
    private let observer: (any HTTPObserver)?
    private let state = Mutex(State())
    /// `configuration.perClientLimitExempt`, or what replaced it while running (a reloaded list of proxies).
    private let exempt: Mutex<[IPRange]>

    fileprivate struct State {
        var listener: Listener?
        var loops: [EventLoop] = []
        var connections: [ObjectIdentifier: HTTPConnection] = [:]
        /// Open connections per client (see `clientKey`), for `maxConnectionsPerClient`; absent at zero.
        var perClient: [ClientKey: Int] = [:]
        var accepted = 0
        var stopping = false
    }

    package init(
        configuration: HTTPServerConfiguration, responder: any HTTPResponder, logger: Logger,
        observer: (any HTTPObserver)? = nil
    ) {
        self.configuration = configuration
        spoolBudget = configuration.bodySpoolLimit.map(SpoolBudget.init)
        exempt = Mutex(configuration.perClientLimitExempt)
        self.observer = observer
        self.responder = responder
        self.logger = logger
    }

    /// Binds and starts accepting. Returns the addresses listened on (with the real port when 0 was asked).
    /// Call once; a server that does not start leaves no thread or descriptor behind.
    @discardableResult
    package func start() throws -> [SocketAddress] {
        ProcessSetup.ignoreSIGPIPE()
        ProcessSetup.raiseFileDescriptorLimit()
        // Bound first: a port in use costs no loop.
        let listener = try Listener(host: configuration.host, port: configuration.port)
        let loops: [EventLoop]
        do {
            loops = try (0..<max(2, System.coreCount)).map { try EventLoop(label: "hf-loop-\($0)") }
        } catch {
            listener.stop()
            throw error
        }
        state.withLock { state in
            state.listener = listener
            state.loops = loops
        }
        do {
            // The accepting thread holds the server until `shutdown` ends it: a server that listens stays.
            try listener.start { [self] socket, peer in self.accept(socket, peer) }
        } catch {
            state.withLock { $0.loops = [] }
            loops.forEach { $0.stop() }
            throw error
        }
        return listener.addresses
    }

    /// The port bound (useful after asking for port 0).
    package var port: UInt16 {
        state.withLock { $0.listener?.port ?? 0 }
    }

    package var connectionCount: Int {
        state.withLock { $0.connections.count }
    }

    /// Peers exempt from `maxConnectionsPerClient` from now on (connections open stay counted as they were).
    package var perClientLimitExempt: [IPRange] {
        get { exempt.withLock { $0 } }
        set { exempt.withLock { $0 = newValue } }
    }

    /// Stops accepting, lets requests in flight finish for up to `gracePeriod`, then closes what is left.
    /// Returns once the server's threads have ended and its descriptors are closed (a request's task may still run:
    /// its answer goes nowhere). Returns true when every connection finished on its own.
    @discardableResult
    package func shutdown(gracePeriod: Duration = .seconds(10)) async -> Bool {
        let (listener, connections) = state.withLock { state in
            state.stopping = true
            return (state.listener, Array(state.connections.values))
        }
        // Connections accepted from now on are closed at once (`stopping`), so `connections` is all there is.
        listener?.stop()
        for connection in connections {
            connection.stream.queue.async { connection.beginShutdown() }
        }
        let deadline = ContinuousClock.now + gracePeriod
        while connectionCount > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        let (left, loops) = state.withLock { state in
            defer { state.loops = [] }
            return (Array(state.connections.values), state.loops)
        }
        for connection in left {
            connection.stream.queue.async { connection.close() }
        }
        await listener?.waitUntilStopped()
        // Stopped here, not left to the loops' last reference: a request's task that outlives the grace period holds
        // its connection, and so a loop, for as long as it runs. A loop closes what is still on it as it stops.
        loops.forEach { $0.stop() }
        for loop in loops { await loop.waitUntilStopped() }
        return left.isEmpty
    }

    /// The listener (kept, stopped, after shutdown: it knows the port) and the loops (none after shutdown): for
    /// tests that check a stopped server gave back every thread and descriptor.
    package var listener: Listener? { state.withLock { $0.listener } }
    package var eventLoops: [EventLoop] { state.withLock { $0.loops } }

    private func accept(_ socket: Socket, _ peer: SocketAddress) {
        let client = clientKey(peer)
        let loop = state.withLock { state -> EventLoop? in
            state.accepted &+= 1
            guard !state.stopping, state.connections.count < configuration.maxConnections, !state.loops.isEmpty else {
                return nil
            }
            if let client {
                // The newest connection goes, not an older one: those may be in the middle of a request.
                guard state.perClient[client, default: 0] < configuration.maxConnectionsPerClient else { return nil }
                state.perClient[client, default: 0] += 1
            }
            return state.loops[state.accepted % state.loops.count]
        }
        guard let loop else {
            socket.close()
            return
        }
        let queue = loop.queue
        let stream = StreamSocket(socket: socket, peer: peer, loop: loop)
        let connection = HTTPConnection(
            stream: stream, configuration: configuration, spoolBudget: spoolBudget, responder: responder,
            logger: logger, observer: observer)
        let id = ObjectIdentifier(connection)
        // Set before the connection is published: from then on only its queue touches it.
        connection.onClosed = { [weak self] in
            self?.state.withLock { state in
                // Only a registered connection counted for its client (see below).
                guard state.connections.removeValue(forKey: id) != nil, let client else { return }
                state.release(client)
            }
        }
        let stillRunning = state.withLock { state -> Bool in
            guard !state.stopping else {
                if let client { state.release(client) }
                return false
            }
            state.connections[id] = connection
            return true
        }
        // Registered first, started second: a connection that closes at once still finds its entry to remove.
        // A shutdown that began meanwhile never saw this one, so it is closed here instead (safe before start).
        queue.async { stillRunning ? connection.start() : connection.close() }
    }
}

/// A client for `maxConnectionsPerClient`: an IPv4 address, or the /64 of an IPv6 one.
struct ClientKey: Hashable {
    let high: UInt64
    let low: UInt64
}

extension HTTPServer {
    /// The peer's client key, or nil when the limit does not apply (off, or an exempt proxy).
    func clientKey(_ peer: SocketAddress) -> ClientKey? {
        guard configuration.maxConnectionsPerClient > 0, let bytes = IPRange.parseAddress(peer.host) else { return nil }
        if exempt.withLock({ $0.contains { $0.contains(bytes) } }) { return nil }
        if bytes.count == 4 {
            return ClientKey(high: 0, low: bytes.reduce(0) { $0 << 8 | UInt64($1) })
        }
        // The /64: the first 8 bytes. The low word marks it as IPv6, apart from every IPv4 key.
        return ClientKey(high: bytes.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }, low: UInt64.max)
    }
}

extension HTTPServer.State {
    mutating func release(_ client: ClientKey) {
        let left = (perClient[client] ?? 1) - 1
        perClient[client] = left > 0 ? left : nil
    }
}

enum System {
    static var coreCount: Int {
        Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }
}
