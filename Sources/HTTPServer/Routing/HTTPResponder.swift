/// What the server hands complete requests to. The server itself knows no routes.
package protocol HTTPResponder: Sendable {
    /// The largest body accepted for this request, decided from the head alone so an oversized body
    /// is refused (413) before it is read.
    func bodyLimit(for head: HTTPRequestHead) -> Int
    /// Always an answer: errors thrown by handlers and middleware are rendered before they get here.
    func respond(to request: HTTPRequest) async -> HTTPResponse
}

/// A handler answers a request or throws; an error that is an `HTTPResponseError` renders itself, any other
/// is a 500 that says nothing about its cause.
package typealias HTTPHandler = @Sendable (HTTPRequest) async throws -> HTTPResponse

/// An error that knows the answer it stands for: a refusal with its status, its message in the client's
/// language and format, and headers such as `Retry-After`.
package protocol HTTPResponseError: Error {
    func response(to request: HTTPRequest) -> HTTPResponse
}

/// A step around the rest of the chain: it may answer (or throw) itself, or call `next` and change the answer.
package protocol HTTPMiddleware: Sendable {
    func respond(to request: HTTPRequest, next: Next) async throws -> HTTPResponse
}

/// The rest of the chain, as passed to a middleware. It always answers: what the inner steps threw is already
/// rendered, so a middleware that adds headers (CORS, security headers) adds them to refusals too.
package struct Next: Sendable {
    private let run: @Sendable (HTTPRequest) async -> HTTPResponse

    package init(_ run: @escaping @Sendable (HTTPRequest) async -> HTTPResponse) { self.run = run }

    package func callAsFunction(_ request: HTTPRequest) async -> HTTPResponse { await run(request) }

    /// `handler` with what it throws turned into an answer.
    static func rendering(_ handler: @escaping HTTPHandler) -> Next {
        Next { request in
            do {
                return try await handler(request)
            } catch {
                return render(error, for: request)
            }
        }
    }

    /// `middleware` around `inner`, with what the middleware throws turned into an answer.
    static func wrapping(_ inner: Next, in middleware: any HTTPMiddleware) -> Next {
        rendering { try await middleware.respond(to: $0, next: inner) }
    }

    /// `middleware` (outermost first) around `inner`.
    static func chain(_ middleware: [any HTTPMiddleware], around inner: Next) -> Next {
        middleware.reversed().reduce(inner) { wrapping($0, in: $1) }
    }

    static func render(_ error: any Error, for request: HTTPRequest) -> HTTPResponse {
        if let known = error as? any HTTPResponseError { return known.response(to: request) }
        return .error(.internalServerError)
    }
}

/// Told about every answer, for metrics. Called on the connection's queue: keep it quick.
package protocol HTTPObserver: Sendable {
    /// `route` is the matched pattern, or `-` when the request could not be read.
    func requestCompleted(method: HTTPMethod?, route: String, status: HTTPStatus, duration: Duration)
}
