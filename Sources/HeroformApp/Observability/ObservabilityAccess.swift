import CryptoPrimitives
import HTTPServer
import Sockets

/// Who may read `/metrics` and `/readyz`: clients on this machine (loopback, after resolving trusted proxies, so
/// the public cannot reach them through the reverse proxy), anyone with the configured bearer token, or everyone
/// when `observability.allow_remote` is set.
struct ObservabilityAccess: HTTPFilter {
    let paths: Set<String>
    let clients: ClientAddress
    let token: String?
    let allowRemote: Bool

    private static let loopback = ["127.0.0.0/8", "::1"].compactMap(IPRange.init)

    func before(_ request: HTTPRequest) -> HTTPResponse? {
        guard let path = request.routePath, paths.contains(path), !allowRemote else { return nil }
        if let token, let given = request.headers["Authorization"], given.hasPrefix("Bearer "),
           CryptoPrimitives.constantTimeEquals(Array(given.dropFirst(7).utf8), Array(token.utf8)) {
            return nil
        }
        let client = clients.of(request)
        if let bytes = IPRange.parseAddress(client), Self.loopback.contains(where: { $0.contains(bytes) }) {
            return nil
        }
        return .error(.forbidden, "only from this machine or with the observability token")
    }
}
