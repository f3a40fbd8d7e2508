/// Why a file that claims to be a JPEG could not be walked. `description` reads "not a readable JPEG: <reason>".
package struct JPEGError: Error, Equatable, Sendable, CustomStringConvertible {
    package let reason: String

    package init(_ reason: String) {
        self.reason = reason
    }

    package var description: String { "not a readable JPEG: " + reason }
}

/// Removes location and device data from a JPEG photo before it is stored or sent on, as a stream: chunks in,
/// output bytes out, holding at most one marker segment (64 KiB). It walks the marker segments and keeps what
/// decoding needs (tables, frame header, JFIF, ICC profile, Adobe) while it drops Exif (GPS, camera make and model,
/// serial numbers, thumbnails), XMP, IPTC/Photoshop, comments and every other application segment. An Exif
/// orientation survives, in a minimal Exif block of its own, so the photo is not shown rotated. No pixel is decoded.
///
/// The output ends with the image's end-of-image marker (EOI), and whatever follows it is dropped: phones append
/// further images there (MPF depth maps, HDR gain maps, previews), each with an Exif block and GPS of its own. To
/// find that EOI the entropy-coded data after each start of scan (SOS) is read for markers: FF 00 (a stuffed FF),
/// the restart markers FF D0–D7 and TEM (FF 01) are copied as data, fill bytes (FF FF) are dropped as before the
/// scan, FF D9 ends the image, and any other marker starts a segment between scans (a progressive JPEG's Huffman
/// tables and next SOS, DQT, DRI, comments, application segments) that is walked by its length, so an FF D9 in its
/// payload ends nothing, under the same rules as before the first scan. A file that ends before its EOI is
/// refused: it was cut short, and a photo the craftsman cannot open is better refused while the visitor can still
/// choose another.
package struct JPEGMetadataStripper: Sendable {
    private enum State: Sendable {
        /// Before the start-of-image marker.
        case start
        /// Between segments: reading a marker, its fill bytes and its length.
        case marker
        /// Inside a segment's payload: `remaining` bytes to copy out, to skip, or to collect and look at.
        case copy(remaining: Int)
        case skip(remaining: Int)
        case collect(remaining: Int)
        /// In the entropy-coded data after an SOS header, looking for the next marker; `afterFF` once an FF was read
        /// whose next byte says what it is.
        case scan(afterFF: Bool)
        /// After the end-of-image marker: the rest of the input is dropped.
        case end
        case failed(JPEGError)
    }

    private var state = State.start
    /// The marker being read, or the whole segment being collected.
    private var held: [UInt8] = []
    /// Input bytes read so far, for the messages.
    private var offset = 0
    /// Where the current segment (or marker) began, and its marker code.
    private var segmentOffset = 0
    private var segmentMarker: UInt8 = 0
    private var wroteOrientation = false
    /// Whether an SOS header was read: from then on FF D9 ends the image instead of coming too early.
    private var inImage = false
    /// Whether a frame header (SOFn) was read: a scan without one is no image any decoder can show.
    private var inFrame = false

    /// The Exif TIFF tag for the orientation of the image data.
    static let orientationTag: UInt16 = 0x0112

    package init() {}

    /// The output for the next chunk of input: possibly less than was fed, the rest follows; nothing once the
    /// end-of-image marker is out, whatever the input holds after it.
    package mutating func feed(_ chunk: ArraySlice<UInt8>) throws(JPEGError) -> [UInt8] {
        var out: [UInt8] = []
        var index = chunk.startIndex
        while index < chunk.endIndex {
            switch state {
            case .failed(let error):
                throw error
            case .end:
                offset += chunk.endIndex - index
                return out
            case .scan(afterFF: false):
                // Image data up to the next FF is copied at once.
                let next = chunk[index...].firstIndex(of: 0xFF) ?? chunk.endIndex
                out += chunk[index..<next]
                offset += next - index
                index = next
                if index < chunk.endIndex {
                    segmentOffset = offset
                    index += 1
                    offset += 1
                    state = .scan(afterFF: true)
                }
            case .scan(afterFF: true):
                let byte = chunk[index]
                index += 1
                offset += 1
                do throws(JPEGError) {
                    try readAfterFF(byte, into: &out)
                } catch {
                    state = .failed(error)
                    throw error
                }
            case .copy(let remaining), .skip(let remaining), .collect(let remaining):
                let count = min(remaining, chunk.endIndex - index)
                let bytes = chunk[index..<(index + count)]
                index += count
                offset += count
                switch state {
                case .copy: out += bytes
                case .collect: held += bytes
                default: break
                }
                let left = remaining - count
                if left > 0 {
                    switch state {
                    case .copy: state = .copy(remaining: left)
                    case .skip: state = .skip(remaining: left)
                    default: state = .collect(remaining: left)
                    }
                } else {
                    if case .collect = state { out += keptSegment() }
                    segmentEnded()
                }
            case .start, .marker:
                let byte = chunk[index]
                index += 1
                offset += 1
                do throws(JPEGError) {
                    try read(byte, into: &out)
                } catch {
                    state = .failed(error)
                    throw error
                }
            }
        }
        return out
    }

    package mutating func feed(_ chunk: [UInt8]) throws(JPEGError) -> [UInt8] {
        try feed(chunk[...])
    }

    /// The input has ended: it must have reached the end-of-image marker.
    package mutating func finish() throws(JPEGError) {
        switch state {
        case .end:
            return
        case .failed(let error):
            throw error
        case .start:
            throw JPEGError(offset == 0 ? "the file is empty" : "it ends before the start-of-image marker")
        case .marker where !inImage:
            throw JPEGError("it ends after \(offset) bytes, before the image data (no start-of-scan marker)")
        case .marker, .scan:
            throw JPEGError("it ends after \(offset) bytes, before the end of the image (no end-of-image marker)")
        case .copy, .skip, .collect:
            let marker = Self.hex(segmentMarker)
            throw JPEGError("the FF \(marker) segment at byte \(segmentOffset) is longer than the bytes that follow")
        }
    }

    /// A whole file at once.
    package static func strip(_ jpeg: [UInt8]) throws(JPEGError) -> [UInt8] {
        var stripper = JPEGMetadataStripper()
        let out = try stripper.feed(jpeg)
        try stripper.finish()
        return out
    }

    /// One byte of a marker: SOI at the start, then "FF" (with any number of fill bytes "FF"), the marker code and
    /// for most markers a two-byte length.
    private mutating func read(_ byte: UInt8, into out: inout [UInt8]) throws(JPEGError) {
        let position = offset - 1
        if case .start = state {
            held.append(byte)
            guard held == [0xFF] || held == [0xFF, 0xD8] else {
                throw JPEGError("it does not start with the start-of-image marker FF D8")
            }
            if held.count == 2 {
                out += held
                held = []
                state = .marker
            }
            return
        }
        switch held.count {
        case 0:
            guard byte == 0xFF else {
                throw JPEGError("expected a marker (FF) at byte \(position), found \(Self.hex(byte))")
            }
            segmentOffset = position
            held = [byte]
        case 1:
            switch byte {
            case 0xFF:
                return // a fill byte
            case 0x01, 0xD0...0xD7:
                out += [0xFF, byte] // markers without a length (TEM, RSTn)
                held = []
            case 0xD8:
                throw JPEGError("a second start-of-image marker at byte \(segmentOffset)")
            case 0xD9:
                guard inImage else {
                    throw JPEGError("the end-of-image marker at byte \(segmentOffset) comes before any image data")
                }
                out += [0xFF, byte]
                held = []
                state = .end
            case 0x00:
                throw JPEGError("expected a marker at byte \(segmentOffset), found FF 00")
            default:
                segmentMarker = byte
                held.append(byte)
            }
        case 2:
            held.append(byte)
        default:
            held.append(byte)
            try segmentHeaderRead(into: &out)
        }
    }

    /// Marker and length are in `held`: decides what happens to the segment.
    private mutating func segmentHeaderRead(into out: inout [UInt8]) throws(JPEGError) {
        let marker = held[1]
        let length = Int(held[2]) << 8 | Int(held[3])
        guard length >= 2 else {
            throw JPEGError(
                "the FF \(Self.hex(marker)) segment at byte \(segmentOffset) has length \(length), less than 2")
        }
        let payload = length - 2
        switch marker {
        case 0xDA:
            // Start of scan: its header is copied (component numbers may be FF), then the image data.
            guard inFrame else {
                throw JPEGError("the start-of-scan marker at byte \(segmentOffset) comes before any frame header")
            }
            inImage = true
            out += held
            state = .copy(remaining: payload)
        case 0xE0, 0xE1, 0xE2, 0xEE:
            // APP0 (JFIF), APP1 (Exif, XMP), APP2 (ICC profile) and APP14 (Adobe) are looked at whole: what decoding
            // needs is kept, and anything else written under the same markers goes.
            state = .collect(remaining: payload)
        case 0xE3...0xED, 0xEF, 0xFE:
            // Other application segments (IPTC/Photoshop in APP13, vendors' notes) and comments.
            state = .skip(remaining: payload)
        case _ where Self.isReadForDecoding(marker):
            if Self.isFrameHeader(marker) { inFrame = true }
            out += held
            state = .copy(remaining: payload)
        default:
            // JPGn, JPG and the reserved markers: decoders refuse them, and their payload could carry anything.
            throw JPEGError("an unknown FF \(Self.hex(marker)) segment at byte \(segmentOffset)")
        }
        if payload > 0 {
            if case .collect = state { return }
            held = []
            return
        }
        // An empty payload: the segment is complete already.
        if case .collect = state { out += keptSegment() }
        segmentEnded()
    }

    /// After a segment comes the next marker, after an SOS header the image data.
    private mutating func segmentEnded() {
        held = []
        state = segmentMarker == 0xDA ? .scan(afterFF: false) : .marker
    }

    /// The byte after an FF in the image data: FF 00 (a stuffed FF byte), a restart marker or TEM are data, more
    /// FFs are fill bytes (dropped), any other marker is read as between segments: EOI, or a segment between scans.
    private mutating func readAfterFF(_ byte: UInt8, into out: inout [UInt8]) throws(JPEGError) {
        switch byte {
        case 0xFF:
            return
        case 0x00, 0x01, 0xD0...0xD7:
            out += [0xFF, byte]
            state = .scan(afterFF: false)
        default:
            held = [0xFF]
            state = .marker
            try read(byte, into: &out)
        }
    }

    private static let exifHeader: [UInt8] = Array("Exif".utf8) + [0, 0]
    private static let iccHeader: [UInt8] = Array("ICC_PROFILE".utf8) + [0]
    static let jfifHeader: [UInt8] = Array("JFIF".utf8) + [0]
    static let adobeHeader: [UInt8] = Array("Adobe".utf8)
    /// JFIF's fields before its thumbnail: identifier, version, units, densities, thumbnail width and height.
    static let jfifFieldsLength = 14
    /// Adobe's: identifier, version, two flag words, colour transform.
    static let adobeFieldsLength = 12

    /// Frame headers (SOFn): C0–CF but DHT (C4), JPG (C8) and DAC (CC).
    static func isFrameHeader(_ marker: UInt8) -> Bool {
        (0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker)
    }

    /// The segments besides SOS that decoding reads: frame headers, tables (DHT, DAC, DQT) and DNL, DRI, DHP, EXP.
    /// JPGn, JPG and the reserved markers are not among them: decoders refuse them, and their payload could carry
    /// anything.
    static func isReadForDecoding(_ marker: UInt8) -> Bool {
        isFrameHeader(marker) || marker == 0xC4 || marker == 0xCC || (0xDB...0xDF).contains(marker)
    }

    /// What is written for the collected segment in `held`: JFIF without its thumbnail, Adobe and an ICC profile as
    /// they are, for Exif a minimal Exif block with the orientation alone (once per file), nothing for anything else
    /// (a JFIF extension's thumbnail is a whole JPEG with an Exif block of its own).
    private mutating func keptSegment() -> [UInt8] {
        let payload = held.dropFirst(4)
        switch held[1] {
        case 0xE0:
            guard payload.starts(with: Self.jfifHeader), payload.count >= Self.jfifFieldsLength else { return [] }
            // The thumbnail, if any, is dropped; its width and height become 0.
            let fields = Array(payload.prefix(Self.jfifFieldsLength - 2)) + [0, 0]
            let length = 2 + fields.count
            return [0xFF, 0xE0, UInt8(length >> 8), UInt8(length & 0xFF)] + fields
        case 0xEE:
            guard payload.starts(with: Self.adobeHeader), payload.count >= Self.adobeFieldsLength else { return [] }
            // Its fields only: anything written after them goes.
            let length = 2 + Self.adobeFieldsLength
            return [0xFF, 0xEE, UInt8(length >> 8), UInt8(length & 0xFF)] + payload.prefix(Self.adobeFieldsLength)
        case 0xE2:
            return payload.starts(with: Self.iccHeader) ? held : []
        default:
            break
        }
        guard payload.starts(with: Self.exifHeader), !wroteOrientation,
            let orientation = Self.orientation(inTIFF: Array(payload.dropFirst(Self.exifHeader.count)))
        else { return [] }
        wroteOrientation = true
        return Self.exifSegment(orientation: orientation)
    }

    /// The Orientation (1…8) in IFD0 of an Exif TIFF structure, big- or little-endian; nil if absent or unreadable.
    static func orientation(inTIFF tiff: [UInt8]) -> UInt16? {
        guard tiff.count >= 8 else { return nil }
        let bigEndian: Bool
        switch (tiff[0], tiff[1]) {
        case (0x4D, 0x4D): bigEndian = true
        case (0x49, 0x49): bigEndian = false
        default: return nil
        }
        func u16(_ at: Int) -> UInt16 {
            let (first, second) = (UInt16(tiff[at]), UInt16(tiff[at + 1]))
            return bigEndian ? first << 8 | second : second << 8 | first
        }
        func u32(_ at: Int) -> UInt32 {
            let (high, low) = (UInt32(u16(at)), UInt32(u16(at + 2)))
            return bigEndian ? high << 16 | low : low << 16 | high
        }
        guard u16(2) == 42 else { return nil }
        let directory = Int(u32(4))
        guard directory <= tiff.count - 2 else { return nil }
        let entries = Int(u16(directory))
        for index in 0..<entries {
            let entry = directory + 2 + 12 * index
            guard entry + 12 <= tiff.count else { return nil }
            guard u16(entry) == orientationTag else { continue }
            // SHORT, one value, stored in the first two bytes of the value field.
            guard u16(entry + 2) == 3, u32(entry + 4) >= 1 else { return nil }
            let value = u16(entry + 8)
            return (1...8).contains(value) ? value : nil
        }
        return nil
    }

    /// An APP1 segment with an Exif TIFF structure (big-endian) holding one IFD with one entry: the orientation.
    static func exifSegment(orientation: UInt16) -> [UInt8] {
        let tiff = orientationTIFF(orientation)
        let length = 2 + exifHeader.count + tiff.count
        return [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + exifHeader + tiff
    }

    /// An Exif TIFF structure (big-endian) holding one IFD with one entry: the orientation.
    static func orientationTIFF(_ orientation: UInt16) -> [UInt8] {
        [
            0x4D, 0x4D, 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08, // "MM", 42, IFD0 at 8
            0x00, 0x01, // one entry
            0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, // Orientation, SHORT, count 1
            UInt8(orientation >> 8), UInt8(orientation & 0xFF), 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, // no next IFD
        ]
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }
}
