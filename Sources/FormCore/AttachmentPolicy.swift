/// What a form accepts as files (`forms.ID.attachments`): how many, how large, which kinds, and how large the
/// browser may leave a photo before it scales it down. A form without a policy takes no files.
package struct AttachmentPolicy: Sendable, Equatable {
    /// The name of the file input, in the page and in multipart bodies.
    package static let fieldName = "attachments"
    /// What a submission's text fields and multipart framing may take beside its files.
    package static let textAllowance = 1024 * 1024

    package var maxFiles: Int
    package var maxFileBytes: Int
    /// In the order the config names them; the page's `accept` and hint follow it.
    package var types: [AttachmentType]
    /// The page's script scales larger photos down to this many pixels on their longer side (JPEG) before sending.
    package var resizeMaxPixels: Int?

    package init(
        maxFiles: Int = 5, maxFileBytes: Int = 10 * 1024 * 1024, types: [AttachmentType] = AttachmentType.allCases,
        resizeMaxPixels: Int? = nil
    ) {
        self.maxFiles = maxFiles
        self.maxFileBytes = maxFileBytes
        self.types = types
        self.resizeMaxPixels = resizeMaxPixels
    }

    /// The largest body a submission with files may have; a larger one is refused before it is read.
    package var bodyLimit: Int { maxFiles * maxFileBytes + Self.textAllowance }

    /// Whole megabytes, as the config gives the size and the page tells it.
    package var maxFileMegabytes: Int { maxFileBytes / (1024 * 1024) }

    /// What is wrong with the files as sent (one sentence per file, naming it), in the visitor's language; empty
    /// when all may be taken. The kind is decided by each file's first bytes alone.
    package func problems(_ files: [MultipartFormReader.FilePart], language: Language) -> [String] {
        let texts = AttachmentTexts.forLanguage(language)
        var problems: [String] = []
        for (index, file) in files.enumerated() {
            let name = file.filename
            if index >= maxFiles {
                problems.append(texts.tooMany(name: name, max: maxFiles))
            } else if let type = AttachmentType.sniff(file.prefix), types.contains(type) {
                if file.size > maxFileBytes { problems.append(texts.tooLarge(name: name, megabytes: maxFileMegabytes)) }
            } else {
                problems.append(texts.wrongType(name: name, allowed: typeList))
            }
        }
        return problems
    }

    /// "JPEG, PNG, PDF".
    package var typeList: String {
        types.map(\.displayName).joined(separator: ", ")
    }

    /// The file input's `accept`: media types, plus `.heic` since some browsers know no media type for it.
    package var accept: String {
        var accepted = types.map(\.mimeType)
        if types.contains(.heic) { accepted.append(".heic") }
        return accepted.joined(separator: ",")
    }
}
