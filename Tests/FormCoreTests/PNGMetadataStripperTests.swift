import Testing
@testable import FormCore

@Suite struct PNGMetadataStripperTests {
    /// Each chunk's type and whole bytes (length, type, data, CRC), walked independently of the stripper; nil if the
    /// walk does not end exactly at the end of IEND.
    static func chunks(_ png: [UInt8]) -> [(type: String, bytes: [UInt8])]? {
        guard png.starts(with: PNGMetadataStripper.signature) else { return nil }
        var result: [(type: String, bytes: [UInt8])] = []
        var index = 8
        while index + 12 <= png.count {
            let length = Int(png[index..<(index + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            let end = index + 12 + length
            guard end <= png.count else { return nil }
            let type = String(decoding: png[(index + 4)..<(index + 8)], as: UTF8.self)
            result.append((type, Array(png[index..<end])))
            index = end
            if type == "IEND" { return index == png.count ? result : nil }
        }
        return nil
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let length = UInt32(data.count)
        return [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
            + Array(type.utf8) + data + [0, 0, 0, 0]
    }

    static let dropped: Set<String> = ["eXIf", "tEXt", "zTXt", "iTXt", "tIME"]

    @Test(arguments: ["gps.png", "anim.png"])
    func dropsMetadataChunksAndKeepsTheRestByteForByte(_ name: String) throws {
        let input = try PhotoFixtures.read(name)
        let output = try PNGMetadataStripper.strip(input)
        let before = try #require(Self.chunks(input))
        let after = try #require(Self.chunks(output), "the output is not a walkable PNG")
        #expect(!PhotoFixtures.secrets(in: input).isEmpty)
        #expect(PhotoFixtures.secrets(in: output) == [])
        #expect(after.map(\.type) == before.map(\.type).filter { !Self.dropped.contains($0) })
        #expect(after.map(\.bytes) == before.filter { !Self.dropped.contains($0.type) }.map(\.bytes))
    }

    @Test func whatThePhotosHold() throws {
        // So the test above tests something: the fixtures carry each dropped kind, and what must stay.
        let photo = try #require(Self.chunks(try PhotoFixtures.read("gps.png"))).map(\.type)
        #expect(Set(photo).isSuperset(of: ["eXIf", "tEXt", "zTXt", "iTXt", "tIME", "iCCP", "pHYs", "gAMA"]))
        let animation = try #require(Self.chunks(try PhotoFixtures.read("anim.png"))).map(\.type)
        #expect(Set(animation).isSuperset(of: ["acTL", "fcTL", "fdAT", "tEXt"]))
        #expect(try Self.chunks(PNGMetadataStripper.strip(try PhotoFixtures.read("anim.png")))?.map(\.type)
            == ["IHDR", "acTL", "fcTL", "IDAT", "fcTL", "fdAT", "IEND"])
    }

    @Test func olderAndUnofficialMetadataChunksGoToo() throws {
        let photo = try PhotoFixtures.read("gps.png")
        let head = Array(photo[..<33])  // signature and IHDR
        let extra = ["exIf", "zxIf", "tXMP", "caBX"].flatMap { Self.chunk($0, Array("Berlin".utf8)) }
        let kept = Self.chunk("prVt", [1, 2, 3]) + Self.chunk("sRGB", [0])
        let output = try PNGMetadataStripper.strip(head + extra + kept + Array(photo[33...]))
        #expect(output.starts(with: head + kept))
        #expect(PhotoFixtures.secrets(in: output) == [])
    }

    @Test func aPNGWithoutMetadataPassesUnchangedAndStrippingIsIdempotent() throws {
        for name in ["gps.png", "anim.png"] {
            let once = try PNGMetadataStripper.strip(try PhotoFixtures.read(name))
            #expect(try PNGMetadataStripper.strip(once) == once)
        }
    }

    @Test func bytesAfterIENDAreDropped() throws {
        let photo = try PhotoFixtures.read("gps.png")
        let stripped = try PNGMetadataStripper.strip(photo)
        #expect(try PNGMetadataStripper.strip(photo + Array("GPS 52.52N trailing".utf8)) == stripped)
        #expect(try PNGMetadataStripper.strip(photo + Self.chunk("tEXt", [0x41])) == stripped)
    }

    @Test(arguments: ["gps.png", "anim.png"])
    func anySplitGivesTheSameOutput(_ name: String) throws {
        let input = try PhotoFixtures.read(name) + [1, 2, 3]
        #expect(PhotoFixtures.splitsThatDiffer(input, with: PNGMetadataStripper.self, seed: 21) == [])
    }

    /// Chunk data streams through: only a chunk header is ever held back, and a dropped chunk's data is passed over
    /// as it comes.
    @Test func dataStreamsThroughWithoutBeingHeld() throws {
        let photo = try PhotoFixtures.read("gps.png")
        let ihdrEnd = 33
        let piece = [UInt8](repeating: 0x5A, count: 65_536)
        var stripper = PNGMetadataStripper()
        #expect(try stripper.feed(Array(photo[..<ihdrEnd])) == Array(photo[..<ihdrEnd]))
        let big = 4 * piece.count
        let header: [UInt8] = [0, UInt8(big >> 16), 0, 0] + Array("IDAT".utf8)
        #expect(try stripper.feed(header) == header)
        for _ in 0..<4 { #expect(try stripper.feed(piece) == piece) }
        #expect(try stripper.feed([9, 9, 9, 9]) == [9, 9, 9, 9])
        let text: [UInt8] = [0, UInt8(big >> 16), 0, 0] + Array("tEXt".utf8)
        #expect(try stripper.feed(text) == [])
        for _ in 0..<4 { #expect(try stripper.feed(piece) == []) }
        #expect(try stripper.feed([0, 0, 0, 0] + Self.chunk("IEND", [])) == Self.chunk("IEND", []))
        try stripper.finish()
    }

    static let ihdr = chunk("IHDR", [0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0])
    static let signature = PNGMetadataStripper.signature
    static let cutOff = "is longer than the bytes that follow"

    @Test(arguments: [
        ([], "the file is empty"),
        ([0x89, 0x50, 0x4E], "it ends inside the PNG signature"),
        ([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x00], "it does not start with the PNG signature"),
        ([0xFF, 0xD8, 0xFF, 0xE0], "it does not start with the PNG signature"),
        (signature, "it ends after 8 bytes, without an IEND chunk"),
        (signature + [0, 0], "it ends after 10 bytes, without an IEND chunk"),
        (signature + chunk("IDAT", [1]), "its first chunk is IDAT, not IHDR"),
        (signature + [0x80, 0, 0, 0] + Array("IHDR".utf8),
         "the IHDR chunk at byte 8 has length 2147483648, more than 2^31-1"),
        (signature + [0, 0, 0, 13] + Array("IH\u{0}R".utf8), "the chunk at byte 8 has no valid type (IH?R)"),
        (signature + [0, 0, 0, 13] + Array("IH1R".utf8), "the chunk at byte 8 has no valid type (IH1R)"),
        (signature + ihdr, "it ends after 33 bytes, without an IEND chunk"),
        (signature + ihdr + [0, 0, 0, 5] + Array("tEXt".utf8) + [0x41], "the tEXt chunk at byte 33 \(cutOff)"),
        (signature + ihdr + [0, 0, 0, 5] + Array("IDAT".utf8) + [1, 2, 3, 4, 5, 0, 0, 0],
         "the IDAT chunk at byte 33 \(cutOff)"),
        (signature + ihdr + Array(chunk("IEND", [])[..<10]), "the IEND chunk at byte 33 \(cutOff)"),
    ] as [([UInt8], String)])
    func rejects(input: [UInt8], reason: String) {
        #expect(throws: PhotoMetadataError(.png, reason)) { _ = try PNGMetadataStripper.strip(input) }
    }

    @Test func everyTruncationIsRefused() throws {
        let photo = try PhotoFixtures.read("anim.png")
        for cut in 0..<photo.count {
            #expect(throws: PhotoMetadataError.self) { _ = try PNGMetadataStripper.strip(Array(photo[..<cut])) }
        }
    }

    @Test func anErrorSticks() throws {
        var stripper = PNGMetadataStripper()
        let error = PhotoMetadataError(.png, "it does not start with the PNG signature")
        #expect(throws: error) { _ = try stripper.feed([0x89, 0x50, 0x41]) }
        #expect(throws: error) { _ = try stripper.feed(try PhotoFixtures.read("gps.png")) }
        #expect(throws: error) { try stripper.finish() }
        #expect(error.description == "not a readable PNG: it does not start with the PNG signature")
    }
}

// MARK: Review: a photo the stripper damages

extension PNGMetadataStripperTests {
    /// A PNG's eXIf can hold the orientation, which Safari and Chromium apply (CSS image-orientation: from-image):
    /// the JPEG stripper keeps it in a minimal Exif block, the PNG stripper drops it with the rest, so a rotated
    /// photo shows on its side in HERO. The camera and GPS must go; the orientation should stay.
    @Test func theOrientationInEXIfSurvives() throws {
        // gps.png with its own eXIf (no orientation) replaced by one with the orientation 6, camera and GPS.
        let chunks = try #require(Self.chunks(try PhotoFixtures.read("gps.png")))
        let tiff = Array(JPEGMetadataStripperTests.exif(bigEndian: false).dropFirst(10))
        #expect(JPEGMetadataStripper.orientation(inTIFF: tiff) == 6)
        let input = Self.signature + chunks[0].bytes + Self.chunk("eXIf", tiff)
            + chunks.dropFirst().filter { $0.type != "eXIf" }.flatMap(\.bytes)
        let output = try PNGMetadataStripper.strip(input)
        #expect(!PhotoFixtures.contains(output, "Canon EOS"))
        let exif = try #require(Self.chunks(output)?.first { $0.type == "eXIf" }, "no eXIf chunk is left")
        #expect(JPEGMetadataStripper.orientation(inTIFF: Array(exif.bytes.dropFirst(8).dropLast(4))) == 6)
    }
}

extension PNGMetadataStripper: StreamingStripper {}

extension PNGMetadataStripperTests {
    /// The orientation chunk is written whole and valid: PNG's CRC over type and data, the first Exif chunk's
    /// orientation only (a second Exif chunk goes), in pieces as at once; an Exif chunk without an orientation leaves
    /// none behind.
    @Test func theOrientationChunkIsValidAndWrittenOnce() throws {
        #expect(CRC32.checksum(Array("IEND".utf8)) == 0xAE42_6082, "the CRC every PNG's IEND carries")
        let chunks = try #require(Self.chunks(try PhotoFixtures.read("gps.png")))
        let rotated = Array(JPEGMetadataStripperTests.exif(bigEndian: true).dropFirst(10))
        let other = JPEGMetadataStripper.orientationTIFF(3)
        let input = Self.signature + chunks[0].bytes + Self.chunk("eXIf", rotated) + Self.chunk("exIf", other)
            + chunks.dropFirst().filter { $0.type != "eXIf" }.flatMap(\.bytes)
        let output = try PNGMetadataStripper.strip(input)
        let written = try #require(Self.chunks(output)).filter { PNGMetadataStripper.exifTypes.contains($0.type) }
        #expect(written.count == 1)
        let chunk = try #require(written.first?.bytes)
        let typeAndData = Array(chunk.dropFirst(4).dropLast(4))
        #expect(Array(chunk.suffix(4)) == ByteFields.bigEndianBytes(CRC32.checksum(typeAndData)))
        #expect(JPEGMetadataStripper.orientation(inTIFF: Array(typeAndData.dropFirst(4))) == 6)
        var stripper = PNGMetadataStripper()
        var pieces: [UInt8] = []
        for start in stride(from: 0, to: input.count, by: 7) {
            pieces += try stripper.feed(Array(input[start..<min(input.count, start + 7)]))
        }
        try stripper.finish()
        #expect(pieces == output)
        // Without an orientation (the fixture's own Exif: camera and GPS), no Exif chunk is left.
        let plain = try PNGMetadataStripper.strip(try PhotoFixtures.read("gps.png"))
        #expect(try #require(Self.chunks(plain)).allSatisfy { !PNGMetadataStripper.exifTypes.contains($0.type) })
    }
}
