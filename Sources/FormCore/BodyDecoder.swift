import WebText

/// Entry point for request bodies: picks the decoder by Content-Type.
package enum BodyDecoder: Sendable {
    /// One value per name (of repeated names the first; a JSON list is refused).
    package static func decode(_ body: [UInt8], contentType: String?) -> Result<[String: String], DecodeError> {
        decode(body, contentType: contentType, lists: false).map { $0.compactMapValues(\.first) }
    }

    /// Every value of each name: repeated names of a form body, and JSON lists of strings, numbers or booleans
    /// (what a `checkboxes` question sends).
    package static func decodeAll(_ body: [UInt8], contentType: String?) -> Result<[String: [String]], DecodeError> {
        decode(body, contentType: contentType, lists: true)
    }

    private static func decode(
        _ body: [UInt8], contentType: String?, lists: Bool
    ) -> Result<[String: [String]], DecodeError> {
        guard let contentType, let media = MediaType(contentType) else {
            return .failure(.unsupportedMediaType(contentType))
        }
        if media.isJSON {
            guard media.isUTF8 else { return .failure(.unsupportedMediaType(contentType)) }
            return JSONBodyDecoder.decode(body, lists: lists)
        }
        switch media.essence {
        case "application/x-www-form-urlencoded":
            guard media.isUTF8 else { return .failure(.unsupportedMediaType(contentType)) }
            return URLEncodedDecoder.decodeAll(body)
        case "multipart/form-data":
            return MultipartDecoder.decodeAll(body, boundary: media.parameters["boundary"])
        default:
            return .failure(.unsupportedMediaType(contentType))
        }
    }
}
