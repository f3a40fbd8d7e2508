import Foundation
@testable import FormCore

/// What the photo metadata strippers' tests share: the photos in Fixtures/ (made by Fixtures/make-photos.py), the
/// secrets they carry, and feeding a stripper in pieces.
enum PhotoFixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func read(_ name: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: folder.appendingPathComponent(name)))
    }

    /// What make-photos.py wrote into the photos' Exif (make, model, software), XMP (the GPS position's tags) and
    /// text chunks: none of it may be left.
    static let secrets: [String] = [
        "CanonSpy", "EOS Secret", "SecretSoft", "GPSLatitude", "GPSLongitude", "Gartenstr", "Berlin", "Max Secret",
    ]

    static func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
        haystack.firstIndex(of: Array(needle.utf8), from: 0) != nil
    }

    /// The secrets found in `bytes`.
    static func secrets(in bytes: [UInt8]) -> [String] {
        secrets.filter { contains(bytes, $0) }
    }

    /// `bytes` fed to a new `Stripper`, cut at `cuts` (ascending offsets).
    static func strip<Stripper: StreamingStripper>(
        _ bytes: [UInt8], with _: Stripper.Type, cuts: [Int]
    ) -> Result<[UInt8], PhotoMetadataError> {
        var stripper = Stripper()
        return Result { () throws(PhotoMetadataError) -> [UInt8] in
            var output: [UInt8] = []
            var start = 0
            for cut in cuts + [bytes.count] where cut >= start {
                output += try stripper.feed(bytes[start..<cut])
                start = cut
            }
            try stripper.finish()
            return output
        }
    }

    /// The cuts of `bytes` (random ones, and between every byte: [-1]) for which a `Stripper` gives other output
    /// or another error than for the whole input: none, if it streams as it should.
    static func splitsThatDiffer<Stripper: StreamingStripper>(
        _ bytes: [UInt8], with type: Stripper.Type, seed: UInt64
    ) -> [[Int]] {
        let whole = strip(bytes, with: type, cuts: [])
        var random = SeededRandom(seed: seed)
        var differing: [[Int]] = []
        for round in 0..<200 {
            let cuts = (0..<(round % 2 == 0 ? 3 : 30)).map { _ in Int.random(in: 0...bytes.count, using: &random) }
                .sorted()
            if strip(bytes, with: type, cuts: cuts) != whole { differing.append(cuts) }
        }
        if strip(bytes, with: type, cuts: Array(0..<bytes.count)) != whole { differing.append([-1]) }
        return differing
    }
}

/// The strippers' common shape, for the helpers above.
protocol StreamingStripper {
    init()
    mutating func feed(_ chunk: ArraySlice<UInt8>) throws(PhotoMetadataError) -> [UInt8]
    mutating func finish() throws(PhotoMetadataError)
}
