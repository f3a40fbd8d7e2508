import Synchronization

/// Keep-alive connections between requests, per scheme, host and port.
///
/// A connection waits here at most `idleTimeout`: servers close idle ones after a few seconds, and a request sent
/// on a connection the server is just closing may be lost on the way, or, worse, processed without an answer.
struct ConnectionPool: ~Copyable {
    private let idle = Mutex<[Endpoint: [ClientConnection]]>([:])
    let idleTimeout: Duration
    let maxIdlePerEndpoint: Int

    init(idleTimeout: Duration, maxIdlePerEndpoint: Int) {
        self.idleTimeout = idleTimeout
        self.maxIdlePerEndpoint = maxIdlePerEndpoint
    }

    /// The most recently used idle connection to `endpoint` that is still fit for a request, if any. Older and
    /// unfit ones are closed on the way.
    func take(for endpoint: Endpoint) -> ClientConnection? {
        let now = ContinuousClock.now
        while let candidate = idle.withLock({ $0[endpoint]?.popLast() }) {
            if candidate.idleSince.duration(to: now) < idleTimeout && !candidate.isStale { return candidate }
            candidate.close()
        }
        return nil
    }

    /// Keeps a connection whose answer was read whole, for the next request; closes it when the pool is full.
    func giveBack(_ connection: ClientConnection) {
        connection.idleSince = .now
        let kept = idle.withLock { connections in
            guard connections[connection.endpoint, default: []].count < maxIdlePerEndpoint else { return false }
            connections[connection.endpoint, default: []].append(connection)
            return true
        }
        if !kept { connection.close() }
    }

    func closeAll() {
        let all = idle.withLock { connections in
            defer { connections = [:] }
            return connections.values.flatMap { $0 }
        }
        for connection in all { connection.close() }
    }
}
