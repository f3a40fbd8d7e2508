// libFuzzer entry for the HEIC metadata stripper: the checks are in Fuzz/PhotoStrippers/PhotoStripperCheck.swift.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHEICBlanker(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    checkPhotoStripper(.heic, data, size)
}
