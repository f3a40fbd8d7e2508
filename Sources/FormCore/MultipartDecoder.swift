import WebText

/// Decodes `multipart/form-data` bodies (RFC 7578 on top of RFC 2046 §5.1).
/// Text fields only: file parts are skipped, since heroform accepts no uploads.
package enum MultipartDecoder: Sendable {
    package static let maxParts = 100
    /// RFC 2046 limit; longer boundaries are a sign of a broken or hostile client.
    package static let maxBoundaryLength = 70

    static let crlf: [UInt8] = [0x0D, 0x0A]
    static let headerTerminator: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A]
    static let dashDash: [UInt8] = [0x2D, 0x2D]

    /// `boundary` is the Content-Type parameter, already unquoted. Duplicate names: the first wins.
    package static func decode(_ body: [UInt8], boundary: String?) -> Result<[String: String], DecodeError> {
        guard let boundary, !boundary.isEmpty else {
            return .failure(.malformed("multipart/form-data without a boundary parameter"))
        }
        guard boundary.utf8.count <= maxBoundaryLength else {
            return .failure(.malformed("multipart boundary longer than \(maxBoundaryLength) characters"))
        }
        guard isValidBoundary(boundary) else {
            return .failure(.malformed("multipart boundary contains characters RFC 2046 does not allow"))
        }
        let dashBoundary = dashDash + Array(boundary.utf8)
        let delimiter = crlf + dashBoundary

        // Anything before the first boundary is preamble and ignored.
        var position: Int
        if body.matches(dashBoundary, at: 0) && endsDelimiter(body, at: dashBoundary.count) {
            position = 0
        } else if let found = findDelimiter(delimiter, in: body, from: 0) {
            position = found + crlf.count
        } else {
            return .failure(.malformed("multipart body does not contain the boundary"))
        }

        var fields: [String: String] = [:]
        var partCount = 0
        while true {
            position += dashBoundary.count
            if body.matches(dashDash, at: position) {
                return .success(fields) // close delimiter; the epilogue is ignored
            }
            // RFC 2046 allows transport padding (linear whitespace) after a boundary.
            while position < body.count, body[position] == 0x20 || body[position] == 0x09 {
                position += 1
            }
            guard body.matches(crlf, at: position) else {
                return .failure(.malformed("multipart boundary is not followed by CRLF"))
            }
            position += crlf.count
            guard let end = findDelimiter(delimiter, in: body, from: position) else {
                return .failure(.malformed("multipart body is missing the final boundary"))
            }
            partCount += 1
            guard partCount <= maxParts else {
                return .failure(.malformed("multipart body has more than \(maxParts) parts"))
            }
            switch parsePart(body, from: position, to: end) {
            case .failure(let error):
                return .failure(error)
            case .success(let field?):
                if fields[field.name] == nil { fields[field.name] = field.value }
            case .success(nil):
                break // a file upload
            }
            position = end + crlf.count
        }
    }

    /// The next "CRLF--boundary" that really is a delimiter: a line like "--boundaryX" is content (RFC 2046 §5.1.1).
    static func findDelimiter(_ delimiter: [UInt8], in body: [UInt8], from start: Int) -> Int? {
        var from = start
        while let index = body.firstIndex(of: delimiter, from: from) {
            if endsDelimiter(body, at: index + delimiter.count) { return index }
            from = index + 1
        }
        return nil
    }

    /// Whether what follows a boundary makes it a delimiter: "--" (the last one) or optional padding and CRLF.
    static func endsDelimiter(_ body: [UInt8], at start: Int) -> Bool {
        if body.matches(dashDash, at: start) { return true }
        var index = start
        while index < body.count, body[index] == 0x20 || body[index] == 0x09 {
            index += 1
        }
        return body.matches(crlf, at: index)
    }

    /// The named text field in `body[start..<end]`, or nil for a file part.
    static func parsePart(_ body: [UInt8], from start: Int, to end: Int) -> Result<
        (name: String, value: String)?, DecodeError
    > {
        let headerEnd: Int
        let contentStart: Int
        if end - start >= crlf.count && body.matches(crlf, at: start) {
            headerEnd = start // no headers at all
            contentStart = start + crlf.count
        } else if let found = body.firstIndex(of: headerTerminator, from: start, before: end) {
            headerEnd = found
            contentStart = found + headerTerminator.count
        } else if start == end {
            headerEnd = start
            contentStart = start
        } else {
            return .failure(.malformed("multipart part headers are not terminated by an empty line"))
        }

        guard let headerText = String.fromValidUTF8(body[start..<headerEnd]) else {
            return .failure(.malformed("invalid UTF-8 in multipart part headers"))
        }
        var disposition: HeaderValue?
        for line in headerText.split(separator: "\r\n", omittingEmptySubsequences: true) {
            guard let colon = line.firstIndex(of: ":") else {
                return .failure(.malformed("malformed header line in a multipart part"))
            }
            let name = line[..<colon].trimmingWhitespace().lowercased()
            if name == "content-disposition" && disposition == nil {
                disposition = HeaderValue(String(line[line.index(after: colon)...]))
            }
        }
        guard let disposition, disposition.value.lowercased() == "form-data" else {
            return .failure(.malformed("multipart part without Content-Disposition: form-data"))
        }
        guard let name = disposition.parameters["name"], !name.isEmpty else {
            return .failure(.malformed("multipart part without a name"))
        }
        if disposition.parameters["filename"] != nil || disposition.parameters["filename*"] != nil {
            return .success(nil)
        }
        guard let value = String.fromValidUTF8(body[contentStart..<end]) else {
            return .failure(.malformed(field: name, "invalid UTF-8"))
        }
        return .success((name, value))
    }

    /// RFC 2046 `bchars`: digits, letters, `'()+_,-./:=?` and space, but not ending in a space.
    static func isValidBoundary(_ boundary: String) -> Bool {
        guard boundary.last != " " else { return false }
        return boundary.unicodeScalars.allSatisfy { scalar in
            ("0"..."9").contains(scalar) || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                || boundaryPunctuation.contains(scalar)
        }
    }

    private static let boundaryPunctuation = Set("'()+_,-./:=? ".unicodeScalars)
}
