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

    static func bigEndianBytes(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
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

/// CRC-32 as PNG (and zlib) computes it, for the one chunk a stripper writes itself. FormCore links no C library,
/// and the chunk is 38 bytes: a table-free loop is enough.
enum CRC32 {
    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? crc >> 1 ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
