import Foundation
import Testing
@testable import FormCore
import JSON

/// Replays the decoder fuzzing corpus and every input the fuzzer found (Fuzz/corpus/forms, Fuzz/regressions/forms)
/// through decoding, validation and mapping: none may crash, and every payload must be a JSON object.
@Suite struct FuzzRegressionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let contentTypes = [
        "application/x-www-form-urlencoded", "multipart/form-data; boundary=XyZ", "application/json",
        "application/json; charset=utf-8", "multipart/form-data; boundary=\"a b\"", "text/plain",
    ]

    static func inputs() -> [String] {
        ["Fuzz/corpus/forms", "Fuzz/regressions/forms"].flatMap { folder -> [String] in
            let url = root.appendingPathComponent(folder)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
            return names.filter { !$0.hasPrefix(".") }.sorted().map { "\(folder)/\($0)" }
        }
    }

    @Test func corpusIsThere() {
        #expect(Self.inputs().count >= 4)
    }

    @Test(arguments: inputs())
    func replays(_ path: String) throws {
        let bytes = try [UInt8](Data(contentsOf: Self.root.appendingPathComponent(path)))
        guard let first = bytes.first else { return }
        let form = FormDefinition(id: "default", measure: "DOG", partnerSource: "Fuzz")
        let decoded = BodyDecoder.decode(Array(bytes.dropFirst()), contentType: Self.contentTypes[Int(first) % Self.contentTypes.count])
        guard case .success(let values) = decoded else { return }
        if case .success(let lead) = Validator.validate(values, form: form) {
            let payload = HeroMapping.payload(for: lead, form: form, reference: "AAA-AAA-AAA", consentAt: Date())
            let json = payload.jsonBytes()
            guard case .object = try JSONValue.parse(json) else {
                Issue.record("the payload is not a JSON object")
                return
            }
        }
    }
}
