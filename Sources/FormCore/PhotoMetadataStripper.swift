/// Takes location and device data out of a visitor's photo of any kind the form takes, as a stream: the one entry
/// point the app feeds a photo through before it stores it. It picks the stripper for the kind the file's first
/// bytes named (`AttachmentType.sniff`) and answers with its output bytes and its errors, as one error type:
///
/// - JPEG: `JPEGMetadataStripper` (Exif, XMP, IPTC, comments and other application segments dropped; the
///   orientation kept in a minimal Exif block).
/// - PNG: `PNGMetadataStripper` (eXIf, text chunks, tIME and the like dropped).
/// - WebP: `WebPMetadataStripper` (EXIF, XMP and C2PA chunks blanked in place).
/// - HEIC: `HEICMetadataBlanker` (Exif, XMP and C2PA items written as zeros in place, JPEG items' application
///   segments too; top-level boxes besides ftyp, meta and mdat become free boxes of zeros).
///
/// PDFs have no stripper (`init(for:)` answers nil): they are stored as sent. Every stripper holds a bounded amount
/// (a marker segment, a chunk header, a HEIC's `meta` box) and gives the same output for any split of the input.
package struct PhotoMetadataStripper: Sendable {
    private enum Stripper: Sendable {
        case jpeg(JPEGMetadataStripper)
        case png(PNGMetadataStripper)
        case webp(WebPMetadataStripper)
        case heic(HEICMetadataBlanker)
        /// While one is taken out to be fed, so its buffers are not copied.
        case moved
    }

    private var stripper: Stripper
    package let type: AttachmentType

    /// The stripper for a photo of `type`; nil for a kind that is not a photo (PDF).
    package init?(for type: AttachmentType) {
        switch type {
        case .jpeg: stripper = .jpeg(JPEGMetadataStripper())
        case .png: stripper = .png(PNGMetadataStripper())
        case .webp: stripper = .webp(WebPMetadataStripper())
        case .heic: stripper = .heic(HEICMetadataBlanker())
        case .pdf: return nil
        }
        self.type = type
    }

    /// The output for the next piece of input: possibly less than was fed, the rest follows.
    package mutating func feed(_ chunk: ArraySlice<UInt8>) throws(PhotoMetadataError) -> [UInt8] {
        let taken = stripper
        stripper = .moved
        switch taken {
        case .jpeg(var jpeg):
            defer { stripper = .jpeg(jpeg) }
            do throws(JPEGError) {
                return try jpeg.feed(chunk)
            } catch {
                throw PhotoMetadataError(.jpeg, error.reason)
            }
        case .png(var png):
            defer { stripper = .png(png) }
            return try png.feed(chunk)
        case .webp(var webp):
            defer { stripper = .webp(webp) }
            return try webp.feed(chunk)
        case .heic(var heic):
            defer { stripper = .heic(heic) }
            return try heic.feed(chunk)
        case .moved:
            return []
        }
    }

    package mutating func feed(_ chunk: [UInt8]) throws(PhotoMetadataError) -> [UInt8] {
        try feed(chunk[...])
    }

    /// The input has ended: throws if the file was cut short or is not what its first bytes said.
    package mutating func finish() throws(PhotoMetadataError) {
        switch stripper {
        case .jpeg(var jpeg):
            do throws(JPEGError) {
                try jpeg.finish()
            } catch {
                throw PhotoMetadataError(.jpeg, error.reason)
            }
        case .png(var png): try png.finish()
        case .webp(var webp): try webp.finish()
        case .heic(var heic): try heic.finish()
        case .moved: break
        }
    }

    /// A whole file at once; a PDF comes back as it is.
    package static func strip(_ bytes: [UInt8], as type: AttachmentType) throws(PhotoMetadataError) -> [UInt8] {
        guard var stripper = PhotoMetadataStripper(for: type) else { return bytes }
        let out = try stripper.feed(bytes)
        try stripper.finish()
        return out
    }
}
