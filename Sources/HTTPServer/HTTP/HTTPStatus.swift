/// A response status code with its reason phrase.
package struct HTTPStatus: Sendable, Equatable, Hashable, CustomStringConvertible {
    package let code: Int
    package let reason: String

    package init(_ code: Int, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    package var description: String { "\(code) \(reason)" }

    /// 1xx, 204 and 304 never carry a body (RFC 9110 §6.4.1).
    package var allowsBody: Bool { !(100..<200).contains(code) && code != 204 && code != 304 }

    package static let `continue` = HTTPStatus(100, "Continue")
    package static let ok = HTTPStatus(200, "OK")
    package static let created = HTTPStatus(201, "Created")
    package static let accepted = HTTPStatus(202, "Accepted")
    package static let noContent = HTTPStatus(204, "No Content")
    package static let movedPermanently = HTTPStatus(301, "Moved Permanently")
    package static let found = HTTPStatus(302, "Found")
    package static let seeOther = HTTPStatus(303, "See Other")
    package static let notModified = HTTPStatus(304, "Not Modified")
    package static let badRequest = HTTPStatus(400, "Bad Request")
    package static let unauthorized = HTTPStatus(401, "Unauthorized")
    package static let forbidden = HTTPStatus(403, "Forbidden")
    package static let notFound = HTTPStatus(404, "Not Found")
    package static let methodNotAllowed = HTTPStatus(405, "Method Not Allowed")
    package static let requestTimeout = HTTPStatus(408, "Request Timeout")
    package static let contentTooLarge = HTTPStatus(413, "Content Too Large")
    package static let uriTooLong = HTTPStatus(414, "URI Too Long")
    package static let unsupportedMediaType = HTTPStatus(415, "Unsupported Media Type")
    package static let expectationFailed = HTTPStatus(417, "Expectation Failed")
    package static let unprocessableContent = HTTPStatus(422, "Unprocessable Content")
    package static let tooManyRequests = HTTPStatus(429, "Too Many Requests")
    package static let headerFieldsTooLarge = HTTPStatus(431, "Request Header Fields Too Large")
    package static let internalServerError = HTTPStatus(500, "Internal Server Error")
    package static let notImplemented = HTTPStatus(501, "Not Implemented")
    package static let badGateway = HTTPStatus(502, "Bad Gateway")
    package static let serviceUnavailable = HTTPStatus(503, "Service Unavailable")
    package static let versionNotSupported = HTTPStatus(505, "HTTP Version Not Supported")
}
