import HTTPServer
import Sockets
import WebText

/// Who the client is, for rate limits: the peer address, or — when the peer is a trusted reverse proxy — the
/// nearest address in `X-Forwarded-For` that is not itself a trusted proxy. A client cannot spoof its way past
/// the limit by sending its own `X-Forwarded-For`, since only addresses added by trusted proxies count.
struct ClientAddress: Sendable {
    let trustedProxies: [IPRange]

    func of(_ request: HTTPRequest) -> String {
        var address = request.remoteAddress
        guard isTrusted(address) else { return address }
        let forwarded = request.headers.values("X-Forwarded-For").flatMap { $0.split(separator: ",") }
            .map { $0.trimmingWhitespace() }
        for hop in forwarded.reversed() {
            guard IPRange.parseAddress(hop) != nil else { break }
            address = hop
            if !isTrusted(hop) { break }
        }
        return address
    }

    private func isTrusted(_ address: String) -> Bool {
        guard let bytes = IPRange.parseAddress(address) else { return false }
        return trustedProxies.contains { $0.contains(bytes) }
    }
}
