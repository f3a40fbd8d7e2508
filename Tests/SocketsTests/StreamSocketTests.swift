import Dispatch
import Foundation
import Synchronization
import Testing
@testable import Sockets

/// A connected pair: a blocking client and the server side wrapped in a StreamSocket.
struct Pair {
    let listener: Listener
    let client: Socket
    let server: StreamSocket

    static func make() async throws -> Pair {
        let listener = try Listener(host: "127.0.0.1", port: 0)
        let accepted = Mutex<(Socket, SocketAddress)?>(nil)
        try listener.start { socket, peer in accepted.withLock { $0 = (socket, peer) } }
        let client = try connect(port: listener.port)
        for _ in 0..<200 where accepted.withLock({ $0 == nil }) { try await Task.sleep(for: .milliseconds(5)) }
        guard let (socket, peer) = accepted.withLock({ $0 }) else { throw SocketError("accept", code: 0) }
        let stream = StreamSocket(socket: socket, peer: peer, loop: try EventLoop(label: "test.stream"))
        return Pair(listener: listener, client: client, server: stream)
    }
}

func receive(_ socket: Socket, count: Int) -> [UInt8] {
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while result.count < count {
        let n = chunk.withUnsafeMutableBytes { recv(socket.fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { break }
        result += chunk[..<n]
    }
    return result
}

@Suite struct StreamSocketTests {
    @Test func deliversBytesAndEndOfInput() async throws {
        let pair = try await Pair.make()
        defer { pair.listener.stop(); pair.client.close() }
        let received = Mutex<[UInt8]>([])
        let ended = Mutex(false)
        pair.server.queue.sync {
            pair.server.start(
                StreamSocket.Callbacks(
                    onRead: { bytes in received.withLock { $0 += bytes } },
                    onEndOfInput: { ended.withLock { $0 = true } }))
        }
        _ = Array("hello".utf8).withUnsafeBytes { send(pair.client.fd, $0.baseAddress, $0.count, 0) }
        pair.client.shutdownWrite()
        for _ in 0..<200 where !ended.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        #expect(received.withLock { $0 } == Array("hello".utf8))
        #expect(ended.withLock { $0 })
        // After end of input the socket can still send.
        pair.server.queue.sync { pair.server.write(Array("bye".utf8)); pair.server.close() }
        #expect(receive(pair.client, count: 3) == Array("bye".utf8))
    }

    @Test func buffersWritesASlowReaderDoesNotTake() async throws {
        let pair = try await Pair.make()
        defer { pair.listener.stop(); pair.client.close() }
        let drained = Mutex(false)
        let payload = [UInt8](repeating: 7, count: 8 * 1024 * 1024)
        let pendingAfterWrite = pair.server.queue.sync {
            pair.server.start(StreamSocket.Callbacks(onDrained: { drained.withLock { $0 = true } }))
            pair.server.write(payload)
            return pair.server.pendingOutputBytes
        }
        // Far more than the kernel buffers: the rest waits for the socket to turn writable, not a blocked thread.
        #expect(pendingAfterWrite > 0)
        #expect(!drained.withLock { $0 })
        // Blocking reads get a thread of their own: not Swift's cooperative threads, nor Dispatch's global ones.
        let got = await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: receive(pair.client, count: payload.count)) }
        }
        #expect(got.count == payload.count)
        for _ in 0..<200 where !drained.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        #expect(drained.withLock { $0 })
        pair.server.queue.sync { pair.server.close() }
    }

    @Test func closeRunsOnCloseOnceAndSendsFIN() async throws {
        let pair = try await Pair.make()
        defer { pair.listener.stop(); pair.client.close() }
        let closes = Mutex(0)
        pair.server.queue.sync {
            pair.server.start(StreamSocket.Callbacks(onClose: { closes.withLock { $0 += 1 } }))
            pair.server.close()
            pair.server.close()
        }
        #expect(closes.withLock { $0 } == 1)
        #expect(receive(pair.client, count: 1).isEmpty)
    }

    @Test func peerResetClosesTheSocket() async throws {
        let pair = try await Pair.make()
        defer { pair.listener.stop() }
        let closed = Mutex(false)
        pair.server.queue.sync {
            pair.server.start(StreamSocket.Callbacks(onClose: { closed.withLock { $0 = true } }))
        }
        // SO_LINGER with zero timeout makes close() send RST.
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(pair.client.fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        pair.client.close()
        for _ in 0..<200 where !closed.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        #expect(closed.withLock { $0 })
        // Writing to a reset connection neither crashes (SIGPIPE) nor hangs.
        ProcessSetup.ignoreSIGPIPE()
        pair.server.queue.sync { pair.server.write(Array("late".utf8)) }
    }
}
