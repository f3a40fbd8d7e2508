/// Removes location and device data from a WebP image before it is stored or sent on, as a stream: chunks of input
/// in, output bytes out, holding at most a 12-byte header (or the 10-byte VP8X chunk) whatever the file's size.
///
/// A WebP file is a RIFF container: "RIFF", the size of what follows (4 bytes, little-endian), "WEBP", then chunks of
/// a four-character code, a size (4 bytes, little-endian), the data and a pad byte when the size is odd. Exif (GPS,
/// camera, serial numbers) and XMP live in the `EXIF` and `XMP ` chunks, which the format puts after the image data;
/// a C2PA manifest, which can carry the same, in a `C2PA` chunk.
///
/// Those chunks are blanked in place rather than cut out: each keeps its size and position, its code becomes
/// `JUNK` (RIFF's name for filler; a WebP decoder skips every chunk it does not know) and its data becomes zeros.
/// So the RIFF size in the header, written before the chunks it counts, stays right without holding back the image
/// or reading the file twice, and every split of the input gives the same output. Only the blanked chunks' lengths
/// are left of them. The VP8X chunk's flags stop announcing Exif and XMP. Everything else — the image data (VP8,
/// VP8L, ALPH, ANIM/ANMF), the ICC profile, unknown chunks — is copied as it is; nothing after the RIFF size is
/// written.
///
/// Checked on the way, so that what is not a WebP is refused rather than passed on: the RIFF and WEBP tags, a VP8,
/// VP8L or VP8X chunk first, printable chunk codes, and every chunk within the RIFF size and the input.
package struct WebPMetadataStripper: Sendable {
    private enum State: Sendable {
        /// Reading the 12-byte file header, then a chunk's 8-byte header, into `held`.
        case fileHeader
        case chunkHeader
        /// Reading the VP8X chunk's 10 bytes into `held`.
        case extendedHeader
        /// Inside a chunk's data and pad byte: `remaining` bytes to copy out, or to write as zeros.
        case copy(remaining: Int)
        case blank(remaining: Int)
        /// After the RIFF size: the rest of the input is dropped.
        case end
        case failed(PhotoMetadataError)
    }

    /// The chunks whose data is blanked, and the code they get instead.
    static let blanked: Set<String> = ["EXIF", "XMP ", "C2PA"]
    static let blankCode: [UInt8] = Array("JUNK".utf8)
    static let imageCodes: Set<String> = ["VP8 ", "VP8L", "VP8X"]

    /// The VP8X flags for "has Exif" and "has XMP".
    static let exifFlag: UInt8 = 0x08
    static let xmpFlag: UInt8 = 0x04
    static let extendedHeaderSize = 10

    private var state = State.fileHeader
    private var held: [UInt8] = []
    /// Input bytes read so far.
    private var offset = 0
    /// Where the RIFF data ends (8 + its size), as an input offset.
    private var riffEnd = 0
    /// Where the current chunk began, and its code.
    private var chunkOffset = 0
    private var chunkCode = ""
    private var chunks = 0

    package init() {
        held.reserveCapacity(12)
    }

    /// The output for the next piece of input: possibly less than was fed, the rest follows.
    package mutating func feed(_ chunk: ArraySlice<UInt8>) throws(PhotoMetadataError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(chunk.count)
        var index = chunk.startIndex
        while index < chunk.endIndex {
            switch state {
            case .failed(let error):
                throw error
            case .end:
                offset += chunk.endIndex - index
                return out
            case .copy(let remaining), .blank(let remaining):
                let count = min(remaining, chunk.endIndex - index)
                if case .copy = state {
                    out += chunk[index..<(index + count)]
                } else {
                    out += repeatElement(0, count: count)
                }
                index += count
                offset += count
                let left = remaining - count
                if left > 0 {
                    if case .copy = state { state = .copy(remaining: left) } else { state = .blank(remaining: left) }
                } else {
                    state = offset == riffEnd ? .end : .chunkHeader
                }
            case .fileHeader, .chunkHeader, .extendedHeader:
                let wanted: Int
                switch state {
                case .fileHeader: wanted = 12
                case .chunkHeader: wanted = 8
                default: wanted = Self.extendedHeaderSize
                }
                let count = min(wanted - held.count, chunk.endIndex - index)
                held += chunk[index..<(index + count)]
                index += count
                offset += count
                guard held.count == wanted else { continue }
                do throws(PhotoMetadataError) {
                    try read(into: &out)
                } catch {
                    state = .failed(error)
                    throw error
                }
            }
        }
        return out
    }

    package mutating func feed(_ chunk: [UInt8]) throws(PhotoMetadataError) -> [UInt8] {
        try feed(chunk[...])
    }

    /// The input has ended: it must have reached the end the RIFF size gives.
    package mutating func finish() throws(PhotoMetadataError) {
        switch state {
        case .end:
            return
        case .failed(let error):
            throw error
        case .fileHeader:
            throw Self.error(offset == 0 ? "the file is empty" : "it ends inside the RIFF header")
        case .chunkHeader:
            throw Self.error("it ends after \(offset) bytes, before the \(riffEnd) bytes its RIFF header gives")
        case .extendedHeader, .copy, .blank:
            throw Self.error(
                "the \(chunkCode) chunk at byte \(chunkOffset) is longer than the bytes that follow")
        }
    }

    /// A whole file at once.
    package static func strip(_ webp: [UInt8]) throws(PhotoMetadataError) -> [UInt8] {
        var stripper = WebPMetadataStripper()
        let out = try stripper.feed(webp)
        try stripper.finish()
        return out
    }

    /// Looks at `held` once it is complete: the file header, a chunk header, or the VP8X chunk.
    private mutating func read(into out: inout [UInt8]) throws(PhotoMetadataError) {
        switch state {
        case .fileHeader:
            guard held[0..<4].elementsEqual("RIFF".utf8), held[8..<12].elementsEqual("WEBP".utf8) else {
                throw Self.error("it does not start with RIFF and WEBP")
            }
            let size = Int(ByteFields.littleEndian(held[4..<8]))
            guard size >= 12 else { throw Self.error("its RIFF size \(size) leaves no room for a chunk") }
            riffEnd = 8 + size
            out += held
            state = .chunkHeader
        case .chunkHeader:
            chunkOffset = offset - 8
            let code = held[0..<4]
            guard code.allSatisfy({ (0x20...0x7E).contains($0) }) else {
                throw Self.error("the chunk at byte \(chunkOffset) has no valid code (\(ByteFields.fourCC(code)))")
            }
            chunkCode = String(decoding: code, as: UTF8.self)
            let size = Int(ByteFields.littleEndian(held[4..<8]))
            let padded = size + size % 2
            guard padded <= riffEnd - offset else {
                throw Self.error("the \(chunkCode) chunk at byte \(chunkOffset) runs past the RIFF size")
            }
            chunks += 1
            guard chunks > 1 || Self.imageCodes.contains(chunkCode) else {
                throw Self.error("its first chunk is \(chunkCode), not VP8, VP8L or VP8X")
            }
            if chunkCode == "VP8X" {
                guard size == Self.extendedHeaderSize else {
                    throw Self.error("its VP8X chunk has size \(size), not \(Self.extendedHeaderSize)")
                }
                out += held
                state = .extendedHeader
            } else if Self.blanked.contains(chunkCode) {
                out += Self.blankCode + held[4..<8]
                state = padded > 0 ? .blank(remaining: padded) : .chunkHeader
            } else {
                out += held
                state = padded > 0 ? .copy(remaining: padded) : .chunkHeader
            }
            if case .chunkHeader = state, offset == riffEnd { state = .end }
        default:
            held[0] &= ~(Self.exifFlag | Self.xmpFlag)
            out += held
            state = offset == riffEnd ? .end : .chunkHeader
        }
        held.removeAll(keepingCapacity: true)
    }

    private static func error(_ reason: String) -> PhotoMetadataError {
        PhotoMetadataError(.webp, reason)
    }
}
