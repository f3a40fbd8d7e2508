/// The kinds of file a visitor may attach, told apart by their first bytes only: a file's name and the type the
/// browser declared are the client's word, so a renamed program is refused whatever it is called.
package enum AttachmentType: String, CaseIterable, Sendable {
    case jpeg, png, webp, heic, pdf

    /// How many bytes from the start of a file `sniff` needs to decide every kind.
    package static let sniffLength = 64

    /// The kind whose signature `prefix` (a file's first bytes, ideally `sniffLength` of them) starts with, or nil.
    package static func sniff(_ prefix: some Collection<UInt8>) -> AttachmentType? {
        let bytes = Array(prefix.prefix(sniffLength))
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if bytes.count >= 12 && bytes.starts(with: Array("RIFF".utf8)) && bytes[8..<12].elementsEqual("WEBP".utf8) {
            return .webp
        }
        if bytes.starts(with: Array("%PDF-".utf8)) { return .pdf }
        if isHEIC(bytes) { return .heic }
        return nil
    }

    package var mimeType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .webp: "image/webp"
        case .heic: "image/heic"
        case .pdf: "application/pdf"
        }
    }

    package var isImage: Bool { self != .pdf }

    /// As people write it: "JPEG", "PNG", "WebP", "HEIC", "PDF".
    package var displayName: String { self == .webp ? "WebP" : rawValue.uppercased() }

    /// Without the dot.
    package var fileExtension: String {
        switch self {
        case .jpeg: "jpg"
        case .png: "png"
        case .webp: "webp"
        case .heic: "heic"
        case .pdf: "pdf"
        }
    }

    /// Brands of HEVC-coded HEIF images and sequences (ISO/IEC 23008-12). `mif1`/`msf1` say only "some HEIF", which
    /// AVIF files carry too, so they decide nothing by themselves.
    private static let heicBrands: Set<String> = ["heic", "heix", "hevc", "hevx", "heim", "heis", "hevm", "hevs"]
    private static let avifBrands: Set<String> = ["avif", "avis"]

    /// An ISO-BMFF file starting with an `ftyp` box whose major or compatible brands name HEVC, and whose major
    /// brand is not AVIF's.
    private static func isHEIC(_ bytes: [UInt8]) -> Bool {
        // size (4), "ftyp", major brand (4), minor version (4), compatible brands (4 each) to the box's end.
        guard bytes.count >= 16, bytes[4..<8].elementsEqual("ftyp".utf8) else { return false }
        let size = bytes[0..<4].reduce(0) { $0 << 8 | Int($1) }
        guard size >= 16, size % 4 == 0 else { return false }
        let major = brand(bytes, at: 8)
        guard !avifBrands.contains(major) else { return false }
        var brands = [major]
        var offset = 16
        while offset + 4 <= min(size, bytes.count) {
            brands.append(brand(bytes, at: offset))
            offset += 4
        }
        return brands.contains(where: heicBrands.contains)
    }

    private static func brand(_ bytes: [UInt8], at offset: Int) -> String {
        String(decoding: bytes[offset..<(offset + 4)], as: UTF8.self)
    }
}
