/// What the server hands complete requests to. The server itself knows no routes.
public protocol HTTPResponder: Sendable {
    /// The largest body accepted for this request, decided from the head alone so an oversized body
    /// is refused (413) before it is read.
    func bodyLimit(for head: HTTPRequestHead) -> Int
    func respond(to request: HTTPRequest) async -> HTTPResponse
    /// The answer when it can be given without waiting (no task needed); nil to take the asynchronous path.
    func respondImmediately(to request: HTTPRequest) -> HTTPResponse?
}

extension HTTPResponder {
    public func respondImmediately(to request: HTTPRequest) -> HTTPResponse? { nil }
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
public typealias HTTPImmediateHandler = @Sendable (HTTPRequest) -> HTTPResponse

/// A middleware that never waits: it may answer before the handler (`before`) and adjust the answer after it
/// (`after`). Filters also run on the immediate path, without a task.
public protocol HTTPFilter: HTTPMiddleware {
    /// An answer of its own (the handler and inner filters are then skipped), or nil to go on.
    func before(_ request: HTTPRequest) -> HTTPResponse?
    /// The answer on its way out, from inside (including inner filters' early answers).
    func after(_ request: HTTPRequest, _ response: HTTPResponse) -> HTTPResponse
}

extension HTTPFilter {
    public func before(_ request: HTTPRequest) -> HTTPResponse? { nil }
    public func after(_ request: HTTPRequest, _ response: HTTPResponse) -> HTTPResponse { response }

    public func respond(to request: HTTPRequest, next: Next) async -> HTTPResponse {
        if let early = before(request) { return early }
        return after(request, await next(request))
    }
}

/// Told about every answer, for metrics. Called on the connection's queue: keep it quick.
public protocol HTTPObserver: Sendable {
    /// `route` is the matched pattern, or `-` when the request could not be read.
    func requestCompleted(method: HTTPMethod?, route: String, status: HTTPStatus, duration: Duration)
}
