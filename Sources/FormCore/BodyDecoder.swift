import WebText

/// Entry point for request bodies: picks the decoder by Content-Type.
package enum BodyDecoder: Sendable {
    package static func decode(_ body: [UInt8], contentType: String?) -> Result<[String: String], DecodeError> {
        guard let contentType, let media = MediaType(contentType) else {
            return .failure(.unsupportedMediaType(contentType))
        }
        if media.isJSON {
            guard media.isUTF8 else { return .failure(.unsupportedMediaType(contentType)) }
            return JSONBodyDecoder.decode(body)
        }
        switch media.essence {
        case "application/x-www-form-urlencoded":
            guard media.isUTF8 else { return .failure(.unsupportedMediaType(contentType)) }
            return URLEncodedDecoder.decode(body)
        case "multipart/form-data":
            return MultipartDecoder.decode(body, boundary: media.parameters["boundary"])
        default:
            return .failure(.unsupportedMediaType(contentType))
        }
    }
}
