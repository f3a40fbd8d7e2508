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

    /// An image's meta box with items 1 and 2 (`hvc1`) in `mdat`, whose payload begins at `mdatPayload`.
    static func imageMeta(_ mdatPayload: Int, tiles: Int = 3) -> [UInt8] {
        fullBox("meta", version: 0, hdlr + fullBox("iinf", version: 0, u16(2) + infe(1, "hvc1") + infe(2, "hvc1"))
            + iloc([Location(item: 1, extents: [(mdatPayload, tiles)]),
                    Location(item: 2, extents: [(mdatPayload + tiles, tiles)])]))
    }

    @Test func otherItemsPassUnchanged() throws {
        let input = Self.ftyp + Self.imageMeta(Self.ftyp.count + Self.imageMeta(0).count + 8)
            + Self.box("mdat", [1, 2, 3, 4, 5, 6])
        #expect(try Self.blank(input) == input)
    }

    /// Any top-level box besides ftyp, meta and mdat (a motion photo's video, a vendor's uuid box, an editor's
    /// leftovers in free space) becomes a free box of its size, of zeros. A HEIF reader needs none of them.
    @Test func otherTopLevelBoxesBecomeFreeBoxesOfZeros() throws {
        let head = Self.ftyp + Self.imageMeta(Self.ftyp.count + Self.imageMeta(0).count + 8)
            + Self.box("mdat", [1, 2, 3, 4, 5, 6])
        let boxes: [[UInt8]] = [
            Self.box("free", Self.text("old Exif: CanonSpy")),
            Self.box("mpvd", Self.video),
            Self.box("uuid", [UInt8](repeating: 0x11, count: 16) + Self.text("GPSLatitude")),
            [0, 0, 0, 1] + Self.text("skip") + Self.u64(16 + 10) + Self.text("Max Secret"),
            Self.box("ftyp", Self.text("heic")),
            Self.u32(0) + Self.text("Exif") + Self.text("runs to the end: Berlin"),
        ]
        let freed = boxes.map { box in
            let large = box[0..<4].elementsEqual([0, 0, 0, 1])
            let size = large ? Array(box[0..<4]) + Array(box[8..<16]) : Array(box[0..<4])
            let sizeAt = large ? 16 : 8
            return Array(size[0..<4]) + Self.text("free") + Array(size.dropFirst(4))
                + [UInt8](repeating: 0, count: box.count - sizeAt)
        }
        let input = head + boxes.joined()
        let output = try Self.blank(input)
        #expect(output == head + freed.joined())
        #expect(Self.boxes(Array(output[..<(head.count + freed[..<3].joined().count)]))?.map(\.type)
            == ["ftyp", "meta", "mdat", "free", "free", "free"])
        #expect(PhotoFixtures.secrets(in: input).count == 4 && PhotoFixtures.secrets(in: output) == [])
        #expect(try Self.blank(output) == output)
        #expect(PhotoFixtures.splitsThatDiffer(input, with: HEICMetadataBlanker.self, seed: 25) == [])
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
        (ftyp + imageMeta(0), "item 1 at bytes 0–3 lies in or before the meta box, not in idat"),
        (ftyp + imageMeta(197) + box("mdat", [1, 2, 3]) + box("mpvd", [4, 5, 6]),
         "item data at bytes 197–203 lies in the mpvd box at byte 200, which is blanked"),
        (ftyp + imageMeta(208, tiles: 1) + box("mdat", [1, 2, 3]) + box("uuid", xmpUUID + [4, 5, 6]),
         "item data at bytes 208–210 lies in the uuid box at byte 200, which is blanked"),
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
        #expect(head.count < HEICMetadataBlanker.maxMetadataExtents * 4096)
        var blanker = HEICMetadataBlanker()
        #expect(throws: PhotoMetadataError(.heic, "its metadata item 1 has 60000 extents, more than the 1024 taken")) {
            _ = try blanker.feed(head)
        }
    }

    /// The limits on extents: per metadata item, for all metadata items, and for the other items (whose data is held
    /// merged). Up to each limit a file is taken.
    @Test(arguments: [
        ([1_024], false, nil),
        ([1_025], false, "its metadata item 1 has 1025 extents, more than the 1024 taken"),
        ([600, 424], false, nil),
        ([600, 425], false, "its metadata items have more than the 1024 extents taken in all"),
        // An item listed without extents counts as one: listing items again and again holds no more than extents.
        ([1_000] + Array(repeating: 0, count: 25), false,
         "its metadata items have more than the 1024 extents taken in all"),
        ([16_384], true, nil),
        ([10_000, 6_385], true, "its items have more than the 16384 extents taken"),
    ] as [([Int], Bool, String?)])
    func extentsAreCounted(perItem: [Int], images: Bool, refusal: String?) throws {
        func metaBox(_ mdatPayload: Int) -> [UInt8] {
            var offset = mdatPayload
            let locations = perItem.enumerated().map { item, count in
                defer { offset += count }
                return Location(item: item + 1, base: offset, extents: (0..<count).map { ($0, 1) })
            }
            let info = perItem.indices.flatMap { Self.infe($0 + 1, images ? "hvc1" : "Exif") }
            return Self.fullBox("meta", version: 0, Self.fullBox("iinf", version: 0, Self.u16(perItem.count) + info)
                + Self.iloc(locations, version: 0))
        }
        let mdatPayload = Self.ftyp.count + metaBox(0).count + 8
        let input = Self.ftyp + metaBox(mdatPayload)
            + Self.box("mdat", [UInt8](repeating: 0x5A, count: perItem.reduce(0, +)))
        if let refusal {
            #expect(throws: PhotoMetadataError(.heic, refusal)) { _ = try Self.blank(input) }
        } else {
            let output = try Self.blank(input)
            #expect(output.count == input.count)
            #expect((output[mdatPayload...].allSatisfy { $0 == 0x5A }) == images)
        }
    }

    // MARK: JPEG items

    /// A file whose item 2 is `jpeg` (item type `jpeg`, or `mime` of `contentType`) in mdat after item 1's pixels,
    /// cut in two extents at `cut` with three bytes between them (listed in reverse if `reversed`). Returns the file
    /// and where each half of the item lies.
    static func jpegItemFile(
        _ jpeg: [UInt8], itemType: String = "jpeg", contentType: String = "image/jpeg", cut: Int? = nil,
        reversed: Bool = false
    ) -> (file: [UInt8], halves: [Range<Int>]) {
        let cut = cut ?? jpeg.count
        func metaBox(_ mdatPayload: Int) -> [UInt8] {
            let preview = Self.infe(2, itemType, contentType: itemType == "mime" ? contentType : nil)
            let start = mdatPayload + Self.pixels.count
            var extents = [(start, cut), (start + cut + 3, jpeg.count - cut)]
            if reversed { extents.reverse() }
            return Self.fullBox("meta", version: 0, Self.hdlr + Self.fullBox("pitm", version: 0, Self.u16(1))
                + Self.fullBox("iinf", version: 0, Self.u16(2) + Self.infe(1, "hvc1") + preview)
                + Self.iloc([Location(item: 1, extents: [(mdatPayload, Self.pixels.count)]),
                             Location(item: 2, extents: extents)]))
        }
        let mdatPayload = Self.ftyp.count + metaBox(0).count + 8
        let start = mdatPayload + Self.pixels.count
        let file = Self.ftyp + metaBox(mdatPayload)
            + Self.box("mdat", Self.pixels + Array(jpeg[..<cut]) + [7, 7, 7] + Array(jpeg[cut...]))
        return (file, [start..<(start + cut), (start + cut + 3)..<(start + jpeg.count + 3)])
    }

    /// A segment with its payload zeroed.
    static func zeroed(_ segment: [UInt8]) -> [UInt8] {
        Array(segment[..<4]) + [UInt8](repeating: 0, count: segment.count - 4)
    }

    /// The JPEG item keeps every byte's place: its application segments and comments (between scans too) are
    /// zeroed, JFIF and Adobe stay, and what follows its end-of-image marker (an appended image) is zeroed.
    @Test(arguments: [("jpeg", "", nil), ("mime", "Image/JPEG; q=1", 100), ("jpeg", "", 171)]
          as [(String, String, Int?)])
    func aJPEGItemsSegmentsAreBlankedInPlace(itemType: String, contentType: String, cut: Int?) throws {
        typealias JPEG = JPEGMetadataStripperTests
        let tiny = JPEG.tiny
        let jfxx = JPEG.segment(0xE0, JPEG.bytes("JFXX\0") + [0x10, 0x42, 0x42])
        let exif = JPEG.exif(bigEndian: true)
        let head = Array(tiny[..<JPEG.afterJFIF])
        let scan = Array(tiny[JPEG.afterJFIF..<JPEG.endOfImage])
        let appended = JPEG.photo(JPEG.exif(bigEndian: false))
        let jpeg = head + exif + JPEG.icc + JPEG.adobe + jfxx + JPEG.photoshop + scan + JPEG.comment + [0xFF, 0xD9]
            + appended
        let expected = head + Self.zeroed(exif) + Self.zeroed(JPEG.icc) + JPEG.adobe
            + Array(jfxx[..<6]) + [UInt8](repeating: 0, count: jfxx.count - 6) + Self.zeroed(JPEG.photoshop) + scan
            + Self.zeroed(JPEG.comment) + [0xFF, 0xD9] + [UInt8](repeating: 0, count: appended.count)
        let (input, halves) = Self.jpegItemFile(jpeg, itemType: itemType, contentType: contentType, cut: cut)
        let output = try Self.blank(input)
        #expect(output.count == input.count)
        #expect(Array(output[halves[0]]) + Array(output[halves[1]]) == expected)
        let item = halves[0].lowerBound..<halves[1].upperBound
        #expect(output[..<item.lowerBound] == input[..<item.lowerBound])
        #expect(output[halves[0].upperBound..<halves[1].lowerBound] == [7, 7, 7])
        #expect(!JPEG.contains(output, JPEG.make) && !JPEG.contains(output, JPEG.latitude))
        #expect(try Self.blank(output) == output)
        #expect(PhotoFixtures.splitsThatDiffer(input, with: HEICMetadataBlanker.self, seed: 26) == [])
    }

    @Test func jpegItemsThatCannotBeWalkedAreRefused() throws {
        typealias JPEG = JPEGMetadataStripperTests
        let photo = JPEG.photo(JPEG.exif(bigEndian: true))
        let cases: [((file: [UInt8], halves: [Range<Int>]), String)] = [
            (Self.jpegItemFile([0xFF, 0xD9] + photo), "does not start with a start-of-image marker (byte 263)"),
            (Self.jpegItemFile(Array(photo.dropLast(2))), "ends before its end-of-image marker"),
            (Self.jpegItemFile(photo, cut: 30, reversed: true), "extents of JPEG item 2 are out of order"),
            (Self.jpegItemFile([0xFF, 0xD8, 0xFF, 0xE1, 0, 1] + photo), "has a segment of length 1 at byte 265"),
            (Self.jpegItemFile([0xFF, 0xD8, 0xAB] + photo), "has the byte AB at byte 265, where a marker belongs"),
            (Self.jpegItemFile([0xFF, 0xD8, 0xFF, 0xD8] + photo), "has the marker FF D8 at byte 265"),
        ]
        for ((file, _), reason) in cases {
            let prefix = reason.hasPrefix("extents") ? "the " : "its JPEG item 2 "
            #expect(throws: PhotoMetadataError(.heic, prefix + reason)) { _ = try Self.blank(file) }
        }
    }
}

extension HEICMetadataBlanker: StreamingStripper {}

// MARK: Review of the JPEG item walker: what JPEGMetadataStripper drops that a JPEG item still carries

extension HEICMetadataBlankerTests {
    /// The output for a file whose item 2 is `jpeg`, or nil if it is refused.
    static func blankedJPEGItem(_ jpeg: [UInt8]) -> [UInt8]? {
        let (file, halves) = jpegItemFile(jpeg)
        return (try? blank(file)).map { Array($0[halves[0]]) }
    }

    /// JPEGItemBlanker keeps an APP0 whole once its first five bytes read "JFIF\0": the fourteen JFIF fields, and
    /// then whatever the segment holds up to its length (a thumbnail, or an Exif block with camera, serial and GPS).
    /// JPEGMetadataStripper keeps JFIF's fourteen fields and nothing after them; a JPEG item should lose the rest too.
    @Test func aJPEGItemsJFIFSegmentKeepsOnlyItsFields() throws {
        typealias JPEG = JPEGMetadataStripperTests
        let fields = Array(JPEG.tiny[6..<20])  // JFIF\0, version, units, densities, thumbnail 0 × 0
        let jfif = JPEG.segment(0xE0, fields + JPEG.exifPayload)
        let jpeg = [0xFF, 0xD8] + jfif + Array(JPEG.tiny[JPEG.afterJFIF...])
        #expect(JPEG.contains(jpeg, JPEG.make) && JPEG.contains(jpeg, JPEG.latitude))
        let output = Self.blankedJPEGItem(jpeg)
        #expect(output.map { !JPEG.contains($0, JPEG.make) } ?? true, "the camera and its serial number came through")
        #expect(output.map { !JPEG.contains($0, JPEG.latitude) } ?? true, "the GPS latitude came through")
        #expect(output.map { $0.starts(with: [0xFF, 0xD8] + Array(jfif[..<4]) + fields) } ?? true)
    }

    /// JPEGItemBlanker copies every segment that is not APPn or COM whole, JPGn (FF F0–FD), JPG (FF C8) and the
    /// reserved markers (FF 02–BF) among them: an Exif block under one of them comes through. JPEGMetadataStripper
    /// refuses such a file (unknownMarkersCarryNoMetadata); a JPEG item should be refused or lose the segment.
    @Test(arguments: [0xF1, 0xFD, 0xC8, 0x02, 0xBF] as [UInt8])
    func aJPEGItemsUnknownMarkersCarryNoMetadata(_ marker: UInt8) throws {
        typealias JPEG = JPEGMetadataStripperTests
        let jpeg = JPEG.photo(JPEG.segment(marker, JPEG.exifPayload))
        #expect(JPEG.contains(jpeg, JPEG.make) && JPEG.contains(jpeg, JPEG.latitude))
        let output = Self.blankedJPEGItem(jpeg)
        #expect(output.map { !JPEG.contains($0, JPEG.make) && !JPEG.contains($0, JPEG.latitude) } ?? true,
                "FF \(String(marker, radix: 16, uppercase: true)): Exif came through")
    }
}
