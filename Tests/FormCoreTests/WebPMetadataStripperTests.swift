import Testing
@testable import FormCore

@Suite struct WebPMetadataStripperTests {
    /// The RIFF size and each chunk's code and whole bytes (header, data, pad), walked independently of the stripper;
    /// nil unless the chunks fill the RIFF size exactly and the file ends there.
    static func chunks(_ webp: [UInt8]) -> (riffSize: Int, chunks: [(code: String, bytes: [UInt8])])? {
        func u32(_ at: Int) -> Int { (0..<4).reduce(0) { $0 | Int(webp[at + $1]) << (8 * $1) } }
        guard webp.count >= 12, webp.starts(with: Array("RIFF".utf8)), webp[8..<12].elementsEqual("WEBP".utf8) else {
            return nil
        }
        let riffSize = u32(4)
        guard 8 + riffSize == webp.count else { return nil }
        var result: [(code: String, bytes: [UInt8])] = []
        var index = 12
        while index + 8 <= webp.count {
            let size = u32(index + 4)
            let end = index + 8 + size + size % 2
            guard end <= webp.count else { return nil }
            result.append((String(decoding: webp[index..<(index + 4)], as: UTF8.self), Array(webp[index..<end])))
            index = end
        }
        return index == webp.count ? (riffSize, result) : nil
    }

    static func chunk(_ code: String, _ data: [UInt8]) -> [UInt8] {
        let size = data.count
        return Array(code.utf8) + [UInt8(size & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size >> 16 & 0xFF), 0] + data
            + (size % 2 == 1 ? [0] : [])
    }

    static func file(_ chunks: [UInt8]...) -> [UInt8] {
        let body = chunks.flatMap { $0 }
        let size = body.count + 4
        return Array("RIFF".utf8) + [UInt8(size & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size >> 16 & 0xFF), 0]
            + Array("WEBP".utf8) + body
    }

    static let blanked: Set<String> = ["EXIF", "XMP ", "C2PA"]

    @Test(arguments: ["gps.webp", "gps-lossless.webp", "plain.webp"])
    func blanksExifAndXMPInPlace(_ name: String) throws {
        let input = try PhotoFixtures.read(name)
        let output = try WebPMetadataStripper.strip(input)
        let before = try #require(Self.chunks(input))
        let after = try #require(Self.chunks(output), "the output is not a walkable WebP")
        #expect(output.count == input.count)
        #expect(after.riffSize == before.riffSize)
        #expect(PhotoFixtures.secrets(in: output) == [])
        #expect(after.chunks.map(\.code) == before.chunks.map { Self.blanked.contains($0.code) ? "JUNK" : $0.code })
        for (old, new) in zip(before.chunks, after.chunks) {
            if Self.blanked.contains(old.code) {
                // Same size field, zeros for the data and pad byte.
                #expect(new.bytes[4..<8] == old.bytes[4..<8])
                #expect(new.bytes[8...].allSatisfy { $0 == 0 })
            } else if old.code == "VP8X" {
                // The Exif (0x08) and XMP (0x04) flags are cleared, the rest of the chunk is kept.
                #expect(new.bytes[8] == old.bytes[8] & ~0x0C)
                #expect(new.bytes[9...] == old.bytes[9...])
            } else {
                #expect(new.bytes == old.bytes)
            }
        }
    }

    @Test func whatThePhotosHold() throws {
        let lossy = try #require(Self.chunks(try PhotoFixtures.read("gps.webp")))
        #expect(lossy.chunks.map(\.code) == ["VP8X", "ICCP", "VP8 ", "EXIF", "XMP "])
        #expect(lossy.chunks[0].bytes[8] == 0x2C)  // ICC, Exif and XMP
        #expect(try WebPMetadataStripper.strip(try PhotoFixtures.read("gps.webp"))[20] == 0x20)  // ICC
        let lossless = try #require(Self.chunks(try PhotoFixtures.read("gps-lossless.webp")))
        #expect(lossless.chunks.map(\.code) == ["VP8X", "VP8L", "EXIF"])
        #expect(lossless.chunks[2].bytes.count % 2 == 0 && lossless.chunks[2].bytes[4] % 2 == 1)  // a pad byte
        #expect(Self.chunks(try PhotoFixtures.read("plain.webp"))?.chunks.map(\.code) == ["VP8L"])
        #expect(!PhotoFixtures.secrets(in: try PhotoFixtures.read("gps.webp")).isEmpty)
    }

    @Test func c2paChunksAndEmptyChunksAreBlankedToo() throws {
        let image = Self.chunk("VP8L", [0x2F, 0, 0, 0, 0])
        let input = Self.file(image, Self.chunk("C2PA", Array("Berlin".utf8)), Self.chunk("EXIF", []),
                              Self.chunk("XMP ", [0x42]))
        #expect(try WebPMetadataStripper.strip(input) == Self.file(
            image, Self.chunk("JUNK", [0, 0, 0, 0, 0, 0]), Self.chunk("JUNK", []), Self.chunk("JUNK", [0])))
    }

    @Test(arguments: ["gps.webp", "gps-lossless.webp", "plain.webp"])
    func strippingIsIdempotent(_ name: String) throws {
        let once = try WebPMetadataStripper.strip(try PhotoFixtures.read(name))
        #expect(try WebPMetadataStripper.strip(once) == once)
    }

    @Test func bytesAfterTheRIFFSizeAreDropped() throws {
        let photo = try PhotoFixtures.read("gps.webp")
        #expect(try WebPMetadataStripper.strip(photo + Array("GPS 52.52N".utf8)) == WebPMetadataStripper.strip(photo))
    }

    @Test(arguments: ["gps.webp", "gps-lossless.webp"])
    func anySplitGivesTheSameOutput(_ name: String) throws {
        let input = try PhotoFixtures.read(name) + [1, 2, 3]
        #expect(PhotoFixtures.splitsThatDiffer(input, with: WebPMetadataStripper.self, seed: 22) == [])
    }

    @Test func dataStreamsThroughWithoutBeingHeld() throws {
        let piece = [UInt8](repeating: 0x5A, count: 65_536)
        let size = 2 * piece.count
        let header = Self.file(Self.chunk("VP8X", [0x08] + [UInt8](repeating: 0, count: 9)))
        let riff = header.count - 8 + 2 * (8 + size)
        var stripper = WebPMetadataStripper()
        let head = Array("RIFF".utf8) + [UInt8(riff & 0xFF), UInt8(riff >> 8 & 0xFF), UInt8(riff >> 16), 0]
            + header[8...]
        #expect(try stripper.feed(head) == Array(head[..<20]) + [0] + [UInt8](repeating: 0, count: 9))
        let image = Array("VP8L".utf8) + [0, 0, 2, 0]
        #expect(try stripper.feed(image) == image)
        for _ in 0..<2 { #expect(try stripper.feed(piece) == piece) }
        #expect(try stripper.feed(Array("EXIF".utf8) + [0, 0, 2, 0]) == Array("JUNK".utf8) + [0, 0, 2, 0])
        for _ in 0..<2 { #expect(try stripper.feed(piece) == [UInt8](repeating: 0, count: piece.count)) }
        try stripper.finish()
    }

    static let riff = Array("RIFF".utf8)
    static let webp = Array("WEBP".utf8)
    static let vp8l = chunk("VP8L", [0x2F, 0, 0, 0, 0])
    static let cutOff = "is longer than the bytes that follow"

    @Test(arguments: [
        ([], "the file is empty"),
        (riff + [4, 0, 0], "it ends inside the RIFF header"),
        (Array("RIFX".utf8) + [20, 0, 0, 0] + webp, "it does not start with RIFF and WEBP"),
        (riff + [20, 0, 0, 0] + Array("WAVE".utf8), "it does not start with RIFF and WEBP"),
        (riff + [4, 0, 0, 0] + webp, "its RIFF size 4 leaves no room for a chunk"),
        (riff + [20, 0, 0, 0] + webp, "it ends after 12 bytes, before the 28 bytes its RIFF header gives"),
        (riff + [14, 0, 0, 0] + webp + Array("VP8L".utf8) + [4, 0, 0, 0],
         "the VP8L chunk at byte 12 runs past the RIFF size"),
        (file(chunk("EXIF", [1, 2])), "its first chunk is EXIF, not VP8, VP8L or VP8X"),
        (file(chunk("VP8X", [0, 0, 0, 0])), "its VP8X chunk has size 4, not 10"),
        (file(vp8l, [0x45, 0x58, 0x00, 0x46, 0, 0, 0, 0]), "the chunk at byte 26 has no valid code (EX?F)"),
        (Array(file(vp8l, chunk("EXIF", [1, 2, 3])).dropLast(3)), "the EXIF chunk at byte 26 \(cutOff)"),
        (Array(file(chunk("VP8X", [UInt8](repeating: 0, count: 10))).dropLast(2)),
         "the VP8X chunk at byte 12 \(cutOff)"),
        (Array(file(vp8l, chunk("ICCP", [1, 2])).dropLast(10)),
         "it ends after 26 bytes, before the 36 bytes its RIFF header gives"),
    ] as [([UInt8], String)])
    func rejects(input: [UInt8], reason: String) {
        #expect(throws: PhotoMetadataError(.webp, reason)) { _ = try WebPMetadataStripper.strip(input) }
    }

    @Test func everyTruncationIsRefused() throws {
        let photo = try PhotoFixtures.read("gps.webp")
        for cut in 0..<photo.count {
            #expect(throws: PhotoMetadataError.self) { _ = try WebPMetadataStripper.strip(Array(photo[..<cut])) }
        }
    }

    @Test func anErrorSticks() throws {
        var stripper = WebPMetadataStripper()
        let error = PhotoMetadataError(.webp, "it does not start with RIFF and WEBP")
        #expect(throws: error) { _ = try stripper.feed(Array("RIFF\u{4}\0\0\0WEBX".utf8)) }
        #expect(throws: error) { _ = try stripper.feed(try PhotoFixtures.read("gps.webp")) }
        #expect(throws: error) { try stripper.finish() }
        #expect(error.description == "not a readable WebP: it does not start with RIFF and WEBP")
    }
}

extension WebPMetadataStripper: StreamingStripper {}
