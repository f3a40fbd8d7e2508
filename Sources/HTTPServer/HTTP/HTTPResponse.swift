package import FoundationEssentials
import Glibc

/// A response the application builds; the connection adds the framing headers
/// (`Content-Length`, `Connection`, `Date`).
package struct HTTPResponse: Sendable {
    package var status: HTTPStatus
    package var headers: HTTPHeaders
    package var body: [UInt8]
    /// The route pattern that produced this answer (`/forms/{id}`), for metrics; never sent.
    package var route: String?

    package init(status: HTTPStatus, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    package static func text(_ text: String, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "text/plain; charset=utf-8"], body: Array(text.utf8))
    }

    package static func html(_ html: String, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "text/html; charset=utf-8"], body: Array(html.utf8))
    }

    package static func json(_ data: Data, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "application/json; charset=utf-8"], body: Array(data))
    }

    /// `Location` is taken as given: callers pass only targets they chose, never ones from the request.
    package static func redirect(to location: String, status: HTTPStatus = .seeOther) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Location": location])
    }

    /// A short plain-text error answer; `detail` is for people and must not echo request data.
    package static func error(_ status: HTTPStatus, _ detail: String? = nil) -> HTTPResponse {
        .text("\(status.code) \(status.reason)" + (detail.map { ": \($0)" } ?? "") + "\n", status: status)
    }
}
