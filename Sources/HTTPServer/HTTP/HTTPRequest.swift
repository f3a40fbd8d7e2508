/// The request line and header fields, as the parser delivers them before any body byte.
package struct HTTPRequestHead: Sendable, Equatable {
    package var method: HTTPMethod
    /// The request-target exactly as sent.
    package var target: String
    /// The percent-encoded path of the target (`/` for `*` and authority targets).
    package var path: String
    /// The query without `?`, or nil when the target has none.
    package var query: String?
    package var version: HTTPVersion
    package var headers: HTTPHeaders
    /// How the body is framed.
    package var framing: BodyFraming
    /// The client sent `Expect: 100-continue`.
    package var expectsContinue: Bool

    package init(
        method: HTTPMethod, target: String, path: String? = nil, query: String? = nil,
        version: HTTPVersion = .http1_1, headers: HTTPHeaders = HTTPHeaders(),
        framing: BodyFraming = .none, expectsContinue: Bool = false
    ) {
        self.method = method
        self.target = target
        self.path = path ?? String(target.prefix { $0 != "?" })
        self.query = query
        self.version = version
        self.headers = headers
        self.framing = framing
        self.expectsContinue = expectsContinue
    }

    package enum BodyFraming: Sendable, Equatable {
        case none
        case length(Int)
        case chunked
    }

    /// HTTP/1.1 keeps the connection unless told `close`; HTTP/1.0 closes unless told `keep-alive`.
    package var keepAlive: Bool {
        let tokens = headers.tokens("Connection")
        if tokens.contains("close") { return false }
        if version == .http1_0 { return tokens.contains("keep-alive") }
        return true
    }
}

/// A complete request: head, body and (for chunked bodies) trailer fields.
package struct HTTPRequest: Sendable {
    package var head: HTTPRequestHead
    /// In memory, or in a spool file for a body past the server's spool threshold; `body.bytes` for small routes.
    package var body: RequestBody
    package var trailers: HTTPHeaders
    /// The numeric address of the peer, e.g. `127.0.0.1`.
    package var remoteAddress: String
    /// Values of `{name}` segments of the matched route.
    package var parameters: [String: String] = [:]

    package init(
        head: HTTPRequestHead, body: RequestBody = RequestBody(), trailers: HTTPHeaders = HTTPHeaders(),
        remoteAddress: String = ""
    ) {
        self.head = head
        self.body = body
        self.trailers = trailers
        self.remoteAddress = remoteAddress
    }

    package var method: HTTPMethod { head.method }
    package var path: String { head.path }
    package var headers: HTTPHeaders { head.headers }

    /// Decoded query parameters; the first of repeated names wins.
    package var queryItems: [String: String] {
        guard let query = head.query else { return [:] }
        return FormURLEncoding.decode(query)
    }
}
