import Foundation
import Testing
@testable import FormCore

@Suite struct JPEGMetadataStripperTests {
    /// A valid baseline JPEG: 8×8 grey gradient with JFIF, one quantization table, a frame header, two optimized
    /// Huffman tables, the scan and EOI (written by an ordinary encoder).
    static let tiny: [UInt8] = [
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
        0x00, 0x01, 0x00, 0x00, 0xFF, 0xDB, 0x00, 0x43, 0x00, 0x10, 0x0B, 0x0C, 0x0E, 0x0C, 0x0A, 0x10,
        0x0E, 0x0D, 0x0E, 0x12, 0x11, 0x10, 0x13, 0x18, 0x28, 0x1A, 0x18, 0x16, 0x16, 0x18, 0x31, 0x23,
        0x25, 0x1D, 0x28, 0x3A, 0x33, 0x3D, 0x3C, 0x39, 0x33, 0x38, 0x37, 0x40, 0x48, 0x5C, 0x4E, 0x40,
        0x44, 0x57, 0x45, 0x37, 0x38, 0x50, 0x6D, 0x51, 0x57, 0x5F, 0x62, 0x67, 0x68, 0x67, 0x3E, 0x4D,
        0x71, 0x79, 0x70, 0x64, 0x78, 0x5C, 0x65, 0x67, 0x63, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x08,
        0x00, 0x08, 0x01, 0x01, 0x11, 0x00, 0xFF, 0xC4, 0x00, 0x14, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0xFF, 0xC4, 0x00, 0x16,
        0x10, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x06, 0x43, 0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0x3A, 0x54,
        0xCF, 0xFF, 0xD9,
    ]
    /// Where the JFIF segment ends, where the scan (SOS) starts, where its image data starts and where EOI starts in
    /// `tiny`.
    static let afterJFIF = 20
    static let scanStart = 148
    static let scanData = 158
    static let endOfImage = 161

    static func segment(_ marker: UInt8, _ payload: [UInt8]) -> [UInt8] {
        let length = payload.count + 2
        return [0xFF, marker, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    static let make = bytes("Canon EOS 5D Mark IV SN 012345678")
    static let latitude: [UInt8] = [0, 0, 0, 52, 0, 0, 0, 1, 0, 0, 0, 31, 0, 0, 0, 1, 0, 0, 0x30, 0x39, 0, 0, 0, 100]

    /// An Exif APP1 as cameras write it: IFD0 with Make, Orientation and a pointer to a GPS IFD (latitude with its
    /// reference), the strings and rationals stored after the directories.
    static func exif(bigEndian: Bool, orientation: UInt16? = 6, orientationType: UInt16 = 3) -> [UInt8] {
        func u16(_ value: UInt16) -> [UInt8] {
            bigEndian ? [UInt8(value >> 8), UInt8(value & 0xFF)] : [UInt8(value & 0xFF), UInt8(value >> 8)]
        }
        func u32(_ value: UInt32) -> [UInt8] {
            bigEndian ? u16(UInt16(value >> 16)) + u16(UInt16(value & 0xFFFF))
                : u16(UInt16(value & 0xFFFF)) + u16(UInt16(value >> 16))
        }
        func entry(_ tag: UInt16, _ type: UInt16, _ count: UInt32, _ value: [UInt8]) -> [UInt8] {
            u16(tag) + u16(type) + u32(count) + value + [UInt8](repeating: 0, count: 4 - value.count)
        }
        let ifd0Count = orientation == nil ? 2 : 3
        let ifd0End = 8 + 2 + 12 * ifd0Count + 4
        let gpsStart = ifd0End
        let gpsEnd = gpsStart + 2 + 12 * 2 + 4
        let makeAt = UInt32(gpsEnd)
        let latitudeAt = makeAt + UInt32(make.count + 1)
        var tiff = (bigEndian ? bytes("MM") : bytes("II")) + u16(42) + u32(8)
        tiff += u16(UInt16(ifd0Count))
        tiff += entry(0x010F, 2, UInt32(make.count + 1), u32(makeAt))
        if let orientation { tiff += entry(0x0112, orientationType, 1, u16(orientation)) }
        tiff += entry(0x8825, 4, 1, u32(UInt32(gpsStart)))
        tiff += u32(0)
        tiff += u16(2)
        tiff += entry(0x0001, 2, 2, bytes("N") + [0])
        tiff += entry(0x0002, 5, 3, u32(latitudeAt))
        tiff += u32(0)
        tiff += make + [0] + latitude
        return segment(0xE1, bytes("Exif") + [0, 0] + tiff)
    }

    static let xmp = segment(0xE1, bytes("http://ns.adobe.com/xap/1.0/") + [0] + bytes(
        "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:Description exif:GPSLatitude='52,31.12N'/></x:xmpmeta>"))
    static let icc = segment(0xE2, bytes("ICC_PROFILE") + [0, 1, 1] + [UInt8](repeating: 0x42, count: 300))
    static let mpf = segment(0xE2, bytes("MPF") + [0] + bytes("MM") + [0, 42, 0, 0, 0, 8])
    static let photoshop = segment(0xED, bytes("Photoshop 3.0") + [0] + bytes("8BIM IPTC Ort: Berlin"))
    static let comment = segment(0xFE, bytes("Taken at Gartenstr. 5 by Max"))
    static let adobe = segment(0xEE, bytes("Adobe") + [0, 100, 0, 0, 0, 0, 1])
    static let vendor = segment(0xEB, bytes("HDR gain map, device serial"))

    /// `tiny` with `segments` after its JFIF segment.
    static func photo(_ segments: [UInt8]...) -> [UInt8] {
        Array(tiny[..<afterJFIF]) + segments.flatMap { $0 } + Array(tiny[afterJFIF...])
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        haystack.firstIndex(of: needle, from: 0) != nil
    }

    /// Marker and payload of each segment up to and including SOS, read independently of the stripper.
    static func segments(_ jpeg: [UInt8]) -> [(marker: UInt8, payload: [UInt8])] {
        var result: [(marker: UInt8, payload: [UInt8])] = []
        var index = 2
        while index + 4 <= jpeg.count, jpeg[index] == 0xFF {
            let marker = jpeg[index + 1]
            let length = Int(jpeg[index + 2]) << 8 | Int(jpeg[index + 3])
            result.append((marker, Array(jpeg[(index + 4)..<min(index + 2 + length, jpeg.count)])))
            if marker == 0xDA { break }
            index += 2 + length
        }
        return result
    }

    static func strip(_ jpeg: [UInt8]) throws -> [UInt8] { try JPEGMetadataStripper.strip(jpeg) }

    /// Where the first SOS segment starts, and where the marker after the first scan's image data starts, found
    /// independently of the stripper.
    static func firstScan(_ jpeg: [UInt8]) -> (start: Int, next: Int)? {
        var index = 2
        while index + 4 <= jpeg.count, jpeg[index] == 0xFF {
            let start = index
            let marker = jpeg[index + 1]
            index += 2 + (Int(jpeg[index + 2]) << 8 | Int(jpeg[index + 3]))
            guard marker == 0xDA else { continue }
            while index + 1 < jpeg.count {
                if jpeg[index] == 0xFF, jpeg[index + 1] != 0, !(0xD0...0xD7).contains(jpeg[index + 1]) {
                    return (start, index)
                }
                index += 1
            }
            return nil
        }
        return nil
    }

    /// How many restart markers (FF D0–D7) the bytes hold.
    static func restartMarkers(_ jpeg: [UInt8]) -> Int {
        zip(jpeg, jpeg.dropFirst()).filter { $0 == 0xFF && (0xD0...0xD7).contains($1) }.count
    }

    /// A photo as a phone sends it (Fixtures/, written with Pillow by make-fixtures.py): an MPF file whose main
    /// image, with Exif (camera, serial number, orientation 6, GPS), XMP, a comment and an ICC profile, is followed
    /// by a depth map with an Exif block and GPS of its own.
    struct Fixture: Sendable, CustomTestStringConvertible {
        let name: String
        let whole: [UInt8]
        /// Where the appended image starts: the main image holds no other start-of-image marker.
        let secondStart: Int

        init(_ name: String) {
            self.name = name
            let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
                .appendingPathComponent(name)
            let bytes = [UInt8]((try? Data(contentsOf: url)) ?? Data())
            let soi: [UInt8] = [0xFF, 0xD8, 0xFF]
            whole = bytes
            secondStart = bytes.indices.dropFirst().last { bytes[$0...].starts(with: soi) } ?? bytes.count
        }

        var main: [UInt8] { Array(whole[..<secondStart]) }
        var second: [UInt8] { Array(whole[secondStart...]) }
        var testDescription: String { name }
    }

    static let fixtures = [Fixture("baseline-mpo.jpg"), Fixture("progressive-mpo.jpg")]

    /// A quantization table (16-bit, number 3, which the image does not use) whose values hold FF D9, and a comment
    /// that does too.
    static let tableWithFFD9 = segment(0xDB, [0x13] + [UInt8](repeating: 0, count: 64).flatMap { _ in [0xFF, 0xD9] })
    static let commentWithFFD9 = segment(0xFE, bytes("no end ") + [0xFF, 0xD9] + bytes(" Gartenstr. 5"))

    /// The progressive fixture with segments after its first scan (behind fill bytes): a comment, Exif, IPTC, XMP
    /// and an empty application segment, which go, and a table, which stays (comment and table hold FF D9), then the
    /// appended depth map. `expected` is the stripped main image with that table after its first scan.
    static func betweenScans() throws -> (input: [UInt8], expected: [UInt8]) {
        let main = fixtures[1].main
        let stripped = try strip(main)
        let (at, strippedAt) = (firstScan(main)?.next ?? 0, firstScan(stripped)?.next ?? 0)
        let inserted = [0xFF, 0xFF] + commentWithFFD9 + exif(bigEndian: false) + tableWithFFD9 + photoshop + xmp
            + segment(0xEC, [])
        return (Array(main[..<at]) + inserted + Array(main[at...]) + fixtures[1].second,
                Array(stripped[..<strippedAt]) + tableWithFFD9 + Array(stripped[strippedAt...]))
    }

    /// The output for `input` fed in the pieces between `cuts`.
    static func strip(_ input: [UInt8], cuts: [Int]) -> Result<[UInt8], JPEGError> {
        var stripper = JPEGMetadataStripper()
        return Result { () throws(JPEGError) -> [UInt8] in
            var output: [UInt8] = []
            var start = 0
            for cut in cuts + [input.count] {
                output += try stripper.feed(input[start..<cut])
                start = cut
            }
            try stripper.finish()
            return output
        }
    }

    @Test func tinyJPEGPassesUnchanged() throws {
        #expect(try Self.strip(Self.tiny) == Self.tiny)
        #expect(Self.segments(Self.tiny).map(\.marker) == [0xE0, 0xDB, 0xC0, 0xC4, 0xC4, 0xDA])
    }

    @Test(arguments: [true, false])
    func removesLocationAndDeviceData(bigEndian: Bool) throws {
        let input = Self.photo(Self.exif(bigEndian: bigEndian), Self.xmp, Self.icc, Self.photoshop, Self.comment,
                               Self.mpf, Self.vendor, Self.adobe)
        let output = try Self.strip(input)

        for secret in [Self.make, Self.latitude, Self.bytes("GPSLatitude"), Self.bytes("xmpmeta"),
                       Self.bytes("Photoshop"), Self.bytes("Gartenstr"), Self.bytes("serial"), Self.bytes("MPF")] {
            #expect(Self.contains(input, secret))
            #expect(!Self.contains(output, secret), "\(String(decoding: secret, as: UTF8.self)) is still there")
        }
        let segments = Self.segments(output)
        #expect(segments.map(\.marker) == [0xE0, 0xE1, 0xE2, 0xEE, 0xDB, 0xC0, 0xC4, 0xC4, 0xDA])
        // The orientation survives in an Exif block a reader can parse.
        let exif = segments[1].payload
        #expect(exif.starts(with: Self.bytes("Exif") + [0, 0]))
        #expect(JPEGMetadataStripper.orientation(inTIFF: Array(exif.dropFirst(6))) == 6)
        #expect(Array(exif.dropFirst(6)) == [
            0x4D, 0x4D, 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08, 0x00, 0x01,
            0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        ])
        // ICC profile, JFIF and Adobe are kept byte for byte.
        #expect(Self.contains(output, Self.icc) && Self.contains(output, Self.adobe))
        #expect(output.starts(with: Self.tiny[..<Self.afterJFIF]))
        // The image data from SOS on is untouched.
        #expect(output.suffix(Self.tiny.count - Self.scanStart) == Self.tiny[Self.scanStart...])
    }

    @Test func readsOrientationInBothByteOrders() {
        for bigEndian in [true, false] {
            let tiff = Array(Self.exif(bigEndian: bigEndian).dropFirst(10))
            #expect(JPEGMetadataStripper.orientation(inTIFF: tiff) == 6)
        }
    }

    @Test func exifWithoutAUsableOrientationIsDroppedWhole() throws {
        for exif in [Self.exif(bigEndian: true, orientation: nil), Self.exif(bigEndian: false, orientation: 9),
                     Self.exif(bigEndian: false, orientation: 0), Self.exif(bigEndian: true, orientationType: 4),
                     Self.segment(0xE1, Self.bytes("Exif") + [0, 0, 0x4D, 0x4D]), Self.segment(0xE1, [])] {
            #expect(try Self.strip(Self.photo(exif)) == Self.tiny)
        }
    }

    @Test func onlyTheFirstOrientationIsWritten() throws {
        let output = try Self.strip(Self.photo(Self.exif(bigEndian: true), Self.exif(bigEndian: false, orientation: 3)))
        #expect(output == Self.photo(JPEGMetadataStripper.exifSegment(orientation: 6)))
    }

    @Test(arguments: [
        ([0x4D, 0x4D, 0x00, 0x2A, 0x00, 0x00, 0x00], "shorter than a TIFF header"),
        ([0x4D, 0x49, 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00], "no byte order"),
        ([0x4D, 0x4D, 0x00, 0x2B, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00], "not 42"),
        ([0x4D, 0x4D, 0x00, 0x2A, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00], "IFD0 past the end"),
        ([0x4D, 0x4D, 0x00, 0x2A, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00], "IFD0 count cut off"),
        ([0x4D, 0x4D, 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08, 0x00, 0x02, 0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01,
          0x00, 0x06], "entry cut off"),
        ([0x4D, 0x4D, 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08, 0x00, 0x01, 0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00,
          0x00, 0x06, 0x00, 0x00], "count 0"),
    ] as [([UInt8], String)])
    func unreadableExifHasNoOrientation(tiff: [UInt8], problem: String) {
        #expect(JPEGMetadataStripper.orientation(inTIFF: tiff) == nil, "\(problem)")
    }

    @Test func fillBytesAndStandaloneMarkers() throws {
        // Fill bytes before a marker are dropped; markers without a length are kept.
        let input = Array(Self.tiny[..<Self.afterJFIF]) + [0xFF, 0xFF, 0xFF, 0x01, 0xFF, 0xFF]
            + Array(Self.tiny[(Self.afterJFIF + 1)...])
        #expect(try Self.strip(input) == Array(Self.tiny[..<Self.afterJFIF]) + [0xFF, 0x01]
            + Array(Self.tiny[Self.afterJFIF...]))
    }

    @Test func anySplitGivesTheSameOutput() throws {
        let input = Self.photo(Self.exif(bigEndian: false), Self.xmp, Self.icc, Self.comment, Self.segment(0xE1, []))
            + [UInt8](repeating: 0x5A, count: 2000)
        let whole = try Self.strip(input)
        var random = SeededRandom(seed: 11)
        for round in 0..<300 {
            let cuts = ((0..<(round % 2 == 0 ? 3 : 30)).map { _ in Int.random(in: 0...input.count, using: &random) }
                + [input.count]).sorted()
            var stripper = JPEGMetadataStripper()
            var output: [UInt8] = []
            var start = 0
            for cut in cuts {
                output += try stripper.feed(input[start..<cut])
                start = cut
            }
            try stripper.finish()
            #expect(output == whole, "cuts \(cuts)")
        }
        var stripper = JPEGMetadataStripper()
        var output: [UInt8] = []
        for byte in input { output += try stripper.feed([byte]) }
        try stripper.finish()
        #expect(output == whole)
    }

    /// The output comes while the input arrives: within a segment's length of it before SOS, at once in the image
    /// data (but for an FF, until the next byte says what it is).
    @Test func outputIsStreamed() throws {
        var stripper = JPEGMetadataStripper()
        let head = Self.photo(Self.icc)
        let scanData = head.count - Self.tiny.count + Self.scanData
        #expect(try stripper.feed(Array(head[..<100])) == Array(head[..<Self.afterJFIF]))
        #expect(try stripper.feed(Array(head[100..<scanData])) == Array(head[Self.afterJFIF..<scanData]))
        #expect(try stripper.feed([0x12, 0x34, 0xFF]) == [0x12, 0x34])
        #expect(try stripper.feed([0x00, 0x56, 0xFF, 0xFF]) == [0xFF, 0x00, 0x56])
        #expect(try stripper.feed([0xD9]) == [0xFF, 0xD9])
        #expect(try stripper.feed(Self.tiny) == [])
        try stripper.finish()
    }

    @Test func fixturesAreThere() throws {
        for fixture in Self.fixtures {
            #expect(fixture.main.count > 2000 && fixture.second.count > 1000, "\(fixture.name)")
            #expect(fixture.main.suffix(2) == [0xFF, 0xD9], "\(fixture.name)")
        }
        #expect(Self.segments(Self.fixtures[0].main).map(\.marker).contains(0xC0))
        #expect(Self.segments(Self.fixtures[1].main).map(\.marker).contains(0xC2))
        #expect(try Self.betweenScans().input.count > Self.fixtures[1].whole.count)
    }

    /// A phone's MPF photo: the image after the main one, and its Exif and GPS, are gone; the output ends with the
    /// main image's EOI, its image data (scans, restart markers, tables between scans) byte for byte as it came.
    @Test(arguments: fixtures)
    func anAppendedImageIsDropped(_ fixture: Fixture) throws {
        let output = try Self.strip(fixture.whole)
        #expect(output == (try Self.strip(fixture.main)))
        for secret in ["Canon", "EOS 5D", "SN012345678", "Gartenstr", "GPSLatitude", "MPF", "DepthCam", "Depth unit",
                       "depth map"] {
            #expect(Self.contains(fixture.whole, Self.bytes(secret)))
            #expect(!Self.contains(output, Self.bytes(secret)), "\(secret) is still there")
        }
        #expect(output.suffix(2) == [0xFF, 0xD9])
        #expect(output.indices.filter { output[$0...].starts(with: [0xFF, 0xD8]) } == [0])
        let segments = Self.segments(output)
        #expect(segments.map(\.marker).filter { (0xE0...0xEF).contains($0) || $0 == 0xFE } == [0xE0, 0xE1, 0xE2])
        #expect(segments.first { $0.marker == 0xE2 }?.payload.starts(with: Self.bytes("ICC_PROFILE")) == true)
        let exif = segments.first(where: { $0.marker == 0xE1 }).map(\.payload) ?? []
        #expect(JPEGMetadataStripper.orientation(inTIFF: Array(exif.dropFirst(6))) == 6)
        let (start, mainStart) = (Self.firstScan(output)?.start ?? 0, Self.firstScan(fixture.main)?.start ?? 0)
        #expect(output[start...] == fixture.main[mainStart...])
        #expect(Self.restartMarkers(fixture.main) >= 5)
    }

    /// Segments between scans are walked by their length: an FF D9 in them ends nothing. Metadata there goes as it
    /// goes before the first scan; tables stay.
    @Test func segmentsBetweenScans() throws {
        let (input, expected) = try Self.betweenScans()
        let output = try Self.strip(input)
        #expect(output == expected)
        #expect(Self.contains(output, Self.tableWithFFD9))
        #expect(!Self.contains(output, Self.bytes("Gartenstr")) && !Self.contains(output, Self.make))
        #expect(Self.segments(output).map(\.marker).filter { $0 == 0xE1 }.count == 1)
    }

    /// The same rules before EOI, after the last scan: the first Exif block there still gives the orientation.
    @Test func metadataAfterTheLastScan() throws {
        let input = Array(Self.tiny[..<Self.endOfImage]) + Self.comment + Self.exif(bigEndian: true) + Self.photoshop
            + Self.segment(0xC4, [0x11, 0xFF, 0xD9]) + [0xFF, 0xFF, 0xD9]
        #expect(try Self.strip(input) == Array(Self.tiny[..<Self.endOfImage])
            + JPEGMetadataStripper.exifSegment(orientation: 6) + Self.segment(0xC4, [0x11, 0xFF, 0xD9]) + [0xFF, 0xD9])
    }

    /// In the image data FF 00 is a stuffed FF, FF D0–D7 restart markers and FF 01 (TEM) are kept, fill bytes
    /// before a marker go.
    @Test func markersInTheImageData() throws {
        let head = Array(Self.tiny[..<Self.scanData])
        let input = head + [0x3A, 0xFF, 0x00, 0xFF, 0xD0, 0x54, 0xFF, 0xFF, 0xFF, 0xD7, 0xFF, 0x00, 0xCF, 0xFF, 0x01,
                            0x00, 0xFF, 0xFF, 0xD9, 0xFF, 0xD8]
        #expect(try Self.strip(input) == head + [0x3A, 0xFF, 0x00, 0xFF, 0xD0, 0x54, 0xFF, 0xD7, 0xFF, 0x00, 0xCF,
                                                 0xFF, 0x01, 0x00, 0xFF, 0xD9])
    }

    /// The SOS header is copied by its length: a component numbered FF followed by D9 ends nothing.
    @Test func theScanHeaderIsWalkedByItsLength() throws {
        let input = Array(Self.tiny[..<Self.scanStart]) + Self.segment(0xDA, [0x01, 0xFF, 0xD9, 0x00, 0x3F, 0x00])
            + Array(Self.tiny[Self.scanData...])
        #expect(try Self.strip(input) == input)
    }

    @Test func anythingAfterTheEndOfImageIsDropped() throws {
        let trailers: [[UInt8]] = [
            [0xFF], [0xFF, 0xD8], [0x00], Self.bytes("SEFH trailer, 52.52N 13.40E"),
            Self.photo(Self.exif(bigEndian: false)), Self.tiny, [UInt8](repeating: 0xFF, count: 100),
        ]
        for trailer in trailers {
            #expect(try Self.strip(Self.tiny + trailer) == Self.tiny)
            var stripper = JPEGMetadataStripper()
            #expect(try stripper.feed(Self.tiny) == Self.tiny)
            #expect(try stripper.feed(trailer) == [])
            #expect(try stripper.feed(trailer) == [])
            try stripper.finish()
        }
    }

    /// Wherever the input is cut into pieces, the output is the same, and so is a refusal.
    @Test func everySplitGivesTheSameOutput() throws {
        let input = try Self.betweenScans().input
        let whole = try Self.strip(input)
        for cut in 0...input.count {
            #expect(Self.strip(input, cuts: [cut]) == .success(whole), "cut at \(cut)")
        }
        #expect(Self.strip(input, cuts: Array(1..<input.count)) == .success(whole))
        var random = SeededRandom(seed: 5)
        for round in 0..<200 {
            let cuts = (0..<(round % 2 == 0 ? 3 : 40)).map { _ in Int.random(in: 0...input.count, using: &random) }
            #expect(Self.strip(input, cuts: cuts.sorted()) == .success(whole), "cuts \(cuts.sorted())")
        }
        let cutShort = Array(input[..<(Self.fixtures[1].secondStart + input.count - Self.fixtures[1].whole.count - 1)])
        let refusal = Self.strip(cutShort, cuts: [])
        #expect(refusal == .failure(JPEGError("it ends after \(cutShort.count) bytes, \(Self.noEnd)")))
        for cut in 0...cutShort.count {
            #expect(Self.strip(cutShort, cuts: [cut]) == refusal, "cut at \(cut)")
        }
    }

    @Test func strippingTwiceIsStrippingOnce() throws {
        for input in [Self.tiny, Self.photo(Self.exif(bigEndian: false), Self.icc, Self.comment),
                      Self.photo(Self.exif(bigEndian: true), Self.xmp),
                      Array(Self.tiny[..<Self.endOfImage]) + Self.exif(bigEndian: true) + [0xFF, 0xD9]]
            + Self.fixtures.map(\.whole) + [try Self.betweenScans().input] {
            let once = try Self.strip(input)
            #expect(try Self.strip(once) == once)
        }
    }

    @Test(arguments: [
        ([], "the file is empty"),
        ([0xFF], "it ends before the start-of-image marker"),
        ([0x89, 0x50, 0x4E, 0x47], "it does not start with the start-of-image marker FF D8"),
        ([0xFF, 0xD9], "it does not start with the start-of-image marker FF D8"),
        (Array("MZ\u{90}\0".utf8), "it does not start with the start-of-image marker FF D8"),
        ([0xFF, 0xD8], "it ends after 2 bytes, before the image data (no start-of-scan marker)"),
        ([0xFF, 0xD8, 0xFF, 0xDB], "it ends after 4 bytes, before the image data (no start-of-scan marker)"),
        ([0xFF, 0xD8, 0x00], "expected a marker (FF) at byte 2, found 00"),
        ([0xFF, 0xD8, 0xFF, 0x00], "expected a marker at byte 2, found FF 00"),
        ([0xFF, 0xD8, 0xFF, 0xFF, 0xD8], "a second start-of-image marker at byte 2"),
        ([0xFF, 0xD8, 0xFF, 0xD9], "the end-of-image marker at byte 2 comes before any image data"),
        ([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01], "the FF E0 segment at byte 2 has length 1, less than 2"),
        ([0xFF, 0xD8, 0xFF, 0xDB, 0x00, 0x00], "the FF DB segment at byte 2 has length 0, less than 2"),
        ([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46], "the FF E0 segment at byte 2 \(cutOff)"),
        ([0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 0x45], "the FF E1 segment at byte 2 \(cutOff)"),
        ([0xFF, 0xD8, 0xFF, 0xFE, 0x00, 0x03], "the FF FE segment at byte 2 \(cutOff)"),
        ([0xFF, 0xD8] + frame + [0xFF, 0xDA, 0x00, 0x08, 0x01], "the FF DA segment at byte 15 \(cutOff)"),
        ([0xFF, 0xD8] + frame + [0xFF, 0xDA, 0x00, 0x02], "it ends after 19 bytes, \(noEnd)"),
        ([0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02, 0x12], "the start-of-scan marker at byte 2 comes before any frame header"),
        ([0xFF, 0xD8, 0xFF, 0xF1, 0x00, 0x02], "an unknown FF F1 segment at byte 2"),
        (scanned, "it ends after 20 bytes, \(noEnd)"),
        (scanned + [0xFF], "it ends after 21 bytes, \(noEnd)"),
        (scanned + [0xFF, 0xD0], "it ends after 22 bytes, \(noEnd)"),
        (scanned + [0xFF, 0xC4, 0x00, 0x02], "it ends after 24 bytes, \(noEnd)"),
        (scanned + [0xFF, 0xC4, 0x00, 0x05, 0x00], "the FF C4 segment at byte 20 \(cutOff)"),
        (scanned + [0xFF, 0xFF, 0xE1, 0x00, 0x04, 0x00], "the FF E1 segment at byte 20 \(cutOff)"),
        (scanned + [0xFF, 0xC4, 0x00, 0x01], "the FF C4 segment at byte 20 has length 1, less than 2"),
        (scanned + [0xFF, 0xC4, 0x00, 0x02, 0x12], "expected a marker (FF) at byte 24, found 12"),
        // A second image appended to one without its end-of-image marker: its metadata would come along.
        (scanned + [0xFF, 0xD8, 0xFF, 0xE1], "a second start-of-image marker at byte 20"),
    ] as [([UInt8], String)])
    func rejects(input: [UInt8], reason: String) {
        #expect(throws: JPEGError(reason)) { _ = try Self.strip(input) }
    }

    static let cutOff = "is longer than the bytes that follow"
    static let noEnd = "before the end of the image (no end-of-image marker)"
    /// A frame header (SOF0): 8 × 8 pixels, one component.
    static let frame: [UInt8] = [0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x08, 0x00, 0x08, 0x01, 0x01, 0x11, 0x00]
    /// The start of a file cut in its image data: SOI, a frame header, an empty SOS header and one byte of data.
    static let scanned: [UInt8] = [0xFF, 0xD8] + frame + [0xFF, 0xDA, 0x00, 0x02, 0x12]

    @Test func truncatedFilesAreRefused() throws {
        for cut in [Self.afterJFIF, Self.afterJFIF + 1, Self.scanStart - 1, Self.scanStart + 1] {
            #expect(throws: JPEGError.self) { _ = try Self.strip(Array(Self.tiny[..<cut])) }
        }
        #expect(throws: JPEGError("the FF C4 segment at byte 124 is longer than the bytes that follow")) {
            _ = try Self.strip(Array(Self.tiny[..<(Self.scanStart - 1)]))
        }
        // A file cut in its image data would show grey or not at all: it is refused, wherever it is cut.
        #expect(throws: JPEGError("it ends after 161 bytes, \(Self.noEnd)")) {
            _ = try Self.strip(Array(Self.tiny[..<Self.endOfImage]))
        }
        for fixture in Self.fixtures {
            for cut in 0..<fixture.main.count {
                #expect(throws: JPEGError.self, "\(fixture.name) cut at \(cut)") {
                    _ = try Self.strip(Array(fixture.main[..<cut]))
                }
            }
        }
    }

    @Test func anErrorSticks() throws {
        var stripper = JPEGMetadataStripper()
        let error = JPEGError("expected a marker (FF) at byte 2, found 41")
        #expect(throws: error) { _ = try stripper.feed([0xFF, 0xD8, 0x41]) }
        #expect(throws: error) { _ = try stripper.feed(Self.tiny) }
        #expect(throws: error) { try stripper.finish() }
        #expect(error.description == "not a readable JPEG: expected a marker (FF) at byte 2, found 41")
    }
}

// MARK: Review: metadata that gets through

extension JPEGMetadataStripperTests {
    /// An Exif block's payload (identifier and TIFF structure: make, serial, GPS latitude), without its APP1 header.
    static var exifPayload: [UInt8] { Array(exif(bigEndian: true).dropFirst(4)) }

    /// APP0 and APP14 are copied by their marker, whatever they hold: a JFIF extension (JFXX) whose thumbnail is a
    /// whole JPEG with its own Exif (camera, serial, GPS), or an Exif block written into APP0 or APP14, comes out as
    /// it went in. Only JFIF in APP0 and Adobe in APP14 may be kept.
    @Test(arguments: [
        ("JFXX thumbnail with its own Exif", segment(0xE0, bytes("JFXX") + [0, 0x10] + photo(exif(bigEndian: false)))),
        ("Exif in APP0", segment(0xE0, exifPayload)),
        ("Exif in APP14", segment(0xEE, exifPayload)),
        ("Exif after JFIF's fields", segment(0xE0, bytes("JFIF") + [0, 1, 1, 0, 0, 1, 0, 1, 0, 0] + exifPayload)),
        ("Exif after Adobe's fields", segment(0xEE, bytes("Adobe") + [0, 100, 0, 0, 0, 0, 1] + exifPayload)),
    ] as [(String, [UInt8])])
    func app0AndApp14CarryOnlyJFIFAndAdobe(_ what: String, _ segment: [UInt8]) throws {
        let input = Self.photo(segment)
        #expect(Self.contains(input, Self.make) && Self.contains(input, Self.latitude))
        let output = try Self.strip(input)
        #expect(!Self.contains(output, Self.make), "\(what): the camera and its serial number are still there")
        #expect(!Self.contains(output, Self.latitude), "\(what): the GPS latitude is still there")
    }

    /// Every marker the stripper does not know (JPGn FF F0–FD, JPG FF C8, the reserved FF 02–BF) is copied with its
    /// payload, so an Exif block in one goes through, in a file libjpeg refuses (JERR_UNKNOWN_MARKER) but the form
    /// takes as a photo. Such a segment must be dropped or the file refused.
    @Test(arguments: [0xF1, 0xFD, 0xC8, 0x02, 0xBF] as [UInt8])
    func unknownMarkersCarryNoMetadata(_ marker: UInt8) throws {
        let input = Self.photo(Self.segment(marker, Self.exifPayload))
        let output = try? Self.strip(input)
        #expect(output.map { !Self.contains($0, Self.make) && !Self.contains($0, Self.latitude) } ?? true,
                "FF \(String(marker, radix: 16, uppercase: true)): Exif came through")
    }

    /// A "JPEG" without a frame header (SOF), tables or any image: SOI, an empty scan header, any bytes and EOI is
    /// taken as a photo and sent to HERO as one. No decoder can show it; it should be refused as not readable.
    @Test func aScanWithoutAFrameHeaderIsRefused() {
        let payload = Self.bytes("<html><script>alert(1)</script> not an image, 52.5200 N 13.4050 E</html>")
        let input: [UInt8] = [0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02] + payload + [0xFF, 0xD9]
        #expect(throws: JPEGError.self) { _ = try Self.strip(input) }
    }
}
