/// Turns a response into bytes, adding the framing headers the connection owns.
enum ResponseEncoder {
    /// Headers only the connection may set; an application's values for them are dropped.
    private static let framingHeaders: Set<String> = ["content-length", "transfer-encoding", "connection", "date"]

    static func encode(_ response: HTTPResponse, includeBody: Bool, keepAlive: Bool, version: HTTPVersion) -> [UInt8] {
        let sendBody = includeBody && response.status.allowsBody
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256 + response.headers.count * 48 + (sendBody ? response.body.count : 0))
        func line(_ parts: String...) {
            for part in parts { bytes.append(contentsOf: part.utf8) }
            bytes.append(contentsOf: crlf)
        }
        line("HTTP/1.1 ", String(response.status.code), " ", response.status.reason)
        line("Date: ", HTTPDate.now())
        for field in response.headers where isSafe(field) {
            line(field.name, ": ", field.value)
        }
        if response.status.allowsBody {
            line("Content-Length: ", String(response.body.count))
        }
        if !keepAlive {
            line("Connection: close")
        } else if version == .http1_0 {
            line("Connection: keep-alive")
        }
        bytes.append(contentsOf: crlf)
        if sendBody {
            bytes.append(contentsOf: response.body)
        }
        return bytes
    }

    private static let crlf: [UInt8] = [13, 10]

    static let continueResponse = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// A header the application set is written only if it cannot break the framing: a token name and a
    /// value without CR, LF or NUL (response splitting).
    private static func isSafe(_ field: HTTPHeaders.Field) -> Bool {
        !framingHeaders.contains(field.key)
            && HTTPSyntax.isToken(field.name.utf8)
            && field.value.utf8.allSatisfy { HTTPSyntax.fieldValueTable[Int($0)] }
    }
}
