// libFuzzer entry for the WebP metadata stripper: the checks are in Fuzz/PhotoStrippers/PhotoStripperCheck.swift.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWebPStripper(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    checkPhotoStripper(.webp, data, size)
}
