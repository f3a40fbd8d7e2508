import Dispatch
import Foundation
import Synchronization
import Testing
@testable import Sockets

// Tests over real loopback sockets for the edge-triggered bookkeeping of `EventLoop` and `StreamSocket`: an
// edge-triggered epoll set reports a change once, so every one of these would hang (and time out) or lose bytes
// if a socket forgot that input, or the peer's FIN, was still waiting.

// MARK: - Helpers

/// Polls `condition` every few milliseconds until it holds or `timeout` passes; returns whether it held.
/// The bound is generous: the suite runs in parallel on few cores.
private func waitUntil(timeout: Duration = .seconds(30), _ condition: () -> Bool) async throws -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while !condition() {
        if clock.now >= deadline { return false }
        try await Task.sleep(for: .milliseconds(5))
    }
    return true
}

/// Bytes that differ from position to position with a period that is no power of two, so a chunk delivered
/// twice, dropped or out of order shows up as a mismatch.
private func pattern(_ count: Int, seed: Int) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    bytes.withUnsafeMutableBufferPointer { buffer in
        for index in 0..<count {
            buffer[index] = UInt8(truncatingIfNeeded: index &* 131 &+ (index >> 9) &+ seed &* 97)
        }
    }
    return bytes
}

/// The first position where the two differ (or the shorter length), nil when equal.
private func firstMismatch(_ a: [UInt8], _ b: [UInt8]) -> Int? {
    if a.count == b.count {
        if a.isEmpty { return nil }
        let same = a.withUnsafeBytes { x in b.withUnsafeBytes { y in memcmp(x.baseAddress!, y.baseAddress!, a.count) == 0 } }
        if same { return nil }
    }
    let common = min(a.count, b.count)
    for index in 0..<common where a[index] != b[index] { return index }
    return common
}

/// Bounds blocking calls on a test's client socket, so a missing byte fails the test instead of hanging it.
private func setTimeouts(_ socket: Socket, seconds: Int = 30) {
    var timeout = timeval(tv_sec: seconds, tv_usec: 0)
    let size = socklen_t(MemoryLayout<timeval>.size)
    setsockopt(socket.fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, size)
    setsockopt(socket.fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, size)
}

/// Sends all of `bytes` from a blocking client socket, on a thread of its own (it may block until the server reads;
/// on a Dispatch global queue it would hold one of the few threads Swift's tasks also run on).
private func sendAll(_ socket: Socket, _ bytes: [UInt8]) async -> Int {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread {
            var sent = 0
            bytes.withUnsafeBytes { raw in
                while sent < raw.count {
                    let n = send(socket.fd, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
                    if n > 0 { sent += n } else if n < 0 && errno == EINTR { continue } else { break }
                }
            }
            continuation.resume(returning: sent)
        }
    }
}

/// Small sends that never block (they fit the socket buffers many times over).
private func sendSmall(_ socket: Socket, _ bytes: [UInt8]) -> Int {
    bytes.withUnsafeBytes { send(socket.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
}

/// Reads until end of stream (or error/timeout) in small pieces with pauses: a reader slower than the writer.
private func receiveSlowlyToEnd(_ socket: Socket, piece: Int = 8192, pauseMicroseconds: UInt32 = 100) async -> (bytes: [UInt8], sawEnd: Bool) {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread {
            var result: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: piece)
            var sawEnd = false
            while true {
                let n = chunk.withUnsafeMutableBytes { recv(socket.fd, $0.baseAddress, $0.count, 0) }
                if n == 0 { sawEnd = true; break }
                if n < 0 { if errno == EINTR { continue }; break }
                result += chunk[..<n]
                usleep(pauseMicroseconds)
            }
            continuation.resume(returning: (result, sawEnd))
        }
    }
}

/// One blocking `recv` on a thread of its own: its return value (0 for end of stream).
private func receiveOnce(_ socket: Socket) async -> Int {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread {
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { recv(socket.fd, $0.baseAddress, $0.count, 0) }
            continuation.resume(returning: n)
        }
    }
}

/// How many bytes wait unread in a socket's receive buffer, without taking them (up to 1 MiB).
private func bytesWaiting(_ socket: Socket) -> Int {
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    let n = buffer.withUnsafeMutableBytes { recv(socket.fd, $0.baseAddress, $0.count, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT)) }
    return max(n, 0)
}

/// Whether the peer's FIN has reached `socket` (POLLRDHUP; same bit as EPOLLRDHUP, not exported by Glibc).
private func finArrived(_ socket: Socket) -> Bool {
    let pollRDHUP: Int16 = 0x2000
    var entry = pollfd(fd: socket.fd, events: Int16(POLLIN) | pollRDHUP, revents: 0)
    guard poll(&entry, 1, 0) == 1 else { return false }
    return entry.revents & pollRDHUP != 0
}

/// A listener whose accepted sockets can be wrapped on any loop, matched to their client by the client's port.
private final class Acceptor: Sendable {
    let listener: Listener
    private let accepted = Mutex<[UInt16: (Socket, SocketAddress)]>([:])

    init() throws {
        listener = try Listener(host: "127.0.0.1", port: 0)
        try listener.start { [weak self] socket, peer in
            guard let self else { socket.close(); return }
            self.accepted.withLock { $0[peer.port] = (socket, peer) }
        }
    }

    /// A new connection: the blocking client and the server side as a (not yet started) StreamSocket on `loop`.
    func makeConnection(on loop: EventLoop) async throws -> (client: Socket, server: StreamSocket) {
        let client = try connect(port: listener.port)
        setTimeouts(client)
        guard let port = client.localAddress?.port else {
            client.close()
            throw SocketError("getsockname", code: 0)
        }
        var found: (Socket, SocketAddress)?
        _ = try await waitUntil(timeout: .seconds(10)) {
            found = accepted.withLock { $0.removeValue(forKey: port) }
            return found != nil
        }
        guard let (socket, peer) = found else {
            client.close()
            throw SocketError("accept", code: 0)
        }
        return (client, StreamSocket(socket: socket, peer: peer, loop: loop))
    }

    func stop() {
        listener.stop()
        accepted.withLock { pending in
            pending.values.forEach { $0.0.close() }
            pending = [:]
        }
    }
}

/// What one server socket saw, written on its loop's queue and read by the test.
private final class Record: Sendable {
    /// A record whose callbacks `server` is started with: the plain set-up most tests share.
    static func started(on server: StreamSocket) -> Record {
        let record = Record()
        server.queue.sync { server.start(record.callbacks()) }
        return record
    }

    let bytes = Mutex<[UInt8]>([])
    let reads = Mutex(0)
    let ends = Mutex(0)
    let closes = Mutex(0)
    let drains = Mutex(0)

    var received: [UInt8] { bytes.withLock { $0 } }
    var receivedCount: Int { bytes.withLock { $0.count } }
    var endCount: Int { ends.withLock { $0 } }
    var closeCount: Int { closes.withLock { $0 } }
    var drainCount: Int { drains.withLock { $0 } }

    /// The callbacks that count, for `start`. `endOfInput: false` leaves `onEndOfInput` nil, so the socket closes
    /// at the end of input.
    func callbacks(endOfInput: Bool = true) -> StreamSocket.Callbacks {
        StreamSocket.Callbacks(
            onRead: { [self] chunk in
                bytes.withLock { $0 += chunk }
                reads.withLock { $0 += 1 }
            },
            onEndOfInput: endOfInput ? { [self] in ends.withLock { $0 += 1 } } : nil,
            onClose: { [self] in closes.withLock { $0 += 1 } },
            onDrained: { [self] in drains.withLock { $0 += 1 } })
    }
}

// MARK: - Tests

@Suite struct EventLoopTests {
    // 1. The classic edge-triggered bug: the edge for input that arrives while paused is spent then, so resuming
    //    must read without waiting for another one.
    @Test func inputArrivingWhilePausedIsDeliveredOnResumeWithoutNewInput() async throws {
        let pair = try await Pair.make()
        defer { pair.listener.stop(); pair.client.close() }
        let server = pair.server
        let record = Record.started(on: server)
        // Reading works and leaves the socket drained (a short read cleared `mayHaveInput`).
        var expected = Array("first".utf8)
        #expect(sendSmall(pair.client, expected) == expected.count)
        #expect(try await waitUntil { record.received == expected })

        for round in 1...3 {
            server.queue.sync { server.pauseReading() }
            let message = Array("arrived while paused, round \(round)".utf8)
            #expect(sendSmall(pair.client, message) == message.count)
            // The bytes are in the server's kernel buffer, and the loop has long since handled their edge.
            #expect(try await waitUntil { bytesWaiting(server.socket) == message.count })
            try await Task.sleep(for: .milliseconds(50))
            server.queue.sync {}
            #expect(record.received == expected, "nothing is delivered while paused")
            // No new bytes after this: only the remembered edge can deliver them.
            server.queue.sync { server.resumeReading() }
            expected += message
            #expect(try await waitUntil { record.received == expected }, "round \(round): input that arrived while paused was not read after resumeReading()")
        }
        #expect(record.endCount == 0)
        server.queue.sync { server.close() }
    }

    // 1b. Pausing from inside onRead after a full chunk leaves the rest in the kernel: each resume must go on
    //     reading it although no new bytes (and so no new edge) come.
    @Test func pausingAfterEveryChunkLosesNothingOfALargeInput() async throws {
        let pair = try await Pair.make()
        defer { pair.listener.stop(); pair.client.close() }
        setTimeouts(pair.client)
        let server = pair.server
        let record = Record()
        let payload = pattern(256 * 1024, seed: 1)
        var callbacks = record.callbacks()
        callbacks.onRead = { [record] chunk in
            record.bytes.withLock { $0 += chunk }
            record.reads.withLock { $0 += 1 }
            server.pauseReading()
        }
        server.queue.sync { server.start(callbacks) }
        async let sent = sendAll(pair.client, payload)
        // Resume only while bytes are still missing, a little at a time, until the sender is done.
        var done = false
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(30)
        while !done && clock.now < deadline {
            try await Task.sleep(for: .milliseconds(2))
            server.queue.sync { server.resumeReading() }
            done = record.receivedCount >= payload.count
        }
        #expect(await sent == payload.count)
        #expect(record.receivedCount == payload.count)
        #expect(firstMismatch(record.received, payload) == nil)
        // Every read was paused right after it, so no call held more than one chunk.
        #expect(record.reads.withLock { $0 } >= payload.count / StreamSocket.readChunkSize)
        server.queue.sync { server.close() }
    }

    // 2. Bytes then FIN, both queued before the socket joins the loop: the registration reports one edge with
    //    EPOLLIN|EPOLLRDHUP; a short read must not make the socket forget the FIN behind it. Sizes around the
    //    read chunk; with `pauseInRead` the FIN also has to survive a pause and resume after the last bytes.
    @Test(arguments: [5, StreamSocket.readChunkSize, StreamSocket.readChunkSize + 1, 40_000], [false, true])
    func bytesThenFINBeforeStartDeliverBothBytesAndEndOfInput(size: Int, pauseInRead: Bool) async throws {
        let pair = try await Pair.make()
        defer { pair.listener.stop(); pair.client.close() }
        setTimeouts(pair.client)
        let server = pair.server
        let record = Record()
        let payload = pattern(size, seed: size)
        #expect(await sendAll(pair.client, payload) == size)
        pair.client.shutdownWrite()
        #expect(try await waitUntil { finArrived(server.socket) })
        var callbacks = record.callbacks()
        if pauseInRead {
            callbacks.onRead = { [record] chunk in
                record.bytes.withLock { $0 += chunk }
                server.pauseReading()
            }
        }
        server.queue.sync { server.start(callbacks) }
        // Nothing new arrives from here on. With pauses, each resume must go on where the last read stopped.
        let ended = try await waitUntil {
            if pauseInRead { server.queue.sync { server.resumeReading() } }
            return record.endCount > 0
        }
        #expect(ended, "the FIN queued behind the bytes was never reported")
        #expect(record.receivedCount == size)
        #expect(firstMismatch(record.received, payload) == nil)
        #expect(server.queue.sync { server.isClosed } == false, "onEndOfInput is set: the socket stays open")
        server.queue.sync { server.close() }
    }

    // 2b. The same with a running socket: bytes and FIN sent back to back often arrive as one edge.
    @Test func bytesAndFINSentBackToBackToARunningSocketDeliverBoth() async throws {
        for round in 0..<10 {
            let pair = try await Pair.make()
            defer { pair.listener.stop(); pair.client.close() }
            let server = pair.server
            let record = Record.started(on: server)
            let message = Array("request \(round)".utf8)
            #expect(sendSmall(pair.client, message) == message.count)
            pair.client.shutdownWrite()
            #expect(try await waitUntil { record.endCount > 0 }, "round \(round): end of input lost")
            #expect(record.received == message)
            server.queue.sync { server.close() }
        }
    }

    // 3. End of input pauses reading; each resume reports it again (the HTTP layer answers first, then resumes
    //    to learn that the client is gone). The bytes before it are delivered once.
    @Test func endOfInputIsReportedAgainAfterEachResume() async throws {
        let pair = try await Pair.make()
        defer { pair.listener.stop(); pair.client.close() }
        let server = pair.server
        let record = Record.started(on: server)
        let message = Array("last words".utf8)
        #expect(sendSmall(pair.client, message) == message.count)
        pair.client.shutdownWrite()
        #expect(try await waitUntil { record.endCount == 1 })
        #expect(record.received == message)
        // Paused after the end: not reported over and over.
        try await Task.sleep(for: .milliseconds(50))
        server.queue.sync {}
        #expect(record.endCount == 1)
        for expected in 2...4 {
            server.queue.sync { server.resumeReading() }
            #expect(try await waitUntil { record.endCount == expected }, "end of input not reported again after resume \(expected - 1)")
        }
        try await Task.sleep(for: .milliseconds(50))
        server.queue.sync {}
        #expect(record.endCount == 4)
        #expect(record.received == message, "bytes before the end are delivered once")
        // The socket can still answer.
        server.queue.sync { server.write(Array("bye".utf8)); server.close() }
        #expect(receive(pair.client, count: 3) == Array("bye".utf8))
        #expect(record.closeCount == 1)
    }

    // 4. Much more than one read chunk, all at once: every edge must be read until the kernel's buffer is empty.
    @Test func moreThanOneReadChunkArrivesCompleteAndInOrder() async throws {
        let pair = try await Pair.make()
        defer { pair.listener.stop(); pair.client.close() }
        setTimeouts(pair.client)
        let server = pair.server
        let record = Record()
        let largest = Mutex(0)
        var callbacks = record.callbacks()
        callbacks.onRead = { [record] chunk in
            record.bytes.withLock { $0 += chunk }
            record.reads.withLock { $0 += 1 }
            largest.withLock { $0 = max($0, chunk.count) }
        }
        server.queue.sync { server.start(callbacks) }
        let payload = pattern(1024 * 1024, seed: 4)
        #expect(await sendAll(pair.client, payload) == payload.count)
        pair.client.shutdownWrite()
        #expect(try await waitUntil { record.endCount == 1 })
        #expect(record.receivedCount == payload.count)
        #expect(firstMismatch(record.received, payload) == nil)
        #expect(largest.withLock { $0 } <= StreamSocket.readChunkSize)
        #expect(record.reads.withLock { $0 } >= payload.count / StreamSocket.readChunkSize)
        server.queue.sync { server.close() }
    }

    // 5. Many sockets on one loop: tokens route each event to its own socket, also after descriptors of closed
    //    sockets are reused by new ones; a closed socket gets no callback.
    @Test func manySocketsOnOneLoopGetTheirOwnBytesAcrossDescriptorReuse() async throws {
        let loop = try EventLoop(label: "test.many")
        let acceptor = try Acceptor()
        defer { acceptor.stop() }

        struct Connection {
            let id: Int
            let client: Socket
            let server: StreamSocket
            let record: Record
        }
        func open(_ ids: Range<Int>) async throws -> [Connection] {
            var connections: [Connection] = []
            for id in ids {
                let (client, server) = try await acceptor.makeConnection(on: loop)
                connections.append(Connection(id: id, client: client, server: server, record: Record()))
            }
            loop.queue.sync {
                for connection in connections {
                    connection.server.start(connection.record.callbacks())
                }
            }
            return connections
        }
        // Distinct contents and lengths per socket and round.
        func message(_ id: Int, round: Int) -> [UInt8] {
            let unit = Array("<\(id).\(round)>".utf8)
            return Array((0..<(40 + id % 37)).flatMap { _ in unit })
        }

        let first = try await open(0..<200)
        #expect(loop.queue.sync { loop.socketCount } == 200)
        for connection in first { #expect(sendSmall(connection.client, message(connection.id, round: 0)) > 0) }
        #expect(try await waitUntil { first.allSatisfy { $0.record.received == message($0.id, round: 0) } })
        for connection in first { #expect(connection.record.received == message(connection.id, round: 0), "socket \(connection.id)") }

        // Close the even half while their clients' next bytes are in flight, so events for them may be in the
        // batch the loop handles next.
        let closing = first.filter { $0.id % 2 == 0 }
        let staying = first.filter { $0.id % 2 == 1 }
        for connection in closing { _ = sendSmall(connection.client, message(connection.id, round: 1)) }
        let closedDescriptors = Set(closing.map(\.server.socket.fd))
        let snapshots: [[UInt8]] = loop.queue.sync {
            closing.map { connection in
                connection.server.close()
                return connection.record.received
            }
        }
        for connection in closing { connection.client.close() }
        #expect(loop.queue.sync { loop.socketCount } == 100)

        // New sockets take the freed descriptor numbers (the kernel hands out the lowest free one).
        let second = try await open(200..<300)
        #expect(loop.queue.sync { loop.socketCount } == 200)
        let reused = closedDescriptors.intersection(second.map(\.server.socket.fd))
        #expect(!reused.isEmpty, "expected some new socket to reuse a closed one's descriptor number")
        for connection in second { #expect(sendSmall(connection.client, message(connection.id, round: 0)) > 0) }
        for connection in staying { #expect(sendSmall(connection.client, message(connection.id, round: 1)) > 0) }

        #expect(try await waitUntil {
            second.allSatisfy { $0.record.received == message($0.id, round: 0) }
                && staying.allSatisfy { $0.record.received == message($0.id, round: 0) + message($0.id, round: 1) }
        })
        for connection in second {
            #expect(connection.record.received == message(connection.id, round: 0), "new socket \(connection.id) on fd \(connection.server.socket.fd)")
        }
        for connection in staying {
            #expect(connection.record.received == message(connection.id, round: 0) + message(connection.id, round: 1), "old socket \(connection.id)")
        }
        // Closed sockets: no bytes after their close, one onClose each; nobody else saw an end or a close.
        loop.queue.sync {}
        for (connection, snapshot) in zip(closing, snapshots) {
            #expect(connection.record.received == snapshot, "closed socket \(connection.id) got bytes after close")
            #expect(connection.record.closeCount == 1)
            #expect(connection.record.endCount == 0)
        }
        for connection in staying + second {
            #expect(connection.record.closeCount == 0)
            #expect(connection.record.endCount == 0)
        }

        loop.queue.sync { (staying + second).forEach { $0.server.close() } }
        (staying + second).forEach { $0.client.close() }
        #expect(loop.queue.sync { loop.socketCount } == 0)
    }

    // 6. A head and body far larger than the kernel takes at once, with distinct contents: what sendmsg did not
    //    take is kept (only that), flushed on EPOLLOUT edges in order, then onDrained fires once and the FIN follows.
    struct LargeWrite: Sendable, CustomTestStringConvertible {
        let head: Int
        let body: Int
        /// Bytes written just before, still waiting in the socket's output buffer when head and body are queued.
        let before: Int
        var testDescription: String { "head \(head), body \(body), before \(before)" }
    }

    @Test(arguments: [
        LargeWrite(head: 100 * 1024, body: 8 * 1024 * 1024, before: 0),
        LargeWrite(head: 8 * 1024 * 1024, body: 100 * 1024, before: 0),
        LargeWrite(head: 0, body: 4 * 1024 * 1024, before: 0),
        LargeWrite(head: 4 * 1024 * 1024, body: 0, before: 0),
        LargeWrite(head: 100 * 1024, body: 4 * 1024 * 1024, before: 4 * 1024 * 1024),
    ])
    func headAndBodyLargerThanTheKernelBufferArriveInOrderAtASlowReader(_ size: LargeWrite) async throws {
        let pair = try await Pair.make()
        defer { pair.listener.stop(); pair.client.close() }
        setTimeouts(pair.client)
        let server = pair.server
        let record = Record()
        let before = pattern(size.before, seed: 11)
        let head = pattern(size.head, seed: 22).map { $0 | 0x80 } // high bit set
        let body = pattern(size.body, seed: 33).map { $0 & 0x7F } // high bit clear
        let (pendingAfterWrite, drainsAfterWrite) = server.queue.sync {
            server.start(record.callbacks())
            if !before.isEmpty { server.write(before) }
            server.write(head, body)
            server.shutdownWriteAfterDrain()
            return (server.pendingOutputBytes, record.drainCount)
        }
        // The client has read nothing yet: most of it waits in the output buffer, not in a blocked thread.
        #expect(pendingAfterWrite > 0)
        #expect(drainsAfterWrite == 0)
        #expect(pendingAfterWrite <= size.before + size.head + size.body)

        let (got, sawEnd) = await receiveSlowlyToEnd(pair.client)
        let expected = before + head + body
        #expect(got.count == expected.count)
        #expect(firstMismatch(got, expected) == nil, "first wrong byte at \(firstMismatch(got, expected) ?? -1) (head ends at \(size.before + size.head))")
        #expect(sawEnd, "FIN after the drained output")
        #expect(try await waitUntil { record.drainCount >= 1 })
        server.queue.sync {}
        #expect(record.drainCount == 1)
        #expect(server.queue.sync { server.pendingOutputBytes } == 0)
        server.queue.sync { server.close() }
    }

    // 7. Registration bookkeeping.
    @Test func socketCountGoesBackToZeroAfterAllSocketsClose() async throws {
        weak var weakLoop: EventLoop?
        do {
            let loop = try EventLoop(label: "test.count")
            weakLoop = loop
            let acceptor = try Acceptor()
            defer { acceptor.stop() }
            var connections: [(client: Socket, server: StreamSocket, record: Record)] = []
            for _ in 0..<10 {
                let (client, server) = try await acceptor.makeConnection(on: loop)
                connections.append((client, server, Record()))
            }
            #expect(loop.queue.sync { loop.socketCount } == 0, "nothing registers before start")
            loop.queue.sync {
                for (index, connection) in connections.enumerated() {
                    // The second half has no onEndOfInput: those close themselves when their client's FIN comes.
                    connection.server.start(connection.record.callbacks(endOfInput: index < 5))
                    // A second start neither registers twice nor replaces the callbacks.
                    connection.server.start(Record().callbacks())
                }
            }
            #expect(loop.queue.sync { loop.socketCount } == 10)
            loop.queue.sync { connections[0..<5].forEach { $0.server.close() } }
            #expect(loop.queue.sync { loop.socketCount } == 5)
            connections[5...].forEach { $0.client.shutdownWrite() }
            #expect(try await waitUntil { loop.queue.sync { loop.socketCount } == 0 })
            for connection in connections { #expect(connection.record.closeCount == 1) }
            for connection in connections { #expect(receive(connection.client, count: 1).isEmpty, "FIN from the closed server") }
            connections.forEach { $0.client.close() }
            connections = []
        }
        // Nothing holds the loop once its sockets are gone (its epoll descriptor is closed with it).
        #expect(try await waitUntil(timeout: .seconds(10)) { weakLoop == nil }, "the loop outlived all its sockets")
    }

    // 8. Stopping: what a server does at shutdown, whoever still holds the loop.
    @Test(.timeLimit(.minutes(2)))
    func stopClosesTheSocketsOnTheLoopEndsItsThreadAndRefusesNewOnes() async throws {
        let loop = try EventLoop(label: "test.stop")
        let acceptor = try Acceptor()
        defer { acceptor.stop() }
        let (client, server) = try await acceptor.makeConnection(on: loop)
        defer { client.close() }
        let (lateClient, late) = try await acceptor.makeConnection(on: loop)
        defer { lateClient.close() }
        let record = Record.started(on: server)
        #expect(loop.queue.sync { loop.socketCount } == 1)
        loop.stop()
        loop.stop()
        await loop.waitUntilStopped()
        // `loop` and `server` are still referenced here: stopping, not the last reference, ended the thread.
        #expect(record.closeCount == 1, "the socket still on the loop was closed, and its owner told")
        #expect(loop.queue.sync { loop.socketCount } == 0)
        #expect(await receiveOnce(client) == 0, "the client sees the connection end")
        let lateRecord = Record.started(on: late)
        #expect(lateRecord.closeCount == 1, "a socket started on a stopped loop closes at once")
        #expect(late.queue.sync { late.isClosed })
        #expect(await receiveOnce(lateClient) == 0)
    }

    @Test func aSocketClosedBeforeStartClosesItsDescriptorAndNeverRegisters() async throws {
        let pair = try await Pair.make()
        defer { pair.listener.stop(); pair.client.close() }
        setTimeouts(pair.client)
        let server = pair.server
        let record = Record()
        let fd = server.socket.fd
        var original = stat()
        #expect(fstat(fd, &original) == 0)
        let (closedDescriptor, count, isClosed) = server.queue.sync {
            server.close()
            // Another test may be handed the same number at once; then it names a different file.
            var now = stat()
            let rc = fstat(fd, &now)
            let code = errno
            let closedDescriptor = (rc == -1 && code == EBADF) || (rc == 0 && (now.st_ino != original.st_ino || now.st_dev != original.st_dev))
            // A new socket most likely gets the freed number: start() must not put that stranger in the loop.
            let stranger = socket(AF_INET, socketStreamCloseOnExec, 0)
            defer { _ = Glibc.close(stranger) }
            server.start(record.callbacks())
            server.start(record.callbacks())
            return (closedDescriptor, server.loop.socketCount, server.isClosed)
        }
        #expect(closedDescriptor, "close() before start() left the descriptor open")
        #expect(count == 0, "a closed socket registered with the loop")
        #expect(isClosed)
        #expect(record.closeCount == 1, "start on a closed socket reports the close, once")
        #expect(record.endCount == 0 && record.receivedCount == 0)
        // The connection really ended: the client reads end of stream, not a timeout.
        #expect(await receiveOnce(pair.client) == 0)
    }
}
