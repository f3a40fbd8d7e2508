import Dispatch
import Synchronization
import Testing
@testable import Sockets

@Suite struct ListenerTests {
    @Test func portZeroGetsOneFreePortForEveryAddress() throws {
        let listener = try Listener(host: "*", port: 0)
        defer { listener.stop() }
        #expect(listener.port != 0)
        #expect(listener.addresses.count == 2)
        #expect(Set(listener.addresses.map(\.port)) == [listener.port])
    }

    @Test func acceptsConnectionsAndReportsThePeer() async throws {
        let listener = try Listener(host: "127.0.0.1", port: 0)
        defer { listener.stop() }
        let peers = Mutex<[String]>([])
        try listener.start { socket, peer in
            peers.withLock { $0.append(peer.host) }
            socket.close()
        }
        let client = try connect(port: listener.port)
        defer { client.close() }
        for _ in 0..<200 where peers.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(5)) }
        #expect(peers.withLock { $0 } == ["127.0.0.1"])
    }

    @Test func stopClosesTheListeningSocket() async throws {
        let listener = try Listener(host: "127.0.0.1", port: 0)
        let port = listener.port
        try listener.start { socket, _ in socket.close() }
        listener.stop()
        // The accepting thread closes the socket as it ends, which a loaded machine may take a while to schedule.
        var refused = false
        for _ in 0..<250 where !refused {
            do {
                try connect(port: port).close()
                try await Task.sleep(for: .milliseconds(20))
            } catch is SocketError {
                refused = true
            }
        }
        #expect(refused)
    }

    @Test func aPortInUseIsAnError() throws {
        let listener = try Listener(host: "127.0.0.1", port: 0)
        defer { listener.stop() }
        #expect(throws: SocketError.self) { try Listener(host: "127.0.0.1", port: listener.port) }
    }
}

/// A blocking client socket for these tests.
func connect(port: UInt16) throws -> Socket {
    guard let address = try SocketAddress.resolve(host: "127.0.0.1", port: port).first else { throw SocketError("resolve", code: 0) }
    let fd = socket(AF_INET, socketStreamCloseOnExec, 0)
    let rc = address.withSockaddr { Glibc.connect(fd, $0, $1) }
    guard rc == 0 else {
        let error = SocketError("connect")
        Glibc.close(fd)
        throw error
    }
    return Socket(fd: fd)
}
