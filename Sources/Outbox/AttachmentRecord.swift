/// A file that came with a lead, as the outbox keeps it; the bytes are in `AttachmentFiles` until the receiver has
/// them.
package struct AttachmentRecord: Sendable, Equatable {
    package enum Kind: String, Sendable, CaseIterable {
        /// A photo: attached as an image.
        case image
        /// A PDF: attached as a document.
        case document
    }

    package enum State: String, Sendable, CaseIterable {
        /// Waiting to be uploaded.
        case pending
        /// The receiver has the bytes (`uploadID`) but the file is not attached to the lead yet.
        case uploaded
        /// Attached to the lead at the receiver; the file is deleted from disk.
        case attached
        /// The receiver refused this file, or it could not be delivered in time; kept until retried or expired.
        case failed
    }

    /// 1, 2, … in the order the visitor sent the files; also the file's name on disk.
    package var number: Int
    /// The visitor's name for the file (personal data: erased with the lead's).
    package var filename: String?
    package var mediaType: String
    package var kind: Kind
    package var size: Int
    /// SHA-256 of the bytes as stored (after location data was removed), hex.
    package var sha256: String
    package var state: State
    /// The receiver's handle for the uploaded bytes, recorded before the file is attached.
    package var uploadID: String?
    /// The receiver's id of the attached file.
    package var externalID: Int?
    package var lastError: String?
    /// The bytes are gone from disk (sent, erased or expired).
    package var fileErased: Bool

    package init(
        number: Int, filename: String?, mediaType: String, kind: Kind, size: Int, sha256: String, state: State,
        uploadID: String?, externalID: Int?, lastError: String?, fileErased: Bool
    ) {
        self.number = number
        self.filename = filename
        self.mediaType = mediaType
        self.kind = kind
        self.size = size
        self.sha256 = sha256
        self.state = state
        self.uploadID = uploadID
        self.externalID = externalID
        self.lastError = lastError
        self.fileErased = fileErased
    }
}

/// A file to store with a new lead: written and synced in `StagedAttachments` already.
package struct NewAttachment: Sendable, Equatable {
    package var number: Int
    package var filename: String
    package var mediaType: String
    package var kind: AttachmentRecord.Kind
    package var size: Int
    package var sha256: String

    package init(
        number: Int, filename: String, mediaType: String, kind: AttachmentRecord.Kind, size: Int, sha256: String
    ) {
        self.number = number
        self.filename = filename
        self.mediaType = mediaType
        self.kind = kind
        self.size = size
        self.sha256 = sha256
    }
}

/// Where a delivered lead's files go at the receiver (HERO: the project_match), looked up once per lead.
package struct AttachmentTarget: Sendable, Equatable {
    package var id: Int
    /// What the office calls it (HERO: the project number), if the receiver said.
    package var label: String?

    package init(id: Int, label: String?) {
        self.id = id
        self.label = label
    }
}

/// How far a lead's files have got, for lists and health checks.
package struct AttachmentSummary: Sendable, Equatable {
    package var total = 0
    package var attached = 0
    package var failed = 0

    package init(total: Int = 0, attached: Int = 0, failed: Int = 0) {
        self.total = total
        self.attached = attached
        self.failed = failed
    }

    package init(_ files: [AttachmentRecord]) {
        total = files.count
        attached = files.filter { $0.state == .attached }.count
        failed = files.filter { $0.state == .failed }.count
    }

    /// `3/3`, or `2/3 (1 failed)`; empty without files.
    package var text: String {
        guard total > 0 else { return "" }
        return failed > 0 ? "\(attached)/\(total) (\(failed) failed)" : "\(attached)/\(total)"
    }
}
