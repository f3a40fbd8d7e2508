import Foundation
import Testing
@testable import HTTPServer

/// Replays the fuzzing corpus and every input the fuzzer ever found (Fuzz/corpus/http, Fuzz/regressions/http):
/// none may crash, and every split must give the same events.
@Suite struct FuzzRegressionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func inputs() -> [String] {
        ["Fuzz/corpus/http", "Fuzz/regressions/http"].flatMap { folder -> [String] in
            let url = root.appendingPathComponent(folder)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
            return names.filter { !$0.hasPrefix(".") }.sorted().map { "\(folder)/\($0)" }
        }
    }

    @Test func corpusIsThere() {
        #expect(Self.inputs().count >= 6)
    }

    @Test(arguments: inputs())
    func replays(_ path: String) throws {
        let bytes = try [UInt8](Data(contentsOf: Self.root.appendingPathComponent(path)))
        let whole = parse(bytes)
        for size in [1, 2, 3, 5, 7] {
            #expect(parse(bytes, pieceSize: size) == whole, "pieces of \(size)")
        }
    }
}
