import Foundation
import Testing
@testable import Sockets

/// Outgoing connections with deadlines, over loopback.
@Suite struct ConnectingTests {
    /// A listening socket on 127.0.0.1 that never accepts, with the port it got.
    static func listener(backlog: Int32 = 16) throws -> (Socket, UInt16) {
        let address = try #require(try SocketAddress.resolve(host: "127.0.0.1", port: 0).first)
        let socket = try Socket.listening(on: address, backlog: backlog, v6Only: false)
        return (socket, try #require(socket.localAddress?.port))
    }

    static func address(port: UInt16) throws -> SocketAddress {
        try #require(try SocketAddress.resolve(host: "127.0.0.1", port: port).first)
    }

    @Test func connectsAndWaitsForInput() throws {
        let (listening, port) = try Self.listener()
        defer { listening.close() }
        let client = try Socket.connected(to: Self.address(port: port), deadline: .now + .seconds(5))
        defer { client.close() }
        // Connected, but nothing to read yet: the wait ends at its deadline.
        #expect(!client.hasPendingInput)
        let started = ContinuousClock.now
        #expect(!client.wait(for: .readable, until: .now + .milliseconds(100)))
        #expect(ContinuousClock.now - started >= .milliseconds(90))
        #expect(client.wait(for: .writable, until: .now + .seconds(1)))

        let server = try #require(try listening.accept()).0
        defer { server.close() }
        _ = Array("x".utf8).withUnsafeBytes { server.write($0) }
        #expect(client.wait(for: .readable, until: .now + .seconds(5)))
        #expect(client.hasPendingInput)
    }

    @Test func aClosedPeerCountsAsPendingInput() throws {
        let (listening, port) = try Self.listener()
        defer { listening.close() }
        let client = try Socket.connected(to: Self.address(port: port), deadline: .now + .seconds(5))
        defer { client.close() }
        try #require(try listening.accept()).0.close()
        #expect(client.wait(for: .readable, until: .now + .seconds(5)))
        #expect(client.hasPendingInput)
    }

    @Test func aRefusedConnectionNamesTheCause() throws {
        // Port 9 (discard) on loopback: nothing listens there.
        #expect(throws: SocketError("connect 127.0.0.1:9", code: ECONNREFUSED)) {
            try Socket.connected(to: Self.address(port: 9), deadline: .now + .seconds(5))
        }
    }

    @Test func aConnectThatCannotCompleteTimesOut() throws {
        // A listener that never accepts, its queue filled: the kernel drops further handshakes, so connect hangs.
        let (listening, port) = try Self.listener(backlog: 0)
        defer { listening.close() }
        var filling: [Socket] = []
        defer { filling.forEach { $0.close() } }
        let started = ContinuousClock.now
        var timedOut: SocketError?
        for _ in 0..<8 {
            do {
                filling.append(try Socket.connected(to: Self.address(port: port), deadline: .now + .milliseconds(300)))
            } catch let error as SocketError {
                timedOut = error
                break
            }
        }
        #expect(timedOut?.code == ETIMEDOUT)
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}
