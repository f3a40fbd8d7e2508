import Foundation
package import Sockets
import Synchronization

/// A test client on a plain TCP socket: it sends exactly the bytes a test gives it and reads exactly what the
/// server sends back, so malformed requests and half-sent messages can be tested.
///
/// Its socket calls block, so each runs on a thread of its own (`OSThread`), never on Swift's cooperative threads
/// nor on Dispatch's: a parallel suite blocks many reads at once, and Dispatch's threads are the ones the servers
/// under test answer on, so holding them would starve the very answers the reads wait for.
/// `@unchecked Sendable`: `buffer` is touched only inside `io`, which runs one call at a time.
package final class RawClient: @unchecked Sendable {
    private let io = Mutex(())
    package let socket: Socket
    private var buffer: [UInt8] = []

    package struct Failure: Error, CustomStringConvertible {
        package let description: String
    }

    /// Connects to `host:port` (IPv4 or IPv6 literal) with a receive timeout. The blocking connect runs on a
    /// Dispatch queue, not on the caller's (cooperative) thread. The timeout only bounds a test that fails: generous,
    /// so a parallel suite's load does not make a waiting answer look lost.
    package static func connect(
        host: String = "127.0.0.1", port: UInt16,
        timeout: Double = 30
    ) async throws -> RawClient {
        try await onOwnThread { try RawClient(host: host, port: port, timeout: timeout) }
    }

    private init(host: String, port: UInt16, timeout: Double) throws {
        guard let address = try SocketAddress.resolve(host: host, port: port).first else {
            throw Failure(description: "no address for \(host)")
        }
        let fd = Glibc.socket(address.family == .ipv6 ? AF_INET6 : AF_INET, socketStreamCloseOnExec, 0)
        guard fd >= 0 else { throw SocketError("socket") }
        socket = Socket(fd: fd)
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let rc = address.withSockaddrPointer { Glibc.connect(fd, $0, $1) }
        // Not closed here: every property is set, so a throw from now on runs `deinit`, which closes the socket.
        // A second close would hit whatever descriptor took the number meanwhile (another test's, in parallel).
        guard rc == 0 else { throw SocketError("connect") }
    }

    private var closed = false

    deinit { close() }

    /// Closes the client's socket (the server sees EOF).
    package func close() {
        guard !closed else { return }
        closed = true
        socket.close()
    }

    package func send(_ text: String) async throws { try await send(Array(text.utf8)) }

    package func send(_ bytes: [UInt8]) async throws {
        try await run { try self.sendNow(bytes) }
    }

    /// Reads one response. HEAD responses and 1xx/204/304 have no body, whatever their headers say.
    package func readResponse(forHead: Bool = false) async throws -> RawResponse {
        try await run { try self.readResponseNow(forHead: forHead) }
    }

    /// Reads until the server closes; returns what came.
    package func readToEnd() async throws -> [UInt8] {
        try await run { try self.readToEndNow() }
    }

    /// True when the server has closed the connection (EOF) within the timeout, false if it sent
    /// something or stayed open. A reset counts as closed.
    package func isClosedByServer() async -> Bool {
        (try? await run { self.isClosedNow() }) ?? false
    }

    /// True when the connection ended with a reset rather than a clean FIN.
    package func receiveFailsWithReset() async -> Bool {
        (try? await run { self.failsWithResetNow() }) ?? false
    }

    private func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await Self.onOwnThread { [self] in try self.io.withLock { _ in try work() } }
    }

    /// Runs blocking `work` on a new thread (on the calling one if the system refuses a thread).
    private static func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let job: @Sendable () -> Void = { continuation.resume(with: Result { try work() }) }
            do {
                try OSThread.start(name: "raw-client", job)
            } catch {
                job()
            }
        }
    }

    private func sendNow(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes {
                Glibc.send(socket.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard n > 0 else { throw SocketError("send") }
            offset += n
        }
    }

    /// Sends FIN; the server can still answer.
    package func shutdownWrite() { socket.shutdownWrite() }

    private func readResponseNow(forHead: Bool) throws -> RawResponse {
        let headEnd = try readUntil(Array("\r\n\r\n".utf8))
        let headText = String(decoding: buffer[..<headEnd], as: UTF8.self)
        buffer.removeFirst(headEnd + 4)
        var response = try RawResponse(head: headText)
        let status = response.status
        let bodyless = forHead || (100..<200).contains(status) || status == 204 || status == 304
        if !bodyless {
            if let length = response.header("Content-Length").flatMap(Int.init) {
                try fill(length)
                response.body = Array(buffer[..<length])
                buffer.removeFirst(length)
            } else {
                response.body = try readToEndNow()
            }
        }
        return response
    }

    private func readToEndNow() throws -> [UInt8] {
        while try receive() > 0 {}
        defer { buffer = [] }
        return buffer
    }

    private func isClosedNow() -> Bool {
        do { return try receive() == 0 && buffer.isEmpty } catch { return (error as? SocketError)?.code == ECONNRESET }
    }

    private func failsWithResetNow() -> Bool {
        do {
            while try receive() > 0 {}
            return false
        } catch {
            return (error as? SocketError)?.code == ECONNRESET
        }
    }

    private func readUntil(_ marker: [UInt8]) throws -> Int {
        var searchFrom = 0
        while true {
            if buffer.count >= marker.count {
                for start in searchFrom...(buffer.count - marker.count)
                where buffer[start..<start + marker.count].elementsEqual(marker) {
                    return start
                }
                searchFrom = buffer.count - marker.count + 1
            }
            guard try receive() > 0 else {
                throw Failure(description: "connection closed before a complete response head")
            }
        }
    }

    private func fill(_ count: Int) throws {
        while buffer.count < count {
            guard try receive() > 0 else { throw Failure(description: "connection closed inside a response body") }
        }
    }

    @discardableResult
    private func receive() throws -> Int {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(socket.fd, $0.baseAddress, $0.count, 0) }
        if n < 0 {
            let code = errno
            if code == EAGAIN || code == EWOULDBLOCK { throw Failure(description: "timed out waiting for the server") }
            throw SocketError("recv", code: code)
        }
        buffer.append(contentsOf: chunk[..<n])
        return n
    }
}

package struct RawResponse: Sendable {
    package let statusLine: String
    package let status: Int
    package let headers: [(String, String)]
    package internal(set) var body: [UInt8]

    package init(statusLine: String, status: Int, headers: [(String, String)], body: [UInt8]) {
        self.statusLine = statusLine
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response head as it came (status line and fields, with or without the blank line); the body is empty.
    package init(head: String) throws {
        var lines = head.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        guard !lines.isEmpty else { throw RawClient.Failure(description: "empty response head") }
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let status = Int(parts[1]) else {
            throw RawClient.Failure(description: "bad status line: \(statusLine)")
        }
        var headers: [(String, String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else {
                throw RawClient.Failure(description: "bad header line: \(line)")
            }
            headers.append(
                (
                    String(line[..<colon]),
                    line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                ))
        }
        self.init(statusLine: statusLine, status: status, headers: headers, body: [])
    }

    package func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    package var text: String { String(decoding: body, as: UTF8.self) }
}
