/// Why a request got no usable answer. Descriptions name the cause for an operator and never contain what was sent.
package enum HTTPClientError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The request cannot be sent as given (URL, scheme, a header with a line break): a bug or a config mistake.
    case invalidRequest(String)
    case cannotResolve(host: String, reason: String)
    case cannotConnect(String)
    /// The TLS handshake failed: an untrusted or expired certificate, a wrong host name, no common protocol.
    case tls(String)
    case timedOut
    /// The peer closed the connection (or reset it) before a whole answer came.
    case connectionClosed
    case malformedResponse(String)
    case responseTooLarge
    /// A file of the request's body could not be opened or read, or changed while it was sent. Raised before the
    /// request's last byte left: the server never got a whole request.
    case bodyUnreadable(String)
    /// Every connection thread is busy and `maxWaitingRequests` already wait: nothing was sent.
    case overloaded

    package var description: String {
        switch self {
        case .invalidRequest(let reason): return "invalid request: \(reason)"
        case .cannotResolve(let host, let reason): return "cannot resolve \(host): \(reason)"
        case .cannotConnect(let reason): return "cannot connect: \(reason)"
        case .tls(let reason): return "TLS failed: \(reason)"
        case .timedOut: return "timed out"
        case .connectionClosed: return "connection closed before the answer was complete"
        case .malformedResponse(let reason): return "malformed answer: \(reason)"
        case .responseTooLarge: return "answer too large"
        case .bodyUnreadable(let reason): return "cannot send the body's file: \(reason)"
        case .overloaded: return "too many requests waiting for a connection; not sent"
        }
    }
}
