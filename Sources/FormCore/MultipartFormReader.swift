/// The first pass over a `multipart/form-data` submission that may carry files: every text field in full, and of
/// each file part only what deciding about it takes (its field, the visitor's name for it, its size and first
/// bytes). A body of many megabytes is read with memory for its text alone; the files are written in a second pass,
/// once the submission has passed every check. Pure: the caller feeds the body in pieces.
package struct MultipartFormReader: Sendable {
    package struct FilePart: Sendable, Equatable {
        package var field: String
        /// The visitor's name for the file (never a path to use); `datei` when the client sent none.
        package var filename: String
        package var size: Int
        /// The first `AttachmentType.sniffLength` bytes (all of a smaller file).
        package var prefix: [UInt8]

        package init(field: String, filename: String, size: Int, prefix: [UInt8]) {
            self.field = field
            self.filename = filename
            self.size = size
            self.prefix = prefix
        }
    }

    /// A text field longer than this is refused by default: text is held in memory, and no field of a form comes
    /// near it.
    package static let defaultMaxTextFieldBytes = 64 * 1024

    private let maxTextFieldBytes: Int
    private let maxTextBytes: Int
    /// Bytes of text fields so far, all parts together.
    private var textBytes = 0
    private var parser: MultipartStreamParser
    private var text: (head: MultipartPartHead, bytes: [UInt8])?
    private var file: FilePart?
    /// Text fields by name; of repeated names the first wins.
    package var fields: [String: String] { lists.compactMapValues(\.first) }
    /// Every value of each text field, in body order (checkboxes of one name send several).
    package private(set) var lists: [String: [String]] = [:]
    /// File parts in body order; a file input left empty (no name, no bytes) is not one.
    package private(set) var files: [FilePart] = []

    /// `boundary` is the Content-Type parameter, already unquoted. `maxTextBytes` bounds all text fields together:
    /// the files are what may make a multipart body large, never its text.
    package init(
        boundary: String?, maxTextFieldBytes: Int = MultipartFormReader.defaultMaxTextFieldBytes,
        maxTextBytes: Int = .max
    ) throws(DecodeError) {
        parser = try MultipartStreamParser(boundary: boundary)
        self.maxTextFieldBytes = maxTextFieldBytes
        self.maxTextBytes = maxTextBytes
    }

    package mutating func feed(_ chunk: ArraySlice<UInt8>) throws(DecodeError) {
        for event in try parser.feed(chunk) {
            switch event {
            case .partStart(let head):
                if let filename = head.filename {
                    file = FilePart(field: head.name, filename: filename, size: 0, prefix: [])
                } else {
                    text = (head, [])
                }
            case .partData(let bytes):
                if var part = file {
                    file = nil // releases the prefix's storage, so the append does not copy
                    let wanted = AttachmentType.sniffLength - part.prefix.count
                    if wanted > 0 { part.prefix += bytes.prefix(wanted) }
                    part.size += bytes.count
                    file = part
                } else if var part = text {
                    text = nil
                    guard part.bytes.count + bytes.count <= maxTextFieldBytes else {
                        throw .malformed(field: part.head.name, "longer than \(maxTextFieldBytes) bytes")
                    }
                    textBytes += bytes.count
                    guard textBytes <= maxTextBytes else { throw .textTooLarge(limit: maxTextBytes) }
                    part.bytes += bytes
                    text = part
                }
            case .partEnd:
                if let part = file {
                    if !(part.filename.isEmpty && part.size == 0) {
                        var kept = part
                        if kept.filename.isEmpty { kept.filename = "datei" }
                        files.append(kept)
                    }
                } else if let part = text {
                    guard let value = String.fromValidUTF8(part.bytes) else {
                        throw .malformed(field: part.head.name, "invalid UTF-8")
                    }
                    lists[part.head.name, default: []].append(value)
                }
                file = nil
                text = nil
            case .end:
                break
            }
        }
    }

    package mutating func feed(_ chunk: [UInt8]) throws(DecodeError) {
        try feed(chunk[...])
    }

    /// The body ended: throws if it ended inside a part.
    package mutating func finish() throws(DecodeError) {
        try parser.finish()
    }
}
