/// The request line and header fields, as the parser delivers them before any body byte.
public struct HTTPRequestHead: Sendable, Equatable {
    public var method: HTTPMethod
    /// The request-target exactly as sent.
    public var target: String
    /// The percent-encoded path of the target (`/` for `*` and authority targets).
    public var path: String
    /// The query without `?`, or nil when the target has none.
    public var query: String?
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    /// How the body is framed.
    public var framing: BodyFraming
    /// The client sent `Expect: 100-continue`.
    public var expectsContinue: Bool

    public init(method: HTTPMethod, target: String, path: String? = nil, query: String? = nil,
                version: HTTPVersion = .http1_1, headers: HTTPHeaders = HTTPHeaders(),
                framing: BodyFraming = .none, expectsContinue: Bool = false) {
        self.method = method
        self.target = target
        self.path = path ?? String(target.prefix { $0 != "?" })
        self.query = query
        self.version = version
        self.headers = headers
        self.framing = framing
        self.expectsContinue = expectsContinue
    }

    public enum BodyFraming: Sendable, Equatable {
        case none
        case length(Int)
        case chunked
    }

    /// HTTP/1.1 keeps the connection unless told `close`; HTTP/1.0 closes unless told `keep-alive`.
    public var keepAlive: Bool {
        let tokens = headers.tokens("Connection")
        if tokens.contains("close") { return false }
        if version == .http1_0 { return tokens.contains("keep-alive") }
        return true
    }
}

/// A complete request: head, body and (for chunked bodies) trailer fields.
public struct HTTPRequest: Sendable {
    public var head: HTTPRequestHead
    public var body: [UInt8]
    public var trailers: HTTPHeaders
    /// The numeric address of the peer, e.g. `127.0.0.1`.
    public var remoteAddress: String
    /// Values of `{name}` segments of the matched route.
    public var parameters: [String: String] = [:]

    public init(head: HTTPRequestHead, body: [UInt8] = [], trailers: HTTPHeaders = HTTPHeaders(), remoteAddress: String = "") {
        self.head = head
        self.body = body
        self.trailers = trailers
        self.remoteAddress = remoteAddress
    }

    public var method: HTTPMethod { head.method }
    public var path: String { head.path }
    public var headers: HTTPHeaders { head.headers }

    /// Decoded query parameters; the first of repeated names wins.
    public var queryItems: [String: String] {
        guard let query = head.query else { return [:] }
        return FormURLEncoding.decode(query)
    }
}
