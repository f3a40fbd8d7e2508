import Testing
@testable import FormCore

@Suite struct HEICMetadataBlankerTests {
    // MARK: Boxes by hand

    static func u16(_ value: Int) -> [UInt8] { [UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
    static func u32(_ value: Int) -> [UInt8] { u16(value >> 16) + u16(value & 0xFFFF) }
    static func u64(_ value: Int) -> [UInt8] { u32(value >> 32) + u32(value & 0xFFFF_FFFF) }
    static func text(_ value: String) -> [UInt8] { Array(value.utf8) }

    static func box(_ type: String, _ payload: [UInt8]) -> [UInt8] { u32(8 + payload.count) + text(type) + payload }
    static func fullBox(_ type: String, version: UInt8, _ payload: [UInt8]) -> [UInt8] {
        box(type, [version, 0, 0, 0] + payload)
    }

    static let ftyp = box("ftyp", text("heic") + u32(0) + text("mif1heic"))
    static func infe(_ item: Int, _ type: String, contentType: String? = nil, version: UInt8 = 2) -> [UInt8] {
        let id = version == 3 ? u32(item) : u16(item)
        let content = contentType.map { text($0) + [0] } ?? []
        return fullBox("infe", version: version, id + u16(0) + text(type) + [0] + content)
    }
    static let hdlr = fullBox("hdlr", version: 0, u32(0) + text("pict") + [UInt8](repeating: 0, count: 13))

    /// One item's location for `iloc`: construction method, base offset and extents (offset, length).
    struct Location {
        var item: Int
        var method = 0
        var base = 0
        var extents: [(Int, Int)]
    }

    /// An `iloc` box of `version` with 4-byte (or `wide` 8-byte) offsets and lengths and a 4-byte base offset.
    static func iloc(_ locations: [Location], version: UInt8 = 1, wide: Bool = false) -> [UInt8] {
        let size = wide ? 8 : 4
        let field: (Int) -> [UInt8] = { wide ? u64($0) : u32($0) }
        var payload: [UInt8] = [UInt8(size << 4 | size), 4 << 4 | (version == 0 ? 0 : 4)]
        payload += version < 2 ? u16(locations.count) : u32(locations.count)
        for location in locations {
            payload += version < 2 ? u16(location.item) : u32(location.item)
            if version > 0 { payload += u16(location.method) }
            payload += u16(0) + u32(location.base) + u16(location.extents.count)
            for (offset, length) in location.extents {
                if version > 0 { payload += u32(0) }  // extent_index
                payload += field(offset) + field(length)
            }
        }
        return fullBox("iloc", version: version, payload)
    }

    static let exif = u32(6) + text("Exif") + [0, 0] + text("MM") + [0, 42] + u32(8) + u16(1)
        + u16(0x010F) + u16(2) + u32(9) + u32(26) + u32(0) + text("CanonSpy") + [0]
    static let xmp = text("<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF exif:GPSLatitude='52,31N'/></x:xmpmeta>")
    static let pixels = [UInt8](repeating: 0xA5, count: 40)

    /// A HEIC-shaped file (not decodable: no codec configuration) with an image item in `mdat`, the Exif item in
    /// `idat` (construction method 1), an XMP item in `mdat` in two extents, and a `uuid` XMP box at the end.
    /// Returns the file and the ranges that must change: Exif, the XMP's two extents, the uuid box's payload.
    static func handMade(ilocVersion: UInt8 = 1, wide: Bool = false) -> (file: [UInt8], changed: [Range<Int>]) {
        func meta(_ mdatPayload: Int) -> [UInt8] {
            let info = fullBox("iinf", version: 0, u16(3) + infe(1, "hvc1") + infe(2, "Exif")
                + infe(3, "mime", contentType: "application/rdf+xml; charset=utf-8"))
            let half = xmp.count / 2
            let locations = [
                Location(item: 1, base: mdatPayload, extents: [(0, pixels.count)]),
                Location(item: 2, method: 1, extents: [(4, exif.count)]),
                Location(item: 3, base: mdatPayload + pixels.count,
                         extents: [(0, half), (half + 3, xmp.count - half)]),
            ]
            return fullBox("meta", version: 0, hdlr + fullBox("pitm", version: 0, u16(1)) + info
                + iloc(ilocVersion == 0 ? locations.filter { $0.method == 0 } : locations, version: ilocVersion,
                       wide: wide)
                + box("idat", [9, 9, 9, 9] + exif))
        }
        let metaSize = meta(0).count
        let mdatPayload = ftyp.count + metaSize + 8
        let metaBox = meta(mdatPayload)
        let half = xmp.count / 2
        let mdat = box("mdat", pixels + Array(xmp[..<half]) + [7, 7, 7] + Array(xmp[half...]))
        let uuid = box("uuid", HEICMetadataBlanker.xmpUUID + xmp)
        let file = ftyp + metaBox + mdat + uuid
        let exifStart = ftyp.count + metaSize - exif.count
        let xmpStart = mdatPayload + pixels.count
        let uuidPayload = file.count - xmp.count
        var changed = [xmpStart..<(xmpStart + half), (xmpStart + half + 3)..<(xmpStart + xmp.count + 3),
                       uuidPayload..<file.count]
        if ilocVersion > 0 { changed.insert(exifStart..<(exifStart + exif.count), at: 0) }
        return (file, changed)
    }

    /// Each top-level box's type and size, walked independently of the blanker; nil unless they fill the file.
    static func boxes(_ file: [UInt8]) -> [(type: String, size: Int)]? {
        var result: [(type: String, size: Int)] = []
        var index = 0
        while index + 8 <= file.count {
            let size = file[index..<(index + 4)].reduce(0) { $0 << 8 | Int($1) }
            guard size >= 8, index + size <= file.count else { return nil }
            result.append((String(decoding: file[(index + 4)..<(index + 8)], as: UTF8.self), size))
            index += size
        }
        return index == file.count ? result : nil
    }

    static func blank(_ file: [UInt8]) throws -> [UInt8] { try HEICMetadataBlanker.blank(file) }

    // MARK: A real photo

    /// gps.heic as libheif wrote it: ftyp, meta, mdat with the image (item 1), Exif (item 2, bytes 736–974) and
    /// XMP (item 3, bytes 974–1290), located by exiftool -v3.
    @Test func blanksTheExifAndXMPItemsOfARealPhoto() throws {
        let input = try PhotoFixtures.read("gps.heic")
        let output = try Self.blank(input)
        #expect(output.count == input.count)
        #expect(Self.boxes(output)?.map(\.type) == ["ftyp", "meta", "mdat"])
        #expect(!PhotoFixtures.secrets(in: input).isEmpty)
        #expect(PhotoFixtures.secrets(in: output) == [])
        #expect(output[..<736] == input[..<736])
        #expect(Array(output[736..<974]) == Fill.emptyExif + [UInt8](repeating: 0, count: 974 - 736 - 18))
        #expect(Array(output[974...]) == Fill.emptyXMP + [UInt8](repeating: 0x20, count: 1290 - 974 - 37))
        #expect(try Self.blank(output) == output)
        #expect(PhotoFixtures.splitsThatDiffer(input + [0, 0, 0, 8] + Self.text("free"),
                                               with: HEICMetadataBlanker.self, seed: 23) == [])
    }

    // MARK: By hand

    @Test(arguments: [(0 as UInt8, false), (1, false), (1, true), (2, false), (2, true)])
    func blanksExactlyTheMetadataItems(ilocVersion: UInt8, wide: Bool) throws {
        let (input, changed) = Self.handMade(ilocVersion: ilocVersion, wide: wide)
        let output = try Self.blank(input)
        #expect(Self.boxes(output)?.map(\.type) == ["ftyp", "meta", "mdat", "uuid"])
        let differing = input.indices.filter { input[$0] != output[$0] }
        #expect(differing.allSatisfy { index in changed.contains { $0.contains(index) } })
        if ilocVersion > 0 {
            #expect(Array(output[changed[0]]) == Fill.emptyExif + [UInt8](repeating: 0, count: Self.exif.count - 18))
        }
        // The XMP item's two extents read as one empty packet padded with spaces; so does the uuid box.
        let item = Array(output[changed[ilocVersion > 0 ? 1 : 0]]) + Array(output[changed[ilocVersion > 0 ? 2 : 1]])
        #expect(item == Fill.emptyXMP + [UInt8](repeating: 0x20, count: Self.xmp.count - 37))
        #expect(Array(output[changed.last ?? 0..<0]) == item)
        #expect(!PhotoFixtures.contains(output, "GPSLatitude"))
        #expect(PhotoFixtures.contains(output, "CanonSpy") == (ilocVersion == 0))
        #expect(output.count == input.count)
        #expect(try Self.blank(output) == output)
        #expect(PhotoFixtures.splitsThatDiffer(input, with: HEICMetadataBlanker.self, seed: 24) == [])
    }

    @Test func anExtentOfLengthZeroRunsToTheEnd() throws {
        let tail = [UInt8](repeating: 0x47, count: 30)
        func file(_ offset: Int) -> [UInt8] {
            Self.ftyp + Self.fullBox("meta", version: 0, Self.fullBox("iinf", version: 1, Self.u32(1)
                + Self.infe(7, "Exif", version: 3))
                + Self.iloc([Location(item: 7, extents: [(offset, 0)])], version: 2)) + Self.box("mdat", tail)
        }
        let start = file(0).count - 20
        let output = try Self.blank(file(start))
        #expect(Array(output[..<start]) == Array(file(start)[..<start]))
        #expect(Array(output[start...]) == Fill.emptyExif + [0, 0])
    }

    @Test func c2paItemsAndUUIDBoxesAreZeroed() throws {
        let manifest = Self.text("c2pa location 52.5N")
        func meta(_ offset: Int) -> [UInt8] {
            Self.fullBox("meta", version: 0, Self.fullBox("iinf", version: 0, Self.u16(1)
                + Self.infe(1, "mime", contentType: "Application/C2PA"))
                + Self.iloc([Location(item: 1, extents: [(offset, manifest.count)])]))
        }
        let mdatPayload = Self.ftyp.count + meta(0).count + 8
        let head = Self.ftyp + meta(mdatPayload) + Self.text("\0\0\0\u{1B}mdat")
        let uuidHeader = Self.u32(24 + manifest.count) + Self.text("uuid") + HEICMetadataBlanker.c2paUUID
        let zeros = [UInt8](repeating: 0, count: manifest.count)
        #expect(try Self.blank(head + manifest + uuidHeader + manifest) == head + zeros + uuidHeader + zeros)
    }

    @Test func otherItemsAndBoxesPassUnchanged() throws {
        let input = Self.ftyp + Self.fullBox("meta", version: 0, Self.hdlr
            + Self.fullBox("iinf", version: 0, Self.u16(2) + Self.infe(1, "hvc1")
                + Self.infe(2, "mime", contentType: "image/jpeg"))
            + Self.iloc([Location(item: 1, extents: [(0, 3)]), Location(item: 2, extents: [(3, 3)])]))
            + Self.box("free", Self.text("x")) + Self.box("mdat", [1, 2, 3, 4, 5, 6])
            + Self.box("uuid", [UInt8](repeating: 0x11, count: 16) + Self.text("other"))
        #expect(try Self.blank(input) == input)
    }

    @Test func aLargeMdatStreamsThrough() throws {
        let piece = [UInt8](repeating: 0x5A, count: 65_536)
        let head = Self.ftyp + Self.fullBox("meta", version: 0, Self.hdlr)
        var blanker = HEICMetadataBlanker()
        #expect(try blanker.feed(head) == head)
        let mdat = [0, 0, 0, 1] + Self.text("mdat") + Self.u64(16 + 3 * piece.count)
        #expect(try blanker.feed(mdat) == mdat)
        for _ in 0..<3 { #expect(try blanker.feed(piece) == piece) }
        try blanker.finish()
        var toTheEnd = HEICMetadataBlanker()
        let rest = Self.u32(0) + Self.text("mdat") + piece
        #expect(try toTheEnd.feed(head + rest) == head + rest)
        try toTheEnd.finish()
    }

    // MARK: Refusals

    static let meta = fullBox("meta", version: 0, hdlr)
    static let xmpUUID = HEICMetadataBlanker.xmpUUID
    static let cutOff = "is longer than the bytes that follow"

    static func exifMeta(_ location: Location, version: UInt8 = 1, idat: [UInt8]? = nil) -> [UInt8] {
        fullBox("meta", version: 0, fullBox("iinf", version: 0, u16(1) + infe(1, "Exif"))
            + iloc([location], version: version) + (idat.map { box("idat", $0) } ?? []))
    }

    @Test(arguments: [
        ([], "the file is empty"),
        (box("free", []), "its first box is free, not ftyp"),
        (ftyp, "it has no meta box"),
        (ftyp + [0, 0, 0], "it ends inside the box header at byte 24"),
        (ftyp + u32(4) + text("meta"), "the meta box at byte 24 has size 4"),
        (ftyp + box("mdat", [1]) + meta, "its image data (mdat at byte 24) comes before its meta box"),
        (ftyp + meta + meta, "it has a second meta box at byte 69"),
        (ftyp + u32(0) + text("meta"), "its meta box at byte 24 runs to the end of the file"),
        (ftyp + u32(5 << 20) + text("meta"), "its meta box has 5242880 bytes, more than the 4 MiB taken"),
        (ftyp + meta + box("moov", []), "it is an image sequence or video (moov box at byte 69), not a still photo"),
        (ftyp + Array(meta.dropLast(2)), "the meta box at byte 24 \(cutOff)"),
        (ftyp + meta + Array(box("mdat", [1, 2]).dropLast(1)), "the mdat box at byte 69 \(cutOff)"),
        (ftyp + fullBox("meta", version: 0, fullBox("iloc", version: 3, [])),
         "its iloc box has version 3, not 0, 1 or 2"),
        (ftyp + fullBox("meta", version: 0, fullBox("iloc", version: 1, [0x34, 0x40])),
         "its iloc box has a field size of 3 bytes"),
        (ftyp + fullBox("meta", version: 0, fullBox("iloc", version: 1, [0x44, 0x40, 0])), "its iloc box is cut short"),
        (ftyp + fullBox("meta", version: 0, iloc([]) + iloc([])), "its meta box has two iloc boxes"),
        (ftyp + fullBox("meta", version: 0, fullBox("iloc", version: 1, [0, 0] + u16(1) + u16(5) + u16(0) + u16(0)
            + u16(0xFFFF))),
         "its iloc box gives item 5 65535 extents of no size"),
        (ftyp + fullBox("meta", version: 0, fullBox("iinf", version: 0, u16(1) + infe(1, "Exif", version: 4))),
         "an item info box (infe) has version 4"),
        (ftyp + fullBox("meta", version: 0, u32(100) + text("iinf")),
         "the iinf box at byte 12 of meta has size 100, which does not fit"),
        (ftyp + exifMeta(Location(item: 1, method: 2, extents: [(0, 4)])),
         "item 1 is built with construction method 2"),
        (ftyp + exifMeta(Location(item: 1, method: 1, extents: [(0, 4)])),
         "item 1 is in an idat box that is not there"),
        (ftyp + exifMeta(Location(item: 1, method: 1, extents: [(2, 4)]), idat: [1, 2, 3]),
         "item 1 runs past its idat box"),
        (ftyp + exifMeta(Location(item: 1, method: 1, extents: [(5, 0)]), idat: [1, 2, 3]),
         "item 1 begins past its idat box"),
        (ftyp + exifMeta(Location(item: 1, extents: [(16, 8)])),
         "item 1 at bytes 16–24 lies in or before the meta box, not in idat"),
        (ftyp + exifMeta(Location(item: 1, extents: [(60, 8)])),
         "item 1 at bytes 60–68 lies in or before the meta box, not in idat"),
        (ftyp + exifMeta(Location(item: 1, extents: [(200, 8), (204, 8)])), "two metadata items share bytes 204–208"),
        (ftyp + exifMeta(Location(item: 1, extents: [(200, 8)])),
         "it ends at byte 111, before the end of its metadata at byte 208"),
        (ftyp + exifMeta(Location(item: 1, extents: [(200, 0)])),
         "it ends at byte 111, before the end of its metadata at byte \(Int.max)"),
        (ftyp + exifMeta(Location(item: 1, extents: [(119, 12)])) + box("mdat", [1, 2, 3, 4]) + box("free", []),
         "metadata at bytes 119–131 overlaps the free box"),
        (ftyp + exifMeta(Location(item: 1, extents: [(136, 2)])) + box("uuid", xmpUUID + [1, 2, 3, 4, 5]),
         "metadata at bytes 136–138 overlaps the uuid box"),
    ] as [([UInt8], String)])
    func rejects(input: [UInt8], reason: String) {
        #expect(throws: PhotoMetadataError(.heic, reason)) { _ = try Self.blank(input) }
    }

    @Test func dataInAnotherFileIsRefused() throws {
        var meta = Self.exifMeta(Location(item: 1, extents: [(200, 8)]))
        // data_reference_index follows item_ID and construction method in iloc version 1.
        let iloc = try #require(meta.firstIndex(of: Array("iloc".utf8), from: 0))
        meta[iloc + 4 + 4 + 2 + 2 + 2 + 2 + 1] = 1
        #expect(throws: PhotoMetadataError(.heic, "the data of item 1 is in another file")) {
            _ = try Self.blank(Self.ftyp + meta)
        }
    }

    @Test func everyTruncationIsRefused() throws {
        let photo = try PhotoFixtures.read("gps.heic")
        for cut in 0..<photo.count {
            #expect(throws: PhotoMetadataError.self) { _ = try Self.blank(Array(photo[..<cut])) }
        }
    }

    @Test func anErrorSticks() throws {
        var blanker = HEICMetadataBlanker()
        let error = PhotoMetadataError(.heic, "its first box is free, not ftyp")
        #expect(throws: error) { _ = try blanker.feed(Self.box("free", [])) }
        #expect(throws: error) { _ = try blanker.feed(try PhotoFixtures.read("gps.heic")) }
        #expect(throws: error) { try blanker.finish() }
        #expect(error.description == "not a readable HEIC: its first box is free, not ftyp")
    }
}

// MARK: Review: metadata that gets through, state that does not stay small

extension HEICMetadataBlankerTests {
    static let location = text("+52.5200+013.4050/")

    /// An MP4 as a phone records it: its `moov` holds `udta` with the recording place (`©xyz`, ISO 6709).
    static var video: [UInt8] {
        let place = box("\u{0}xyz", u16(location.count) + u16(0x15C7) + location)
        let placeBox = Array(place[..<4]) + [0xA9] + Array(place[5...])  // "©xyz": © is the single byte A9
        return box("ftyp", text("mp42") + u32(0) + text("isommp42"))
            + box("moov", fullBox("mvhd", version: 0, [UInt8](repeating: 0, count: 96)) + box("udta", placeBox))
            + box("mdat", [UInt8](repeating: 0x33, count: 64))
    }

    /// A Samsung motion photo in HEIC carries its video in a top-level `mpvd` box after `mdat`. The blanker refuses
    /// a top-level `moov` because it does not read a video's metadata, but the same `moov` one box down is copied
    /// whole, recording place and all (the JPEG stripper drops a motion photo's appended video for this reason).
    @Test func aMotionPhotoVideoDoesNotCarryItsLocationThrough() throws {
        let input = Self.ftyp + Self.meta + Self.box("mdat", Self.pixels) + Self.box("mpvd", Self.video)
        #expect(PhotoFixtures.contains(input, "+52.5200+013.4050"))
        let output = try? Self.blank(input)
        #expect(output.map { !PhotoFixtures.contains($0, "+52.5200+013.4050") } ?? true,
                "the embedded video's location came through")
    }

    /// HEIF has JPEG-coded image items (item type `jpeg`, or a `mime` item of image/jpeg), as thumbnails or
    /// previews. Their bytes are a whole JPEG, with its own APP1 Exif (camera, serial, GPS), and are copied as they
    /// are: the Exif must go (blanked in place, or the file refused).
    @Test(arguments: ["jpeg", "mime"])
    func aJPEGItemLosesItsExif(_ itemType: String) throws {
        let jpeg = JPEGMetadataStripperTests.photo(JPEGMetadataStripperTests.exif(bigEndian: true))
        func metaBox(_ mdatPayload: Int) -> [UInt8] {
            let preview = itemType == "jpeg" ? Self.infe(2, "jpeg") : Self.infe(2, "mime", contentType: "image/jpeg")
            return Self.fullBox("meta", version: 0, Self.hdlr + Self.fullBox("pitm", version: 0, Self.u16(1))
                + Self.fullBox("iinf", version: 0, Self.u16(2) + Self.infe(1, "hvc1") + preview)
                + Self.iloc([Location(item: 1, extents: [(mdatPayload, Self.pixels.count)]),
                             Location(item: 2, extents: [(mdatPayload + Self.pixels.count, jpeg.count)])]))
        }
        let mdatPayload = Self.ftyp.count + metaBox(0).count + 8
        let input = Self.ftyp + metaBox(mdatPayload) + Self.box("mdat", Self.pixels + jpeg)
        #expect(JPEGMetadataStripperTests.contains(input, JPEGMetadataStripperTests.make))
        let output = try? Self.blank(input)
        #expect(output.map { !JPEGMetadataStripperTests.contains($0, JPEGMetadataStripperTests.make)
            && !JPEGMetadataStripperTests.contains($0, JPEGMetadataStripperTests.latitude) } ?? true,
                "the JPEG item's Exif came through")
    }

    /// The blanker promises to hold at most the `meta` box (4 MiB), but every extent of a metadata item becomes a
    /// planned range of 32 bytes, kept for the whole upload: a 3.4 MB `meta` giving seven Exif items 60 000 one-byte
    /// extents each (an item has at most 65 535) makes it hold 13 MB of ranges (more while planning them), per
    /// upload, for as long as the upload lasts. A photo's Exif is one extent or a few; so many should be refused.
    @Test func manyExtentsOfMetadataItemsAreRefused() throws {
        let (items, extents) = (7, 60_000)
        func metaBox(_ mdatPayload: Int) -> [UInt8] {
            let locations = (1...items).map { item in
                Location(item: item, base: mdatPayload + 2 * extents * (item - 1),
                         extents: (0..<extents).map { (2 * $0, 1) })
            }
            return Self.fullBox("meta", version: 0, Self.fullBox("iinf", version: 0, Self.u16(items)
                + (1...items).flatMap { Self.infe($0, "Exif") })
                + Self.iloc(locations, version: 0))
        }
        let mdatPayload = Self.ftyp.count + metaBox(0).count + 16
        let head = Self.ftyp + metaBox(mdatPayload)
        #expect(head.count < HEICMetadataBlanker.maxMetaSize)
        var blanker = HEICMetadataBlanker()
        let refused: Bool
        do {
            _ = try blanker.feed(head)
            refused = false
        } catch {
            refused = true
        }
        // The ranges it planned and keeps until the file ends (a private property, read by reflection).
        let ranges = Mirror(reflecting: blanker).children.first { $0.label == "ranges" }?.value
        let planned = try #require(ranges as? [Blank])
        let held = planned.count * MemoryLayout<Blank>.stride
        #expect(refused || held <= head.count, "it holds \(held) bytes of ranges for a \(head.count)-byte meta box")
    }
}

extension HEICMetadataBlanker: StreamingStripper {}
