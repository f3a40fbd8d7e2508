/// A request method. Any token parses; only the methods of RFC 9110 and PATCH are implemented.
package struct HTTPMethod: Sendable, Hashable, CustomStringConvertible {
    package let rawValue: String

    package init(_ rawValue: String) { self.rawValue = rawValue }

    package var description: String { rawValue }

    package static let get = HTTPMethod("GET")
    package static let head = HTTPMethod("HEAD")
    package static let post = HTTPMethod("POST")
    package static let put = HTTPMethod("PUT")
    package static let delete = HTTPMethod("DELETE")
    package static let options = HTTPMethod("OPTIONS")
    package static let patch = HTTPMethod("PATCH")
    package static let trace = HTTPMethod("TRACE")
    package static let connect = HTTPMethod("CONNECT")

    /// Methods are case-sensitive (RFC 9110 §9.1): `get` is an unknown method.
    package static let known: Set<HTTPMethod> = [.get, .head, .post, .put, .delete, .options, .patch, .trace, .connect]
}

package struct HTTPVersion: Sendable, Hashable, CustomStringConvertible {
    package let major: Int
    package let minor: Int

    package init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    package static let http1_0 = HTTPVersion(major: 1, minor: 0)
    package static let http1_1 = HTTPVersion(major: 1, minor: 1)

    package var description: String { "HTTP/\(major).\(minor)" }
}
