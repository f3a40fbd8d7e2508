import FoundationEssentials
import Glibc
import Sockets
import Synchronization

/// A small HTTP/1.1 client over plain sockets and OpenSSL: one request at a time per connection, keep-alive
/// connections reused, answers framed by length or chunks. It knows nothing of what it sends.
///
/// Each request runs start to end (resolve, connect, TLS, send, read) on a thread of the client's own, bounded by one
/// deadline. It never repeats a request that may have reached the server whole: the one repeat is for a reused
/// keep-alive connection that failed while the request was still being written (the server had closed it; the
/// request's last byte never left), and it goes once, on a fresh connection.
package final class HTTPClient: Sendable {
    package struct Configuration: Sendable {
        /// Requests in flight at once; more wait for a turn.
        package var maxConcurrentRequests = 16
        /// Requests waiting for a turn at most; more fail at once with `overloaded` instead of queueing in memory.
        package var maxWaitingRequests = 64
        /// How long a keep-alive connection may wait for the next request. Shorter than common server time-outs
        /// (nginx 75 s, Apache 5 s), so the client is the side that gives up first.
        package var idleTimeout: Duration = .seconds(4)
        package var maxIdleConnectionsPerHost = 16
        package var maxResponseBodyBytes = 1024 * 1024
        /// PEM certificates to trust instead of the system's (`/etc/ssl/certs`): a private CA, or tests.
        package var trustedCertificatesFile: String?
        /// Proxies to tunnel through; none by default (`ProxySettings.fromEnvironment` reads curl's variables).
        package var proxies = ProxySettings.none
        /// How host names are looked up (always under the call's deadline); tests put in a slow one.
        package var resolver = HostResolver.system

        package init() {}
    }

    package let configuration: Configuration
    private let threads: BlockingThreads
    private let pool: ConnectionPool
    /// Made on the first https request: plain-http users never load the system's certificates.
    private let tlsContext = Mutex<TLSContext?>(nil)

    package init(configuration: Configuration = Configuration()) {
        // OpenSSL writes to its socket with write(2), without MSG_NOSIGNAL: a peer that resets mid-request would
        // otherwise kill the process with SIGPIPE.
        ProcessSetup.ignoreSIGPIPE()
        self.configuration = configuration
        threads = BlockingThreads(
            limit: configuration.maxConcurrentRequests, name: "http-client",
            maxWaiting: configuration.maxWaitingRequests)
        pool = ConnectionPool(
            idleTimeout: configuration.idleTimeout, maxIdlePerOrigin: configuration.maxIdleConnectionsPerHost)
    }

    deinit { pool.closeAll() }

    /// Sends `request` and reads the whole answer, all within `timeout`.
    package func send(
        _ request: HTTPClientRequest,
        timeout: Duration
    ) async throws(HTTPClientError) -> HTTPClientResponse {
        let endpoint = try Endpoint(request.url)
        let method = request.method
        let answer = try await threads.run { [self] () throws(HTTPClientError) -> HTTPClientResponse in
            // The deadline starts when a thread takes the request, like a timeout per call, not per queue.
            let deadline = ContinuousClock.now + timeout
            // Files are opened here, before any connection: one that cannot be opened sends nothing.
            let outgoing = try OutgoingRequest(request, to: endpoint)
            if let reused = pool.take(for: endpoint.origin) {
                switch exchange(outgoing, method: method, on: reused, deadline: deadline) {
                case .answered(let response): return response
                case .failed(let error): throw error
                case .unsent: break
                }
            }
            let connection = try ClientConnection(
                to: endpoint, tls: endpoint.secure ? context() : nil,
                proxy: configuration.proxies.proxy(for: endpoint.origin), resolver: configuration.resolver,
                deadline: deadline)
            switch exchange(outgoing, method: method, on: connection, deadline: deadline) {
            case .answered(let response): return response
            case .failed(let error), .unsent(let error): throw error
            }
        }
        guard let answer else { throw .overloaded }
        return answer
    }

    /// Closes the idle keep-alive connections.
    package func closeIdleConnections() {
        pool.closeAll()
    }

    /// Keep-alive connections waiting for a request.
    package var idleConnections: Int { pool.idleCount }

    private enum Exchange {
        case answered(HTTPClientResponse)
        /// The request may have reached the server whole: it must not go again.
        case failed(HTTPClientError)
        /// Writing failed before the request's last byte left: the server cannot have acted on it.
        case unsent(HTTPClientError)
    }

    private func exchange(
        _ outgoing: OutgoingRequest, method: String, on connection: ClientConnection, deadline: ContinuousClock.Instant
    ) -> Exchange {
        do throws(HTTPClientError) {
            try outgoing.write(to: connection, deadline: deadline)
        } catch .bodyUnreadable(let reason) {
            // Unsent too, but a fresh connection would not help: the file is the problem.
            connection.close()
            return .failed(.bodyUnreadable(reason))
        } catch {
            connection.close()
            return .unsent(error)
        }
        var parser = ResponseParser(method: method, limits: .init(bodyBytes: configuration.maxResponseBodyBytes))
        do throws(HTTPClientError) {
            var chunk = [UInt8](repeating: 0, count: 16 * 1024)
            while parser.response == nil {
                let count = try connection.read(into: &chunk, deadline: deadline)
                if count == 0 {
                    try parser.finish()
                } else {
                    try parser.feed(chunk[0..<count])
                }
            }
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

    /// A failure is not kept: a trust store fixed while heroform runs is used on the next request.
    private func context() throws(HTTPClientError) -> TLSContext {
        try tlsContext.withLock { cached throws(HTTPClientError) -> TLSContext in
            if let cached { return cached }
            let made = try TLSContext(trustedCertificatesFile: configuration.trustedCertificatesFile)
            cached = made
            return made
        }
    }
}
