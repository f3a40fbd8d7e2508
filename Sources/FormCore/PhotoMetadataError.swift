/// Why a photo could not be walked to take its location and device data out, from any of the photo metadata
/// strippers. `description` reads "not a readable PNG: <reason>" (JPEG, WebP, HEIC alike); the reason names what was
/// found where, in plain words, for logs and tests. The visitor is told only that the file is not a readable image.
package struct PhotoMetadataError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The kind the file claimed to be by its first bytes.
    package let type: AttachmentType
    package let reason: String

    package init(_ type: AttachmentType, _ reason: String) {
        self.type = type
        self.reason = reason
    }

    package var description: String { "not a readable \(type.displayName): " + reason }
}

/// Big-endian and little-endian integers and four-character codes from bytes, for the strippers' messages and
/// headers. Callers check the bounds.
enum ByteFields {
    static func bigEndian(_ bytes: some Collection<UInt8>) -> UInt64 {
        bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    static func littleEndian(_ bytes: some Collection<UInt8>) -> UInt64 {
        bytes.reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// A four-character code as text, printable ASCII kept and anything else as "?", so a message never carries
    /// control characters from a visitor's file.
    static func fourCC(_ bytes: some Collection<UInt8>) -> String {
        String(decoding: bytes.map { (0x20...0x7E).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }
}
