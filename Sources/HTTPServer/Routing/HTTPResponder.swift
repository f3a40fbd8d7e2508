/// What the server hands complete requests to. The server itself knows no routes.
public protocol HTTPResponder: Sendable {
    /// The largest body accepted for this request, decided from the head alone so an oversized body
    /// is refused (413) before it is read.
    func bodyLimit(for head: HTTPRequestHead) -> Int
    func respond(to request: HTTPRequest) async -> HTTPResponse
}

/// A step around the rest of the chain: it may answer itself, or call `next` and change the answer.
public protocol HTTPMiddleware: Sendable {
    func respond(to request: HTTPRequest, next: Next) async -> HTTPResponse
}

/// The rest of the chain, as passed to a middleware.
public struct Next: Sendable {
    let run: @Sendable (HTTPRequest) async -> HTTPResponse

    public init(_ run: @escaping @Sendable (HTTPRequest) async -> HTTPResponse) { self.run = run }

    public func callAsFunction(_ request: HTTPRequest) async -> HTTPResponse { await run(request) }
}

public typealias HTTPHandler = @Sendable (HTTPRequest) async -> HTTPResponse

/// Told about every answer, for metrics. Called on the connection's queue: keep it quick.
public protocol HTTPObserver: Sendable {
    /// `route` is the matched pattern, or `-` when the request could not be read.
    func requestCompleted(method: HTTPMethod?, route: String, status: HTTPStatus, duration: Duration)
}
