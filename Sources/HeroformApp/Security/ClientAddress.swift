import HTTPServer
import Logging
import Sockets
import Synchronization
import WebText

/// Who the client is, for rate limits: the peer address, or — when the peer is a trusted reverse proxy — the
/// nearest address in `X-Forwarded-For` that is not itself a trusted proxy. A client cannot spoof its way past
/// the limit by sending its own `X-Forwarded-For`, since only addresses added by trusted proxies count.
///
/// A trusted proxy that names no client (no `X-Forwarded-For`, or an unreadable last entry) gives `unknown`, not
/// its own address: the proxy's address would make every visitor one client, and a local one for `/metrics` and
/// `/readyz` when the proxy runs on this machine. `unknown` is no address, so never local, and one rate-limit key
/// of its own, apart from the proxy's own requests. Such a proxy is misconfigured; the log says so once.
struct ClientAddress: Sendable {
    static let unknown = "unknown"

    let trustedProxies: [IPRange]
    private let warning: OnceWarning?

    init(trustedProxies: [IPRange], logger: Logger? = nil) {
        self.trustedProxies = trustedProxies
        warning = logger.map(OnceWarning.init)
    }

    func of(_ request: HTTPRequest) -> String {
        let peer = request.remoteAddress
        guard isTrusted(peer) else { return peer }
        let forwarded = request.headers.values("X-Forwarded-For").flatMap { $0.split(separator: ",") }
            .map { $0.trimmingWhitespace() }
        var address: String?
        for hop in forwarded.reversed() {
            guard IPRange.parseAddress(hop) != nil else { break }
            address = hop
            if !isTrusted(hop) { break }
        }
        guard let address else {
            warning?.warn(proxy: peer)
            return Self.unknown
        }
        return address
    }

    private func isTrusted(_ address: String) -> Bool {
        guard let bytes = IPRange.parseAddress(address) else { return false }
        return trustedProxies.contains { $0.contains(bytes) }
    }
}

/// Logs the first request of a trusted proxy without a client address, and none after it (a flood of them must not
/// flood the log too). Per config: a reload, which may have fixed the proxy, arms it again.
private final class OnceWarning: Sendable {
    private let logger: Logger
    private let warned = Atomic(false)

    init(_ logger: Logger) { self.logger = logger }

    func warn(proxy: String) {
        guard warned.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        let message =
            "trusted proxy \(proxy) sent a request without a usable X-Forwarded-For: its clients count as one "
            + "unknown client (one rate limit, not local); let the proxy set X-Forwarded-For (logged once)"
        logger.warning("\(message)")
    }
}
