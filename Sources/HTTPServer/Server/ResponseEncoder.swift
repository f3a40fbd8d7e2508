/// Turns a response into bytes, adding the framing headers the connection owns.
enum ResponseEncoder {
    /// Headers only the connection may set; an application's values for them are dropped.
    private static let framingHeaders: Set<String> = ["content-length", "transfer-encoding", "connection", "date"]

    static func encode(_ response: HTTPResponse, includeBody: Bool, keepAlive: Bool, version: HTTPVersion) -> [UInt8] {
        var head = "HTTP/1.1 \(response.status.code) \(response.status.reason)\r\n"
        head += "Date: \(HTTPDate.now())\r\n"
        for field in response.headers where isSafe(field) {
            head += "\(field.name): \(field.value)\r\n"
        }
        if response.status.allowsBody {
            head += "Content-Length: \(response.body.count)\r\n"
        }
        if !keepAlive {
            head += "Connection: close\r\n"
        } else if version == .http1_0 {
            head += "Connection: keep-alive\r\n"
        }
        head += "\r\n"
        var bytes = Array(head.utf8)
        if includeBody && response.status.allowsBody {
            bytes.append(contentsOf: response.body)
        }
        return bytes
    }

    static let continueResponse = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// A header the application set is written only if it cannot break the framing: a token name and a
    /// value without CR, LF or NUL (response splitting).
    private static func isSafe(_ field: HTTPHeaders.Field) -> Bool {
        !framingHeaders.contains(field.key)
            && HTTPSyntax.isToken(field.name.utf8)
            && field.value.utf8.allSatisfy { HTTPSyntax.fieldValueTable[Int($0)] }
    }
}
