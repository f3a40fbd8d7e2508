/// One part of a `multipart/form-data` body read whole: a text field or a file, with its bytes.
package struct MultipartPart: Equatable, Sendable {
    package var name: String
    /// Present for a file part, possibly empty (a file input left empty); client-chosen, never a path to use.
    package var filename: String?
    /// As the client declared it; the content decides what a file is.
    package var contentType: String?
    package var bytes: [UInt8]

    package init(name: String, filename: String? = nil, contentType: String? = nil, bytes: [UInt8]) {
        self.name = name
        self.filename = filename
        self.contentType = contentType
        self.bytes = bytes
    }

    package var isFile: Bool { filename != nil }
}

/// Decodes whole `multipart/form-data` bodies held in memory, on top of `MultipartStreamParser`: the text fields of
/// a form submission, or every part with its bytes.
package enum MultipartDecoder: Sendable {
    package static let maxParts = MultipartStreamParser.Limits().maxParts
    package static let maxBoundaryLength = MultipartStreamParser.maxBoundaryLength

    /// The text fields; file parts are skipped. `boundary` is the Content-Type parameter, already unquoted.
    /// Duplicate names: the first wins.
    package static func decode(_ body: [UInt8], boundary: String?) -> Result<[String: String], DecodeError> {
        decodeAll(body, boundary: boundary).map { $0.compactMapValues(\.first) }
    }

    /// Every value of each text field, in body order.
    package static func decodeAll(_ body: [UInt8], boundary: String?) -> Result<[String: [String]], DecodeError> {
        do throws(DecodeError) {
            // The whole body is in memory already: its length bounds every field.
            var reader = try MultipartFormReader(boundary: boundary, maxTextFieldBytes: body.count)
            try reader.feed(body)
            try reader.finish()
            return .success(reader.lists)
        } catch {
            return .failure(error)
        }
    }

    /// Every part in order, files included, with its bytes (duplicates kept).
    package static func parts(_ body: [UInt8], boundary: String?) -> Result<[MultipartPart], DecodeError> {
        var parts: [MultipartPart] = []
        do throws(DecodeError) {
            var parser = try MultipartStreamParser(boundary: boundary)
            for event in try parser.feed(body) {
                switch event {
                case .partStart(let head):
                    parts.append(
                        MultipartPart(
                            name: head.name, filename: head.filename, contentType: head.contentType, bytes: []))
                case .partData(let bytes):
                    guard !parts.isEmpty else { continue } // data always follows a part's start
                    parts[parts.count - 1].bytes += bytes
                case .partEnd, .end:
                    break
                }
            }
            try parser.finish()
        } catch {
            return .failure(error)
        }
        return .success(parts)
    }
}
