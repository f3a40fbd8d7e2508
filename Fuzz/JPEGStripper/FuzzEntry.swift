// libFuzzer entry for the JPEG metadata stripper, compiled together with the FormCore sources by Scripts/fuzz.sh.
// Besides "never crash": the output is never more than a minimal Exif block longer than the input, stripping is
// idempotent (the output strips to itself), feeding the input in pieces (sizes drawn from a seed hashed from the
// input) gives the same output or the same error as feeding it whole, and an accepted file's output ends with its
// end-of-image marker, whatever is appended after the input (here a second copy of it, metadata and all).

/// A minimal Exif block is 36 bytes and replaces an Exif segment at least about as long.
private let maxGrowth = 64

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJPEGStripper(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let whole = Result { () throws(JPEGError) in try JPEGMetadataStripper.strip(bytes) }
    var seed = bytes.reduce(UInt64(0xCBF2_9CE4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01B3 }
    let largest = Int(seed % 211) + 1
    var stripper = JPEGMetadataStripper()
    var output: [UInt8] = []
    let split = Result { () throws(JPEGError) -> [UInt8] in
        var start = 0
        while start < bytes.count {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let end = min(start + Int(seed >> 33) % largest + 1, bytes.count)
            output += try stripper.feed(bytes[start..<end])
            start = end
        }
        try stripper.finish()
        return output
    }
    if split != whole { fatalError("pieces up to \(largest) bytes give \(split), the whole file \(whole)") }
    guard case .success(let stripped) = whole else { return 0 }
    if stripped.count > bytes.count + maxGrowth { fatalError("\(bytes.count) bytes in, \(stripped.count) out") }
    let again = Result { () throws(JPEGError) in try JPEGMetadataStripper.strip(stripped) }
    if again != .success(stripped) { fatalError("stripping twice gives \(again), not what stripping once gave") }
    if stripped.suffix(2) != [0xFF, 0xD9] { fatalError("accepted, but the output does not end with FF D9") }
    let appended = Result { () throws(JPEGError) in try JPEGMetadataStripper.strip(bytes + bytes) }
    if appended != whole { fatalError("with the input appended to itself: \(appended), alone: \(whole)") }
    return 0
}
