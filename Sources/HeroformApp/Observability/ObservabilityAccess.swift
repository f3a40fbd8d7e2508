import CryptoPrimitives
import HTTPServer
import Sockets

/// Who may read `/metrics` and `/readyz`: clients on this machine (loopback, after resolving trusted proxies, so
/// the public cannot reach them through the reverse proxy), anyone with the configured bearer token, or everyone
/// when `observability.allow_remote` is set. Guards the routes of its group.
struct ObservabilityAccess: HTTPMiddleware {
    let clients: ClientAddress
    let token: String?
    let allowRemote: Bool

    private static let loopback = ["127.0.0.0/8", "::1"].compactMap(IPRange.init)

    func respond(to request: HTTPRequest, next: Next) async -> HTTPResponse {
        guard allows(request) else {
            return .error(.forbidden, "only from this machine or with the observability token")
        }
        return await next(request)
    }

    private func allows(_ request: HTTPRequest) -> Bool {
        if allowRemote { return true }
        if let token, let given = request.headers["Authorization"], given.hasPrefix("Bearer "),
            CryptoPrimitives.constantTimeEquals(Array(given.dropFirst(7).utf8), Array(token.utf8))
        {
            return true
        }
        let client = clients.of(request)
        guard let bytes = IPRange.parseAddress(client) else { return false }
        return Self.loopback.contains { $0.contains(bytes) }
    }
}
