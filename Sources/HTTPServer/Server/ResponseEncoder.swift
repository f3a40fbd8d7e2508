/// Turns a response into bytes, adding the framing headers the connection owns.
package enum ResponseEncoder {

    /// The head (status line, headers, blank line) and the body to send after it, kept apart so the body — often a
    /// cached page — is not copied.
    package static func encode(
        _ response: HTTPResponse, includeBody: Bool, keepAlive: Bool,
        version: HTTPVersion
    ) -> (head: [UInt8], body: [UInt8]) {
        let sendBody = includeBody && response.status.allowsBody
        var head: [UInt8] = []
        head.reserveCapacity(256 + response.headers.count * 64)
        head.append(contentsOf: "HTTP/1.1 ".utf8)
        head.append(contentsOf: String(response.status.code).utf8)
        head.append(0x20)
        head.append(contentsOf: response.status.reason.utf8)
        head.append(contentsOf: crlf)
        head.append(contentsOf: "Date: ".utf8)
        head.append(contentsOf: HTTPDate.now().utf8)
        head.append(contentsOf: crlf)
        for field in response.headers where isSafe(field) {
            head.append(contentsOf: field.name.utf8)
            head.append(contentsOf: ": ".utf8)
            head.append(contentsOf: field.value.utf8)
            head.append(contentsOf: crlf)
        }
        if response.status.allowsBody {
            head.append(contentsOf: "Content-Length: ".utf8)
            head.append(contentsOf: String(response.body.count).utf8)
            head.append(contentsOf: crlf)
        }
        if !keepAlive {
            head.append(contentsOf: "Connection: close\r\n".utf8)
        } else if version == .http1_0 {
            head.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
        head.append(contentsOf: crlf)
        return (head, sendBody ? response.body : [])
    }

    /// Headers only the connection may set; an application's values for them are dropped.
    private static func isFraming(_ key: String) -> Bool {
        switch key {
        case "content-length", "transfer-encoding", "connection", "date": true
        default: false
        }
    }

    private static let crlf: [UInt8] = [13, 10]

    static let continueResponse = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// A header the application set is written only if it cannot break the framing: a token name and a
    /// value without CR, LF or NUL (response splitting).
    private static func isSafe(_ field: HTTPHeaders.Field) -> Bool {
        field.isWritable && !isFraming(field.key)
    }
}
