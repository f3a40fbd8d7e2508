import CEpoll
package import Dispatch
import Synchronization

/// One serial Dispatch queue and one edge-triggered epoll set for the sockets that live on it.
///
/// Why not a Dispatch source per socket: on Linux each one costs an `ioctl` and two `epoll_ctl` calls per event and a
/// wake-up of a worker thread, which is most of the cost of a small keep-alive request. Here each socket's
/// descriptor is registered once, for its whole life, and one `epoll_wait` collects every ready socket of the loop.
///
/// Why a thread of its own waits in `epoll_wait`, and not a Dispatch source on the epoll descriptor: libdispatch
/// keeps its registrations by descriptor number, so a descriptor some other code in the process closes before
/// cancelling its source leaves a stale entry that a new descriptor with the same number can meet. Under the test
/// suite's load (URLSession, child processes, thousands of sockets) loops behind Dispatch sources stalled for
/// seconds now and then, and strace showed libdispatch re-arming descriptors that were already closed; with a
/// thread of its own, no descriptor of ours is known to libdispatch, and the stalls were gone. The waiting thread
/// hands each batch to `queue` and waits for it to be handled, so the sockets' state is still touched on `queue` only.
///
/// The loop ends with `stop()` (its sockets are closed, its thread ends, its descriptors are closed), or when the
/// last reference to it goes. A server stops its loops: a request's task can hold its connection, and so its loop,
/// for as long as it runs, and the thread and descriptors must not wait for that.
///
/// `@unchecked Sendable`: `sockets`, `nextToken` and `stopped` are read and written only on `queue` — batches are
/// handled there, `stop()` closes there, and `register`/`unregister` are called only from socket methods, which run
/// there too. The epoll and eventfd descriptors are thread-safe and belong to `Descriptors`; the thread closes them
/// as it ends.
package final class EventLoop: @unchecked Sendable {
    package let queue: DispatchQueue
    private let descriptors: Descriptors
    private let thread = ThreadWatch()
    /// Tokens, not descriptors, name sockets in the epoll set: a descriptor number can be reused by a new socket
    /// while an event for the old one is still in the batch being handled.
    private var sockets: [UInt64: StreamSocket] = [:]
    private var nextToken: UInt64 = 0
    private var stopped = false

    private static let batchSize = 256
    /// Numbers the loops' wake tokens: see `Descriptors.wakeToken`.
    private static let loopsMade = Atomic<UInt64>(0)

    /// How the waiting thread refers to its loop.
    private final class WeakLoop: @unchecked Sendable {
        // `@unchecked`: the reference is set once, in init, and only read afterwards (weak loads are atomic).
        weak var loop: EventLoop?
        init(_ loop: EventLoop) { self.loop = loop }
    }

    /// The loop's kernel objects, shared by the loop and its thread. The thread closes them as it ends; `signal`
    /// checks under the lock that they are still open, so it never writes to a number handed to someone else.
    private final class Descriptors: Sendable {
        let epoll: Int32
        let wake: Int32
        /// The token of the eventfd in the epoll set: the top bit set, which no socket's token reaches, and unique
        /// in the process, so /proc/self/fdinfo tells this epoll set from a later one given the same number.
        let wakeToken: UInt64
        /// Set by `stop`: the thread ends when it next wakes.
        let ending = Atomic<Bool>(false)
        private let closed = Mutex(false)

        init(wakeToken: UInt64) throws {
            self.wakeToken = wakeToken
            epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
            guard epoll >= 0 else { throw SocketError("epoll_create1") }
            wake = eventfd(0, Int32(EFD_CLOEXEC) | Int32(EFD_NONBLOCK))
            guard wake >= 0 else {
                let error = SocketError("eventfd")
                _ = Glibc.close(epoll)
                throw error
            }
            var event = epoll_event()
            event.events = EPOLLIN.rawValue
            event.data.u64 = wakeToken
            // Thrown with every property set, so `deinit` runs and closes both.
            guard epoll_ctl(epoll, EPOLL_CTL_ADD, wake, &event) == 0 else { throw SocketError("epoll_ctl eventfd") }
        }

        func signal() {
            closed.withLock { closed in
                guard !closed else { return }
                var one: UInt64 = 1
                _ = withUnsafeBytes(of: &one) { Glibc.write(wake, $0.baseAddress, $0.count) }
            }
        }

        func close() {
            closed.withLock { closed in
                guard !closed else { return }
                closed = true
                _ = Glibc.close(wake)
                _ = Glibc.close(epoll)
            }
        }

        deinit { close() }
    }

    package init(label: String = "hf-loop") throws {
        let serial = Self.loopsMade.wrappingAdd(1, ordering: .relaxed).newValue
        descriptors = try Descriptors(wakeToken: 1 << 63 | serial)
        queue = DispatchQueue(label: label)
        let descriptors = self.descriptors
        let owner = WeakLoop(self)
        // The thread keeps only a weak reference: a loop no one stops goes away with its last socket (and owner).
        try OSThread.start(name: label, watch: thread) { Self.wait(on: descriptors, for: owner) }
    }

    deinit {
        descriptors.signal()
    }

    /// Ends the loop: the sockets still on it are closed (their owners hear `onClose`), a socket started on it
    /// later closes at once, and the thread ends, closing the epoll set and the eventfd. Returns at once;
    /// `waitUntilStopped()` waits for the end. From any thread, any number of times.
    package func stop() {
        queue.async { [self] in
            guard !stopped else { return }
            stopped = true
            for socket in Array(sockets.values) { socket.close() }
            // Set here, on the queue, after the last `register` could run: the thread closes the descriptors when
            // it sees the flag, and no `epoll_ctl` may use their numbers after that.
            descriptors.ending.store(true, ordering: .releasing)
            descriptors.signal()
        }
    }

    /// Returns once the thread has ended and the descriptors are closed (after `stop()`, or the loop's end).
    package func waitUntilStopped() async {
        await thread.waitForEnd()
    }

    /// What the loop holds of the kernel, for tests that check a stopped loop gave it all back: the thread's task
    /// id (nil until it first ran), the epoll descriptor, and the eventfd's token in the epoll set.
    package var threadID: Int32? { thread.threadID }
    package var epollDescriptor: Int32 { descriptors.epoll }
    package var wakeToken: UInt64 { descriptors.wakeToken }

    /// The waiting thread: collects ready sockets and has `queue` handle them, until the loop is stopped or gone.
    /// It closes the descriptors as it ends: by then no one else can use them.
    private static func wait(on descriptors: Descriptors, for owner: WeakLoop) {
        defer { descriptors.close() }
        let events = UnsafeMutableBufferPointer<epoll_event>.allocate(capacity: batchSize)
        defer { events.deallocate() }
        guard let base = events.baseAddress else { return }
        let wakeToken = descriptors.wakeToken
        while !descriptors.ending.load(ordering: .acquiring) {
            let count = epoll_wait(descriptors.epoll, base, Int32(batchSize), -1)
            if count < 0 {
                // EINTR, or a failure that should not happen with valid arguments: wait on (briefly pausing,
                // so it cannot spin); only the loop's end ends the thread.
                if errno != EINTR { usleep(10_000) }
                if owner.loop == nil { return }
                continue
            }
            if descriptors.ending.load(ordering: .acquiring) { return }
            var ready: [(token: UInt64, events: UInt32)] = []
            ready.reserveCapacity(Int(count))
            for index in 0..<Int(count) where events[index].data.u64 != wakeToken {
                ready.append((events[index].data.u64, events[index].events))
            }
            guard let current = owner.loop else { return }
            if !ready.isEmpty {
                current.queue.sync { current.handle(ready) }
            }
        }
    }

    /// The number of sockets registered; on `queue`.
    package var socketCount: Int { sockets.count }

    /// Adds a socket's descriptor for reads, writes and the peer's FIN, edge-triggered; nil once the loop is stopped.
    /// On `queue`.
    func register(_ socket: StreamSocket) -> UInt64? {
        guard !stopped else { return nil }
        nextToken &+= 1
        let token = nextToken
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue
        event.data.u64 = token
        guard epoll_ctl(descriptors.epoll, EPOLL_CTL_ADD, socket.socket.fd, &event) == 0 else { return nil }
        sockets[token] = socket
        return token
    }

    /// Forgets a socket before its descriptor is closed (closing removes it from the epoll set). On `queue`.
    func unregister(_ token: UInt64) {
        sockets[token] = nil
    }

    private func handle(_ ready: [(token: UInt64, events: UInt32)]) {
        for (token, events) in ready {
            sockets[token]?.handle(events: events)
        }
    }
}

/// The readiness bits a socket reacts to.
struct Readiness {
    let events: UInt32
    var readable: Bool {
        events & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0
    }
    var writable: Bool { events & (EPOLLOUT.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 }
    /// The peer's FIN (or a reset) is queued behind any data: a short read does not mean nothing is left.
    var peerClosed: Bool { events & (EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 }
}
