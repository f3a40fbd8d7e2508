// What the libFuzzer entries for the PNG, WebP and HEIC strippers check (each compiled with this file and the FormCore
// sources by Scripts/fuzz.sh), through `PhotoMetadataStripper` as the app calls it. Besides "never crash": feeding the
// input in pieces (sizes drawn from a seed hashed from the input) gives the same output or the same error as feeding
// it whole; the output is never longer than the input (PNG drops chunks, WebP and HEIC blank in place, so a HEIC's
// output is exactly as long); stripping is idempotent (the output strips to itself).

func checkPhotoStripper(_ type: AttachmentType, _ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let whole = Result { () throws(PhotoMetadataError) in try PhotoMetadataStripper.strip(bytes, as: type) }
    var seed = bytes.reduce(UInt64(0xCBF2_9CE4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01B3 }
    let largest = Int(seed % 211) + 1
    guard var stripper = PhotoMetadataStripper(for: type) else { fatalError("no stripper for \(type)") }
    var output: [UInt8] = []
    let split = Result { () throws(PhotoMetadataError) -> [UInt8] in
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
    if stripped.count > bytes.count || (type == .heic && stripped.count != bytes.count) {
        fatalError("\(bytes.count) bytes in, \(stripped.count) out")
    }
    let again = Result { () throws(PhotoMetadataError) in try PhotoMetadataStripper.strip(stripped, as: type) }
    if again != .success(stripped) { fatalError("stripping twice gives \(again), not what stripping once gave") }
    return 0
}
