import Foundation
import Synchronization

/// A small HTTP/1.1 client over plain sockets and OpenSSL: one request at a time per connection, keep-alive
/// connections reused, answers framed by length or chunks. It knows nothing of what it sends.
///
/// Each request runs start to end (resolve, connect, TLS, send, read) on a thread of the client's own, bounded by one
/// deadline. It never repeats a request on its own, with one exception that is what browsers and curl do too:
/// when a reused keep-alive connection turns out closed before any byte of an answer came, the request goes once
/// more on a fresh connection (the server closed the idle connection; it never saw the request).
public final class HTTPClient: Sendable {
    public struct Configuration: Sendable {
        /// Requests in flight at once; more wait for a turn.
        public var maxConcurrentRequests = 16
        /// How long a keep-alive connection may wait for the next request. Shorter than common server time-outs
        /// (nginx 75 s, Apache 5 s), so the client is the side that gives up first.
        public var idleTimeout: Duration = .seconds(4)
        public var maxIdleConnectionsPerHost = 16
        public var maxResponseBodyBytes = 1024 * 1024
        /// PEM certificates to trust instead of the system's (`/etc/ssl/certs`): a private CA, or tests.
        public var trustedCertificatesFile: String?

        public init() {}
    }

    public let configuration: Configuration
    private let threads: BlockingThreads
    private let pool: ConnectionPool
    /// Made on the first https request: plain-http users never load the system's certificates.
    private let tlsContext = Mutex<Result<TLSContext, HTTPClientError>?>(nil)

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        threads = BlockingThreads(limit: configuration.maxConcurrentRequests, name: "http-client")
        pool = ConnectionPool(idleTimeout: configuration.idleTimeout, maxIdlePerEndpoint: configuration.maxIdleConnectionsPerHost)
    }

    deinit { pool.closeAll() }

    /// Sends `request` and reads the whole answer, all within `timeout`.
    public func send(_ request: HTTPClientRequest, timeout: Duration) async throws(HTTPClientError) -> HTTPClientResponse {
        let endpoint = try Endpoint(request.url)
        let bytes = try RequestEncoder.encode(request, to: endpoint)
        let method = request.method
        return try await threads.run { [self] () throws(HTTPClientError) -> HTTPClientResponse in
            // The deadline starts when a thread takes the request, like a timeout per call, not per queue.
            let deadline = ContinuousClock.now + timeout
            if let reused = pool.take(for: endpoint) {
                switch exchange(bytes, method: method, on: reused, deadline: deadline) {
                case .answered(let response): return response
                case .failed(let error): throw error
                case .closedUnanswered: break
                }
            }
            let connection = try ClientConnection(to: endpoint, tls: endpoint.secure ? context() : nil, deadline: deadline)
            switch exchange(bytes, method: method, on: connection, deadline: deadline) {
            case .answered(let response): return response
            case .failed(let error): throw error
            case .closedUnanswered: throw HTTPClientError.connectionClosed
            }
        }
    }

    /// Closes the idle keep-alive connections.
    public func closeIdleConnections() {
        pool.closeAll()
    }

    private enum Exchange {
        case answered(HTTPClientResponse)
        case failed(HTTPClientError)
        /// The connection was closed (or reset) before any byte of an answer.
        case closedUnanswered
    }

    private func exchange(_ bytes: [UInt8], method: String, on connection: ClientConnection, deadline: ContinuousClock.Instant) -> Exchange {
        var parser = ResponseParser(method: method, limits: .init(bodyBytes: configuration.maxResponseBodyBytes))
        do throws(HTTPClientError) {
            try connection.write(bytes, deadline: deadline)
            var chunk = [UInt8](repeating: 0, count: 16 * 1024)
            while parser.response == nil {
                let count = try connection.read(into: &chunk, deadline: deadline)
                if count == 0 {
                    guard parser.receivedAnything else {
                        connection.close()
                        return .closedUnanswered
                    }
                    try parser.finish()
                } else {
                    try parser.feed(chunk[0..<count])
                }
            }
        } catch .connectionClosed where !parser.receivedAnything {
            connection.close()
            return .closedUnanswered
        } catch {
            connection.close()
            return .failed(error)
        }
        guard let response = parser.response else {
            connection.close()
            return .failed(.connectionClosed)
        }
        if parser.connectionReusable { pool.giveBack(connection) } else { connection.close() }
        return .answered(response)
    }

    private func context() throws(HTTPClientError) -> TLSContext {
        try tlsContext.withLock { cached throws(HTTPClientError) -> TLSContext in
            if let cached { return try cached.get() }
            let made = Result { () throws(HTTPClientError) -> TLSContext in
                try TLSContext(trustedCertificatesFile: configuration.trustedCertificatesFile)
            }
            cached = made
            return try made.get()
        }
    }
}
