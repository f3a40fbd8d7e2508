import CEpoll
import Dispatch

/// One serial Dispatch queue and one edge-triggered epoll set for the sockets that live on it.
///
/// Why not a Dispatch source per socket: on Linux each one costs an `ioctl` and two `epoll_ctl` calls per event and a
/// wake-up of a worker thread, which is most of the cost of a small keep-alive request. Here a single Dispatch
/// source watches the epoll descriptor; when it fires, one `epoll_wait` collects every ready socket of the loop, and
/// each socket's descriptor is registered once, for its whole life.
///
/// `@unchecked Sendable`: `sockets` and `nextToken` are read and written only on `queue` — the Dispatch source's
/// handler runs there, and `register`/`unregister` are called only from socket methods, which run there too.
/// The epoll descriptor itself is thread-safe.
public final class EventLoop: @unchecked Sendable {
    public let queue: DispatchQueue
    private let epollFD: Int32
    private let source: DispatchSourceRead
    /// Tokens, not descriptors, name sockets in the epoll set: a descriptor number can be reused by a new socket
    /// while an event for the old one is still in the batch being handled.
    private var sockets: [UInt64: StreamSocket] = [:]
    private var nextToken: UInt64 = 0

    private static let batchSize = 256

    public init(label: String = "heroform.loop") throws {
        let fd = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard fd >= 0 else { throw SocketError("epoll_create1") }
        epollFD = fd
        queue = DispatchQueue(label: label)
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [weak self] in self?.handleReadySockets() }
        source.setCancelHandler { _ = Glibc.close(fd) }
        source.resume()
    }

    deinit {
        source.cancel()
    }

    /// The number of sockets registered; on `queue`.
    public var socketCount: Int { sockets.count }

    /// Adds a socket's descriptor for reads, writes and the peer's FIN, edge-triggered. On `queue`.
    func register(_ socket: StreamSocket) -> UInt64? {
        nextToken &+= 1
        let token = nextToken
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue
        event.data.u64 = token
        guard epoll_ctl(epollFD, EPOLL_CTL_ADD, socket.socket.fd, &event) == 0 else { return nil }
        sockets[token] = socket
        return token
    }

    /// Forgets a socket before its descriptor is closed (closing removes it from the epoll set). On `queue`.
    func unregister(_ token: UInt64) {
        sockets[token] = nil
    }

    private func handleReadySockets() {
        withUnsafeTemporaryAllocation(of: epoll_event.self, capacity: Self.batchSize) { events in
            guard let base = events.baseAddress else { return }
            while true {
                let count = epoll_wait(epollFD, base, Int32(Self.batchSize), 0)
                guard count > 0 else { return }
                for index in 0..<Int(count) {
                    let event = events[index]
                    sockets[event.data.u64]?.handle(events: event.events)
                }
                // A full batch may have left more behind.
                if count < Self.batchSize { return }
            }
        }
    }
}

/// The readiness bits a socket reacts to.
struct Readiness {
    let events: UInt32
    var readable: Bool { events & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 }
    var writable: Bool { events & (EPOLLOUT.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 }
    /// The peer's FIN (or a reset) is queued behind any data: a short read does not mean nothing is left.
    var peerClosed: Bool { events & (EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 }
}
