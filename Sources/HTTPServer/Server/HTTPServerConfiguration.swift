package import Sockets

/// How the server listens and how long it waits; the defaults are heroform's promises.
package struct HTTPServerConfiguration: Sendable, Equatable {
    package var host: String
    package var port: UInt16
    package var limits = HTTPParserLimits()
    /// From a request's first byte (or the accept of a fresh connection) until its head is complete (→ 408).
    package var headTimeout: Duration = .seconds(10)
    /// How long an idle keep-alive connection stays open waiting for the next request.
    package var keepAliveTimeout: Duration = .seconds(5)
    /// Longest pause between two pieces of a request body (→ 408).
    package var bodyTimeout: Duration = .seconds(10)
    /// Longest a whole request body may take, however steadily it trickles in (→ 408).
    package var bodyTotalTimeout: Duration = .seconds(60)
    /// How long a response may take to reach a client that reads slowly.
    package var writeTimeout: Duration = .seconds(30)
    /// After an answer that closes the connection, how long the client's leftover bytes are read and
    /// dropped, so the close does not reset the connection and destroy the answer in flight.
    package var lingerTimeout: Duration = .seconds(5)
    /// The longest a lingering close may take in all, however slowly the client keeps sending.
    package var lingerLimit: Duration = .seconds(30)
    /// Connections beyond this are closed at once.
    package var maxConnections = 10_000
    /// Connections one client may hold at once; its newest beyond this is closed at once, so one client reopening
    /// connections cannot take every slot of `maxConnections`. A client is an IPv4 address, or an IPv6 /64 (a home
    /// or a host usually has a whole one). 0: no limit.
    package var maxConnectionsPerClient = 64
    /// Peers `maxConnectionsPerClient` does not apply to: reverse proxies, which carry many clients' connections.
    package var perClientLimitExempt: [IPRange] = []
    /// Pipelined bytes buffered while a request is being answered before reading pauses.
    package var maxBufferedInput = 64 * 1024
    /// Where a request body larger than `bodySpoolThreshold` is kept while it arrives and is handled: in a
    /// temporary file of its own (0600, unlinked at once, gone with the request or the process). nil keeps every
    /// body in memory. A file that cannot be made or written is answered with 503.
    package var bodySpoolDirectory: String?
    /// Bodies of at most this many bytes stay in memory; a larger one goes to `bodySpoolDirectory`, when set.
    /// Keep it at least as high as the body limit of every route that reads `body.bytes`, which is empty for a
    /// spooled body.
    package var bodySpoolThreshold = HTTPServerConfiguration.defaultBodySpoolThreshold

    package static let defaultBodySpoolThreshold = 1024 * 1024
    /// Bytes all spooled bodies may take at once (`SpoolBudget`); nil: no bound.
    package var bodySpoolLimit: Int?

    package init(host: String = "127.0.0.1", port: UInt16 = 8080) {
        self.host = host
        self.port = port
    }
}
