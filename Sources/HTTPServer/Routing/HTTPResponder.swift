/// What the server hands complete requests to. The server itself knows no routes.
public protocol HTTPResponder: Sendable {
    /// The largest body accepted for this request, decided from the head alone so an oversized body
    /// is refused (413) before it is read.
    func bodyLimit(for head: HTTPRequestHead) -> Int
    func respond(to request: HTTPRequest) async -> HTTPResponse
    /// The same answer as `respond`, given on the connection's queue as far as it can be without waiting: the
    /// response itself, or the part of the work that has to wait (which the connection runs in a task).
    func answer(to request: HTTPRequest) -> HTTPAnswer
}

extension HTTPResponder {
    public func answer(to request: HTTPRequest) -> HTTPAnswer { .later { await respond(to: request) } }
}

/// An answer given at once, or the rest of the work when it has to wait (for storage or another server).
/// Handing back only that rest means what was done at once (decoding, checks, rate counting) is not done twice.
public enum HTTPAnswer: Sendable {
    case now(HTTPResponse)
    case later(@Sendable () async -> HTTPResponse)

    /// The response, waiting for it if need be.
    public func response() async -> HTTPResponse {
        switch self {
        case .now(let response): response
        case .later(let work): await work()
        }
    }

    /// The same answer with `transform` applied to its response, once that is there.
    public func map(_ transform: @escaping @Sendable (HTTPResponse) -> HTTPResponse) -> HTTPAnswer {
        switch self {
        case .now(let response): .now(transform(response))
        case .later(let work): .later { transform(await work()) }
        }
    }
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
/// A handler that does what it can at once and hands back only what has to wait.
public typealias HTTPStagedHandler = @Sendable (HTTPRequest) -> HTTPAnswer

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
