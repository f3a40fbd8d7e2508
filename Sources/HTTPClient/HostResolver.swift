import Dispatch
package import Sockets
import Synchronization

/// Looks up a host's addresses within a call's deadline.
///
/// `getaddrinfo` has no timeout of its own: a resolver that does not answer holds the calling thread for as long as
/// resolv.conf's timeouts and attempts add up to (and longer with a broken NSS module), past any deadline of the
/// call. So a name is looked up on a helper thread of its own, and the call stops waiting for it at the deadline
/// (`.timedOut`); the helper finishes on its own later and its answer is dropped. (`getaddrinfo_a` would do the
/// same with glibc's own threads, but cannot be cancelled once it runs either.) A numeric address needs no
/// lookup and is taken at once. Helpers still running are bounded per resolver (`maxPendingLookups`; one
/// resolver, `system`, serves the whole process): when that many hang, a new
/// lookup fails at once instead of adding a thread.
package struct HostResolver: Sendable {
    /// The lookup itself, blocking: the system's resolver, or a stand-in in tests.
    let lookup: @Sendable (_ host: String, _ port: UInt16) throws -> [SocketAddress]

    /// Lookups of this resolver (and its copies) whose helper thread is still running.
    private let pending = Counter()
    let maxPendingLookups: Int

    package init(
        maxPendingLookups: Int = 16,
        lookup: @escaping @Sendable (_ host: String, _ port: UInt16) throws -> [SocketAddress]
    ) {
        self.lookup = lookup
        self.maxPendingLookups = max(1, maxPendingLookups)
    }

    /// One for the process: its bound on hanging lookups holds for every client.
    package static let system = HostResolver { try SocketAddress.resolve(host: $0, port: $1) }

    package var pendingLookups: Int { pending.value.load(ordering: .relaxed) }

    private final class Counter: Sendable {
        let value = Atomic(0)
    }

    /// The addresses of `host`, or `.cannotResolve`, or `.timedOut` when the deadline comes first.
    func addresses(of host: String, port: UInt16, deadline: ContinuousClock.Instant) throws(HTTPClientError)
        -> [SocketAddress]
    {
        if IPRange.parseAddress(host) != nil {
            return try Self.run({ try SocketAddress.resolve(host: $0, port: $1) }, host, port).get()
        }
        let pending = self.pending
        guard pending.value.add(1, ordering: .relaxed).newValue <= maxPendingLookups else {
            pending.value.subtract(1, ordering: .relaxed)
            throw .cannotResolve(host: host, reason: "\(maxPendingLookups) earlier lookups are still hanging")
        }
        let answer = Answer()
        let lookup = self.lookup
        do {
            try OSThread.start(name: "http-dns") {
                answer.set(Self.run(lookup, host, port))
                pending.value.subtract(1, ordering: .relaxed)
            }
        } catch {
            pending.value.subtract(1, ordering: .relaxed)
            throw .cannotResolve(host: host, reason: "no thread for the lookup")
        }
        let left = ContinuousClock.now.duration(to: deadline)
        let (seconds, attoseconds) = left.components
        let nanoseconds = max(0, Int(clamping: seconds) &* 1_000_000_000 &+ Int(attoseconds / 1_000_000_000))
        guard answer.ready.wait(timeout: .now() + .nanoseconds(nanoseconds)) == .success, let result = answer.result
        else { throw .timedOut }
        return try result.get()
    }

    private static func run(
        _ lookup: @Sendable (String, UInt16) throws -> [SocketAddress], _ host: String, _ port: UInt16
    ) -> Result<[SocketAddress], HTTPClientError> {
        do {
            let addresses = try lookup(host, port)
            return addresses.isEmpty ? .failure(.cannotResolve(host: host, reason: "no address")) : .success(addresses)
        } catch {
            return .failure(.cannotResolve(host: host, reason: (error as? ResolveError)?.reason ?? "\(error)"))
        }
    }

    /// Where the helper leaves its answer for a caller that may have stopped waiting.
    private final class Answer: Sendable {
        let ready = DispatchSemaphore(value: 0)
        private let stored = Mutex<Result<[SocketAddress], HTTPClientError>?>(nil)

        var result: Result<[SocketAddress], HTTPClientError>? { stored.withLock { $0 } }

        func set(_ result: Result<[SocketAddress], HTTPClientError>) {
            stored.withLock { $0 = result }
            ready.signal()
        }
    }
}
