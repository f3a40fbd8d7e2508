import Testing
@testable import FormCore

@Suite struct AttachmentTypeTests {
    /// An `ftyp` box: size, type, major brand, minor version, compatible brands; then the next box's start.
    static func ftyp(_ major: String, _ compatible: [String], size: Int? = nil) -> [UInt8] {
        let length = size ?? 16 + 4 * compatible.count
        var box: [UInt8] = [UInt8(length >> 24 & 0xFF), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF),
                            UInt8(length & 0xFF)]
        box += Array("ftyp".utf8) + Array(major.utf8) + [0, 0, 0, 0]
        for brand in compatible { box += Array(brand.utf8) }
        return box + [0, 0, 0, 0x24] + Array("meta".utf8) + [UInt8](repeating: 0, count: 40)
    }

    static let samples: [(String, [UInt8], AttachmentType)] = [
        ("JPEG/JFIF", [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10] + Array("JFIF\0".utf8), .jpeg),
        ("JPEG/Exif", [0xFF, 0xD8, 0xFF, 0xE1, 0x12, 0x34] + Array("Exif\0\0".utf8), .jpeg),
        ("PNG", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D] + Array("IHDR".utf8), .png),
        ("WebP", Array("RIFF".utf8) + [0x24, 0x10, 0x00, 0x00] + Array("WEBPVP8 ".utf8), .webp),
        ("PDF", Array("%PDF-1.7\n%\u{E2}\u{E3}".utf8), .pdf),
        ("HEIC from an iPhone", ftyp("heic", ["mif1", "MiHE", "MiPr", "miaf", "MiHB", "heic"]), .heic),
        ("HEIC, mif1 major", ftyp("mif1", ["mif1", "heic"]), .heic),
        ("HEIF sequence", ftyp("msf1", ["msf1", "hevc"]), .heic),
        ("HEIC, heix", ftyp("heix", []), .heic),
        ("HEIC box longer than the prefix", ftyp("heic", Array(repeating: "mif1", count: 20)), .heic),
    ]

    @Test(arguments: samples.indices)
    func sniffs(index: Int) {
        let (name, bytes, type) = Self.samples[index]
        #expect(AttachmentType.sniff(bytes) == type, "\(name)")
        #expect(AttachmentType.sniff(bytes[...]) == type, "\(name) as a slice")
        // Whatever follows the signature does not matter.
        #expect(AttachmentType.sniff(bytes + [UInt8](repeating: 0xAB, count: 200)) == type, "\(name)")
    }

    /// A prefix cut before the end of the signature decides nothing; from there on, every longer one decides.
    @Test func truncatedPrefixes() {
        let signature: [AttachmentType: Int] = [.jpeg: 3, .png: 8, .webp: 12, .pdf: 5]
        for (name, bytes, type) in Self.samples {
            let results = (0...bytes.count).map { AttachmentType.sniff(bytes.prefix($0)) }
            guard let first = results.firstIndex(of: type) else {
                Issue.record("\(name) is never recognized")
                continue
            }
            #expect(results[..<first].allSatisfy { $0 == nil }, "\(name)")
            #expect(results[first...].allSatisfy { $0 == type }, "\(name)")
            // HEIC needs the whole box header and then the brand that names HEVC.
            #expect(first == signature[type] ?? max(16, first), "\(name) decided after \(first) bytes")
        }
        #expect(AttachmentType.sniff(Self.ftyp("mif1", ["mif1", "heic"]).prefix(23)) == nil)
        #expect(AttachmentType.sniff(Self.ftyp("mif1", ["mif1", "heic"]).prefix(24)) == .heic)
    }

    @Test(arguments: [
        ("Windows program renamed .jpg", Array("MZ\u{90}\0\u{3}\0\0\0\u{4}\0\0\0".utf8)),
        ("ELF", [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01]),
        ("ZIP (docx)", [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00]),
        ("GIF", Array("GIF89a".utf8)),
        ("SVG", Array("<svg xmlns=\"http://www.w3.org/2000/svg\">".utf8)),
        ("HTML", Array("<!DOCTYPE html><title>x".utf8)),
        ("AVIF", ftyp("avif", ["avif", "mif1", "miaf"])),
        ("AVIF that names heic too", ftyp("avif", ["mif1", "heic"])),
        ("AVIF sequence", ftyp("avis", ["avis", "msf1"])),
        ("plain HEIF without HEVC", ftyp("mif1", ["mif1", "miaf"])),
        ("HEVC brand past the bytes sniffed", ftyp("mif1", Array(repeating: "miaf", count: 12) + ["heic"])),
        ("MP4 video", ftyp("isom", ["isom", "iso2", "mp41"])),
        ("QuickTime", ftyp("qt  ", ["qt  "])),
        ("ftyp box too short", ftyp("heic", [], size: 12)),
        ("ftyp box size not a multiple of 4", ftyp("heic", ["mif1"], size: 21)),
        ("ftyp with 64-bit size", ftyp("heic", [], size: 1)),
        ("WAVE in RIFF", Array("RIFF\u{24}\0\0\0WAVEfmt ".utf8)),
        ("JPEG signature too short", [0xFF, 0xD8, 0x00, 0xE0]),
        ("PNG with a bad byte", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x00]),
        ("PDF later in the file", Array(" %PDF-1.4".utf8)),
        ("nothing", []),
    ] as [(String, [UInt8])])
    func refuses(name: String, bytes: [UInt8]) {
        #expect(AttachmentType.sniff(bytes) == nil, "\(name)")
    }

    @Test func randomBytesAreRefused() {
        var random = SeededRandom(seed: 15)
        var found: [AttachmentType: Int] = [:]
        for _ in 0..<20_000 {
            let bytes = (0..<AttachmentType.sniffLength).map { _ in UInt8.random(in: 0...255, using: &random) }
            if let type = AttachmentType.sniff(bytes) { found[type, default: 0] += 1 }
        }
        // Only JPEG's three-byte signature can turn up by chance (once in 16 million).
        #expect(found.isEmpty)
    }

    @Test func properties() {
        #expect(AttachmentType.allCases.map(\.mimeType)
            == ["image/jpeg", "image/png", "image/webp", "image/heic", "application/pdf"])
        #expect(AttachmentType.allCases.map(\.fileExtension) == ["jpg", "png", "webp", "heic", "pdf"])
        #expect(AttachmentType.allCases.filter(\.isImage) == [.jpeg, .png, .webp, .heic])
        #expect(AttachmentType(rawValue: "heic") == .heic && AttachmentType(rawValue: "gif") == nil)
        #expect(AttachmentType.sniffLength == 64)
    }
}
