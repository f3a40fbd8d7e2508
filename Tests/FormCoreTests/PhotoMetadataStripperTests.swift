import Testing
@testable import FormCore

@Suite struct PhotoMetadataStripperTests {
    static let photos: [(AttachmentType, [UInt8])] = [
        (.jpeg, JPEGMetadataStripperTests.photo(JPEGMetadataStripperTests.exif(bigEndian: true))),
        (.png, (try? PhotoFixtures.read("gps.png")) ?? []),
        (.webp, (try? PhotoFixtures.read("gps.webp")) ?? []),
        (.heic, (try? PhotoFixtures.read("gps.heic")) ?? []),
    ]

    @Test func aStripperForEachPhotoKindAndNoneForPDFs() throws {
        for type in AttachmentType.allCases {
            #expect(PhotoMetadataStripper(for: type)?.type == (type == .pdf ? nil : type))
        }
        let pdf = Array("%PDF-1.7\n".utf8)
        #expect(try PhotoMetadataStripper.strip(pdf, as: .pdf) == pdf)
    }

    @Test func eachKindGoesToItsStripper() throws {
        for (type, photo) in Self.photos {
            #expect(AttachmentType.sniff(photo) == type)
            let expected: [UInt8]
            switch type {
            case .jpeg: expected = try JPEGMetadataStripper.strip(photo)
            case .png: expected = try PNGMetadataStripper.strip(photo)
            case .webp: expected = try WebPMetadataStripper.strip(photo)
            default: expected = try HEICMetadataBlanker.blank(photo)
            }
            #expect(try PhotoMetadataStripper.strip(photo, as: type) == expected, "\(type)")
            #expect(PhotoFixtures.secrets(in: expected) == [], "\(type)")
            // Fed in 64 KiB pieces or one byte at a time, as the app feeds it.
            var stripper = try #require(PhotoMetadataStripper(for: type))
            var output: [UInt8] = []
            for byte in photo { output += try stripper.feed([byte]) }
            try stripper.finish()
            #expect(output == expected, "\(type)")
        }
    }

    @Test func errorsSayWhichKindCouldNotBeRead() {
        let garbage = Array("not an image at all".utf8)
        for (type, name) in [(AttachmentType.jpeg, "JPEG"), (.png, "PNG"), (.webp, "WebP"), (.heic, "HEIC")] {
            #expect {
                _ = try PhotoMetadataStripper.strip(garbage, as: type)
            } throws: { error in
                let error = error as? PhotoMetadataError
                return error?.type == type && error?.description.hasPrefix("not a readable \(name): ") == true
            }
        }
        #expect(throws: PhotoMetadataError(.jpeg, "it does not start with the start-of-image marker FF D8")) {
            _ = try PhotoMetadataStripper.strip(garbage, as: .jpeg)
        }
    }

    @Test func anErrorSticks() throws {
        let error = PhotoMetadataError(.jpeg, "expected a marker (FF) at byte 2, found 41")
        var stripper = try #require(PhotoMetadataStripper(for: .jpeg))
        #expect(throws: error) { _ = try stripper.feed([0xFF, 0xD8, 0x41]) }
        #expect(throws: error) { _ = try stripper.feed(JPEGMetadataStripperTests.tiny) }
        #expect(throws: error) { try stripper.finish() }
    }
}
