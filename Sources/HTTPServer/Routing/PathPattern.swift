/// A route path such as `/forms/{id}`: literal segments and named parameters that match one segment each.
package struct PathPattern: Sendable, Equatable, CustomStringConvertible {
    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    let segments: [Segment]
    package let description: String

    package init(_ pattern: String) {
        description = pattern
        segments = pattern.split(separator: "/", omittingEmptySubsequences: true).map { part in
            if part.hasPrefix("{") && part.hasSuffix("}") && part.count > 2 {
                return .parameter(String(part.dropFirst().dropLast()))
            }
            return .literal(String(part))
        }
    }

    /// The parameters when `segments` (already percent-decoded) match, else nil.
    func match(_ pathSegments: [String]) -> [String: String]? {
        guard pathSegments.count == segments.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, value) in zip(segments, pathSegments) {
            switch segment {
            case .literal(let literal): if literal != value { return nil }
            case .parameter(let name): parameters[name] = value
            }
        }
        return parameters
    }

    /// Splits a percent-encoded path into decoded segments; nil when an escape is broken, or when a segment
    /// decodes to a slash or NUL (those could smuggle a different path past a route).
    static func segments(of path: String) -> [String]? {
        var result: [String] = []
        for raw in path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            // Most segments have no escape: take them as they are (request targets are ASCII).
            guard raw.contains(UInt8(ascii: "%")) else {
                result.append(String(decoding: raw, as: UTF8.self))
                continue
            }
            guard let decoded = FormURLEncoding.percentDecode(Substring(raw)),
                !decoded.utf8.contains(UInt8(ascii: "/")), !decoded.utf8.contains(0)
            else { return nil }
            result.append(decoded)
        }
        return result
    }
}
