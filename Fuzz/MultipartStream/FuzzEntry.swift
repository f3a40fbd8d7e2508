// libFuzzer entry for the streaming multipart parser, compiled together with the FormCore sources by
// Scripts/fuzz.sh. Besides "never crash", it checks the parser's promise: the input fed in pieces (sizes drawn
// from a seed hashed from the input) gives the same parts, bytes and error as the whole body at once, the events
// come in a valid order, and the text-field decoder agrees with the parts.

private let boundary = "XyZ"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMultipartStream(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let whole = MultipartDecoder.parts(bytes, boundary: boundary)
    var seed = StreamFuzz.hash(bytes)
    let largest = Int(seed % 97) + 1
    let split = StreamFuzz.parse(bytes, boundary: boundary) {
        seed = StreamFuzz.next(seed)
        return Int(seed % UInt64(largest)) + 1
    }
    if split != whole {
        fatalError("pieces up to \(largest) bytes give \(split), the whole body \(whole)")
    }
    if case .success(let fields) = MultipartDecoder.decode(bytes, boundary: boundary) {
        guard case .success(let parts) = whole else { fatalError("decode succeeds where parts fails") }
        var expected: [String: String] = [:]
        for part in parts where !part.isFile && expected[part.name] == nil {
            expected[part.name] = String(decoding: part.bytes, as: UTF8.self)
        }
        if fields != expected { fatalError("decode gives \(fields), the parts \(expected)") }
    }
    return 0
}

enum StreamFuzz {
    /// FNV-1a, so the pieces depend on the input alone.
    static func hash(_ bytes: [UInt8]) -> UInt64 {
        bytes.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01B3 }
    }

    static func next(_ state: UInt64) -> UInt64 {
        var z = state &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static func parse(
        _ bytes: [UInt8], boundary: String, pieceSize: () -> Int
    ) -> Result<[MultipartPart], DecodeError> {
        var parts: [MultipartPart] = []
        var inPart = false
        var ended = false
        do throws(DecodeError) {
            var parser = try MultipartStreamParser(boundary: boundary)
            var start = 0
            while start < bytes.count {
                let end = min(start + pieceSize(), bytes.count)
                for event in try parser.feed(bytes[start..<end]) {
                    if ended { fatalError("\(event) after the end") }
                    switch event {
                    case .partStart(let head):
                        if inPart { fatalError("a part starts inside another") }
                        inPart = true
                        parts.append(MultipartPart(name: head.name, filename: head.filename,
                                                   contentType: head.contentType, bytes: []))
                    case .partData(let data):
                        if !inPart || data.isEmpty { fatalError("data outside a part, or empty") }
                        parts[parts.count - 1].bytes += data
                    case .partEnd:
                        if !inPart { fatalError("a part ends that did not start") }
                        inPart = false
                    case .end:
                        if inPart { fatalError("the end inside a part") }
                        ended = true
                    }
                }
                start = end
            }
            try parser.finish()
            if !ended { fatalError("finish succeeded without the end event") }
        } catch {
            return .failure(error)
        }
        return .success(parts)
    }
}
