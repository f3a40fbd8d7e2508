// libFuzzer entry for the PNG metadata stripper: the checks are in Fuzz/PhotoStrippers/PhotoStripperCheck.swift.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNGStripper(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    checkPhotoStripper(.png, data, size)
}
