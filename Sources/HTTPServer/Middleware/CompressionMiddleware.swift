import WebText

/// Compresses text answers with gzip when the client accepts it (RFC 9110 §12.5.3), and says so in
/// `Vary: Accept-Encoding` so caches keep the variants apart. Strong ETags get a `-gz` suffix for the gzip
/// variant, since its bytes differ.
package struct CompressionMiddleware: HTTPMiddleware {
    /// Smaller bodies are not worth it: the gzip frame alone is 20 bytes.
    package var minimumSize: Int

    package init(minimumSize: Int = 1024) {
        self.minimumSize = minimumSize
    }

    private static let vary = HTTPHeaders.Field(name: "Vary", value: "Accept-Encoding")

    package func respond(to request: HTTPRequest, next: Next) async -> HTTPResponse {
        compressed(await next(request), for: request)
    }

    func compressed(_ answer: HTTPResponse, for request: HTTPRequest) -> HTTPResponse {
        var response = answer
        guard let type = response.headers["Content-Type"], MediaTypes.isText(type),
            response.headers["Content-Encoding"] == nil
        else { return response }
        response.headers.add(Self.vary)
        guard response.status.allowsBody, response.body.count >= minimumSize,
            Self.acceptsGzip(request.headers.values("Accept-Encoding")),
            let compressed = Gzip.compress(response.body), compressed.count < response.body.count
        else { return response }
        response.body = compressed
        response.headers.set("Content-Encoding", "gzip")
        if let etag = response.headers["ETag"], etag.hasSuffix("\""), !etag.hasPrefix("W/") {
            response.headers.set("ETag", String(etag.dropLast()) + Self.etagSuffix + "\"")
        }
        return response
    }

    static let etagSuffix = "-gz"

    /// gzip (or `*`) listed with a q-value above 0.
    static func acceptsGzip(_ fields: [String]) -> Bool {
        var gzip: Double?
        var any: Double?
        for element in fields.flatMap({ $0.split(separator: ",") }) {
            let parts = element.split(separator: ";").map { $0.trimmingWhitespace().lowercased() }
            guard let coding = parts.first else { continue }
            let q = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            if coding == "gzip" || coding == "x-gzip" { gzip = q } else if coding == "*" { any = q }
        }
        return (gzip ?? any ?? 0) > 0
    }
}
