import Foundation
import Testing
@testable import FormCore

/// Replays the corpus and every input the fuzzer found for the multipart stream parser and the photo strippers
/// (Fuzz/corpus/<target>, Fuzz/regressions/<target>) with the fuzz targets' checks: fed in pieces the result is the
/// same as fed whole; a stripped JPEG is at most a small Exif block longer and ends with its end-of-image marker
/// whatever follows the input, a stripped PNG, WebP or HEIC no longer (a HEIC exactly as long), and each strips to
/// itself.
@Suite struct StreamFuzzRegressionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func inputs(_ target: String) -> [String] {
        ["Fuzz/corpus/\(target)", "Fuzz/regressions/\(target)"].flatMap { folder -> [String] in
            let url = root.appendingPathComponent(folder)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
            return names.filter { !$0.hasPrefix(".") }.sorted().map { "\(folder)/\($0)" }
        }
    }

    static func read(_ path: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: root.appendingPathComponent(path)))
    }

    @Test func corpusIsThere() {
        #expect(Self.inputs("multipart-stream").count >= 3)
        #expect(Self.inputs("jpeg-stripper").count >= 3)
        for target in ["png-stripper", "webp-stripper", "heic-blanker"] { #expect(!Self.inputs(target).isEmpty) }
    }

    @Test(arguments: inputs("multipart-stream"))
    func multipartStream(_ path: String) throws {
        let bytes = try Self.read(path)
        let whole = MultipartDecoder.parts(bytes, boundary: "XyZ")
        for pieceSize in [1, 2, 3, 7, 64, 4096] {
            let cuts = Array(stride(from: pieceSize, to: bytes.count, by: pieceSize))
            let split = MultipartStreamParserTests.parse(bytes, boundary: "XyZ", cuts: cuts)
            #expect(split == whole, "pieces of \(pieceSize)")
        }
        if case .success(let fields) = MultipartDecoder.decode(bytes, boundary: "XyZ") {
            let parts = try whole.get()
            var expected: [String: String] = [:]
            for part in parts where !part.isFile && expected[part.name] == nil {
                expected[part.name] = String(decoding: part.bytes, as: UTF8.self)
            }
            #expect(fields == expected)
        }
    }

    @Test(arguments: inputs("jpeg-stripper"))
    func jpegStripper(_ path: String) throws {
        let bytes = try Self.read(path)
        let whole = Result { () throws(JPEGError) in try JPEGMetadataStripper.strip(bytes) }
        for pieceSize in [1, 2, 3, 7, 64, 4096] {
            var stripper = JPEGMetadataStripper()
            let split = Result { () throws(JPEGError) -> [UInt8] in
                var output: [UInt8] = []
                for start in stride(from: 0, to: bytes.count, by: pieceSize) {
                    output += try stripper.feed(bytes[start..<min(start + pieceSize, bytes.count)])
                }
                try stripper.finish()
                return output
            }
            #expect(split == whole, "pieces of \(pieceSize)")
        }
        guard case .success(let stripped) = whole else { return }
        #expect(stripped.count <= bytes.count + 64)
        #expect(try JPEGMetadataStripper.strip(stripped) == stripped)
        #expect(stripped.suffix(2) == [0xFF, 0xD9])
        #expect(try JPEGMetadataStripper.strip(bytes + bytes) == stripped)
    }

    static let photoInputs: [(AttachmentType, String)] =
        inputs("png-stripper").map { (.png, $0) } + inputs("webp-stripper").map { (.webp, $0) }
        + inputs("heic-blanker").map { (.heic, $0) }

    @Test(arguments: photoInputs)
    func photoStripper(_ type: AttachmentType, _ path: String) throws {
        let bytes = try Self.read(path)
        let whole = Result { () throws(PhotoMetadataError) in try PhotoMetadataStripper.strip(bytes, as: type) }
        for pieceSize in [1, 2, 3, 7, 64, 4096] {
            let cuts = Array(stride(from: pieceSize, to: bytes.count, by: pieceSize))
            let split = Result { () throws(PhotoMetadataError) -> [UInt8] in
                guard var stripper = PhotoMetadataStripper(for: type) else { return bytes }
                var output: [UInt8] = []
                var start = 0
                for cut in cuts + [bytes.count] {
                    output += try stripper.feed(bytes[start..<cut])
                    start = cut
                }
                try stripper.finish()
                return output
            }
            #expect(split == whole, "pieces of \(pieceSize)")
        }
        guard case .success(let stripped) = whole else { return }
        #expect(stripped.count <= bytes.count)
        if type == .heic { #expect(stripped.count == bytes.count) }
        #expect(try PhotoMetadataStripper.strip(stripped, as: type) == stripped)
    }
}
