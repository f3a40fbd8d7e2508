/// Removes location and device data from a PNG before it is stored or sent on, as a stream: chunks of input in,
/// output bytes out, holding at most one 8-byte chunk header and the start of an Exif chunk (64 KiB) whatever the
/// file's size.
///
/// A PNG is an 8-byte signature and then chunks: length (4 bytes, big-endian, at most 2^31-1), type (4 letters),
/// data, CRC (4). The chunks dropped are those that carry metadata rather than pixels: `eXIf` (Exif: GPS, camera,
/// serial numbers), the text chunks `tEXt`, `zTXt` and `iTXt` (free text, XMP packets, and Exif as ImageMagick's
/// "Raw profile" text), `tIME` (when it was last changed), and the same data under names older tools still write and
/// readers still read: `exIf`, `zxIf` (Exif), `tXMP` (XMP), `caBX` (a C2PA manifest, which can hold location and
/// device data too). All of them are ancillary: decoders need none of them. Every other chunk — IHDR, PLTE, IDAT,
/// IEND, colour (gAMA, cHRM, sRGB, iCCP, cICP), pHYs, tRNS, APNG's acTL/fcTL/fdAT, unknown ones — is copied through
/// as it streams, its data never held. Nothing after IEND is written. An Exif orientation survives, in a minimal
/// `eXIf` chunk of its own where the first one was (browsers turn a PNG by it, as they do a JPEG), read from that
/// chunk's first 64 KiB, where IFD0 is.
///
/// Checked on the way, so that what is not a PNG is refused rather than passed on: the signature, each chunk's
/// length and type letters, IHDR first, and an IEND before the input ends. CRCs are not checked: kept chunks are
/// copied unchanged, so a decoder checks them as it would have.
package struct PNGMetadataStripper: Sendable {
    private enum State: Sendable {
        /// Reading the signature, then a chunk's length and type, into `held`.
        case signature
        case header
        /// Inside a chunk's data and CRC: `remaining` bytes to copy out, or to pass over.
        case copy(remaining: Int)
        case skip(remaining: Int)
        /// Inside an Exif chunk's data and CRC: its start is kept in `exif` for the orientation.
        case exif(remaining: Int)
        /// After IEND: the rest of the input is dropped.
        case end
        case failed(PhotoMetadataError)
    }

    package static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The chunk types that are dropped (see above).
    static let dropped: Set<String> = ["eXIf", "tEXt", "zTXt", "iTXt", "tIME", "exIf", "zxIf", "tXMP", "caBX"]

    /// PNG's largest chunk length.
    static let maxLength = 0x7FFF_FFFF
    /// How much of an Exif chunk is read for the orientation: IFD0 comes first, near the start.
    static let exifLookahead = 64 * 1024
    static let exifTypes: Set<String> = ["eXIf", "exIf"]

    private var state = State.signature
    /// The signature or chunk header being read.
    private var held: [UInt8] = []
    /// Input bytes read so far, for the messages.
    private var offset = 0
    /// Where the current chunk began, and its type.
    private var chunkOffset = 0
    private var chunkType = ""
    private var chunks = 0
    /// The start of the current Exif chunk's data, and its data length.
    private var exif: [UInt8] = []
    private var exifLength = 0
    private var wroteOrientation = false

    package init() {
        held.reserveCapacity(8)
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
            case .copy(let remaining), .skip(let remaining), .exif(let remaining):
                let count = min(remaining, chunk.endIndex - index)
                switch state {
                case .copy:
                    out += chunk[index..<(index + count)]
                case .exif:
                    // Data read so far, of the chunk's data and CRC together.
                    let read = exifLength + 4 - remaining
                    let wanted = min(exifLength, Self.exifLookahead) - read
                    if wanted > 0 { exif += chunk[index..<(index + min(count, wanted))] }
                default:
                    break
                }
                index += count
                offset += count
                let left = remaining - count
                if left > 0 {
                    switch state {
                    case .copy: state = .copy(remaining: left)
                    case .exif: state = .exif(remaining: left)
                    default: state = .skip(remaining: left)
                    }
                } else {
                    if case .exif = state { out += orientationChunk() }
                    state = chunkType == "IEND" ? .end : .header
                }
            case .signature, .header:
                let count = min(8 - held.count, chunk.endIndex - index)
                held += chunk[index..<(index + count)]
                index += count
                offset += count
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

    /// The input has ended: it must have reached the end of IEND.
    package mutating func finish() throws(PhotoMetadataError) {
        switch state {
        case .end:
            return
        case .failed(let error):
            throw error
        case .signature:
            throw Self.error(offset == 0 ? "the file is empty" : "it ends inside the PNG signature")
        case .header:
            throw Self.error("it ends after \(offset) bytes, without an IEND chunk")
        case .copy, .skip, .exif:
            throw Self.error("the \(chunkType) chunk at byte \(chunkOffset) is longer than the bytes that follow")
        }
    }

    /// A whole file at once.
    package static func strip(_ png: [UInt8]) throws(PhotoMetadataError) -> [UInt8] {
        var stripper = PNGMetadataStripper()
        let out = try stripper.feed(png)
        try stripper.finish()
        return out
    }

    /// Looks at `held` once it has 8 bytes: the signature, or a chunk's length and type.
    private mutating func read(into out: inout [UInt8]) throws(PhotoMetadataError) {
        if case .signature = state {
            guard Self.signature.starts(with: held) else {
                throw Self.error("it does not start with the PNG signature")
            }
            guard held.count == 8 else { return }
            out += held
            held.removeAll(keepingCapacity: true)
            state = .header
            return
        }
        guard held.count == 8 else { return }
        chunkOffset = offset - 8
        let length = Int(ByteFields.bigEndian(held[0..<4]))
        let type = held[4..<8]
        guard type.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else {
            throw Self.error("the chunk at byte \(chunkOffset) has no valid type (\(ByteFields.fourCC(type)))")
        }
        chunkType = String(decoding: type, as: UTF8.self)
        guard length <= Self.maxLength else {
            throw Self.error("the \(chunkType) chunk at byte \(chunkOffset) has length \(length), more than 2^31-1")
        }
        chunks += 1
        guard chunks > 1 || chunkType == "IHDR" else {
            throw Self.error("its first chunk is \(chunkType), not IHDR")
        }
        if Self.exifTypes.contains(chunkType) && !wroteOrientation {
            exif = []
            exifLength = length
            state = .exif(remaining: length + 4)
        } else if Self.dropped.contains(chunkType) {
            state = .skip(remaining: length + 4)
        } else {
            out += held
            state = .copy(remaining: length + 4)
        }
        held.removeAll(keepingCapacity: true)
    }

    /// An `eXIf` chunk with the orientation alone, for the Exif chunk just read; nothing without one.
    private mutating func orientationChunk() -> [UInt8] {
        defer { exif = [] }
        guard let orientation = JPEGMetadataStripper.orientation(inTIFF: exif) else { return [] }
        wroteOrientation = true
        let data = JPEGMetadataStripper.orientationTIFF(orientation)
        let typeAndData = Array("eXIf".utf8) + data
        return ByteFields.bigEndianBytes(UInt32(data.count)) + typeAndData
            + ByteFields.bigEndianBytes(CRC32.checksum(typeAndData))
    }

    private static func error(_ reason: String) -> PhotoMetadataError {
        PhotoMetadataError(.png, reason)
    }
}
