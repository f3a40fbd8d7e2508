// libFuzzer entry for the form decoders (urlencoded, multipart, JSON) and everything after them: sanitizing,
// validation and the mapping to HERO's payload. The first byte picks the media type; the rest is the body.

import Foundation
import JSON

private let contentTypes = [
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=XyZ",
    "application/json",
    "application/json; charset=utf-8",
    "multipart/form-data; boundary=\"a b\"",
    "text/plain",
]

private let form = FormDefinition(id: "default", measure: "DOG", partnerSource: "Fuzz")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFormDecoders(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let contentType = contentTypes[Int(bytes[0]) % contentTypes.count]
    guard case .success(let values) = BodyDecoder.decode(Array(bytes.dropFirst()), contentType: contentType) else { return 0 }
    if case .success(let lead) = Validator.validate(values, form: form) {
        let payload = HeroMapping.payload(for: lead, form: form, reference: "AAA-AAA-AAA", consentAt: Date(timeIntervalSince1970: 0))
        // The payload must always be a JSON object HERO can read.
        guard case .object = try? JSONValue.parse(payload.jsonBytes()) else {
            fatalError("payload is not a JSON object")
        }
    }
    return 0
}
