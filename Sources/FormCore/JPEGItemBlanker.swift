/// Blanks the application (APPn) and comment (COM) segments of a JPEG-coded HEIC item (a thumbnail or preview) as
/// its bytes stream past, in place: every byte keeps its position and every segment its length, so the item stays
/// a valid JPEG of the same size and the file's offsets stay valid. JFIF (APP0) and Adobe (APP14, which says how the
/// colours are coded) stay; Exif, XMP, ICC, MPF, IPTC, vendor segments and comments become zeros, and so does
/// whatever follows the end-of-image marker (phones append further images there, each with an Exif block of its
/// own). The entropy-coded data after a start of scan is read for markers as `JPEGMetadataStripper` reads it, so the
/// segments between a progressive JPEG's scans are blanked too.
///
/// It holds its state and nothing else: no segment is collected. An APP0 or APP14 is copied while its bytes match
/// the JFIF or Adobe identifier and zeroed from the first byte that does not, so of any other such segment only
/// bytes of that identifier are left.
struct JPEGItemBlanker: Sendable {
    private enum State: Sendable {
        /// Reading the start-of-image marker (FF D8), `read` bytes of it so far.
        case start(read: Int)
        /// Between segments, where an FF belongs.
        case marker
        /// After an FF: fill bytes (FF) or the marker's code.
        case code
        /// Reading a segment's length, its high byte once read.
        case length(code: UInt8, high: UInt8?)
        /// Inside a segment's payload; `scan` for a start of scan, whose payload the image data follows.
        case payload(remaining: Int, keep: Keep, scan: Bool)
        /// In entropy-coded data, `afterFF` once an FF was read whose next byte says what it is.
        case scan(afterFF: Bool)
        /// After the end-of-image marker: the rest of the item is zeros.
        case end
    }

    private enum Keep: Sendable {
        case all
        case none
        /// The next `count` bytes are copied, the rest of the segment zeroed.
        case prefix(count: Int)
        /// Copied while the payload matches the JFIF (or else Adobe) identifier, `matched` bytes of it so far.
        case identifier(jfif: Bool, matched: Int)
    }

    static let jfif = JPEGMetadataStripper.jfifHeader
    static let adobe = JPEGMetadataStripper.adobeHeader

    /// The item's ID, for the messages.
    let item: UInt32
    private var state = State.start(read: 0)

    init(item: UInt32) {
        self.item = item
    }

    /// Whether the item's end-of-image marker was read.
    var isComplete: Bool {
        if case .end = state { return true }
        return false
    }

    /// Writes `bytes`, the item's next ones, which start at `position` in the file, with the segments blanked.
    mutating func take(_ bytes: ArraySlice<UInt8>, at position: Int, into out: inout [UInt8])
        throws(PhotoMetadataError)
    {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let at = position + (index - bytes.startIndex)
            switch state {
            case .end:
                out += repeatElement(0, count: bytes.endIndex - index)
                index = bytes.endIndex
            case .payload(let remaining, let keep, let scan):
                var count = min(remaining, bytes.endIndex - index)
                var next = keep
                switch keep {
                case .all:
                    out += bytes[index..<(index + count)]
                case .none:
                    out += repeatElement(0, count: count)
                case .prefix(let left):
                    count = min(count, left)
                    out += bytes[index..<(index + count)]
                    next = left == count ? .none : .prefix(count: left - count)
                case .identifier(let jfif, let matched):
                    let identifier = jfif ? Self.jfif : Self.adobe
                    count = 1
                    if bytes[index] == identifier[matched] {
                        out.append(bytes[index])
                        // After the identifier only the fields: JFIF's version, units and densities (its thumbnail's
                        // size and pixels become zeros, a thumbnail of 0 × 0), Adobe's version, flags and transform.
                        let fields = jfif
                            ? JPEGMetadataStripper.jfifFieldsLength - 2 : JPEGMetadataStripper.adobeFieldsLength
                        next = matched + 1 < identifier.count
                            ? .identifier(jfif: jfif, matched: matched + 1)
                            : .prefix(count: fields - identifier.count)
                    } else {
                        out.append(0)
                        next = .none
                    }
                }
                index += count
                state = remaining == count ? Self.after(scan: scan) : .payload(remaining: remaining - count,
                                                                             keep: next, scan: scan)
            case .scan(afterFF: false):
                // Image data up to the next FF is copied at once.
                let stop = bytes[index...].firstIndex(of: 0xFF) ?? bytes.endIndex
                out += bytes[index..<stop]
                index = stop
                if index < bytes.endIndex {
                    out.append(0xFF)
                    index += 1
                    state = .scan(afterFF: true)
                }
            case .scan(afterFF: true):
                let byte = bytes[index]
                out.append(byte)
                index += 1
                switch byte {
                case 0x00, 0x01, 0xD0...0xD7: state = .scan(afterFF: false)
                case 0xFF: break
                default: try begin(byte, at: at - 1)
                }
            case .start(let read):
                let byte = bytes[index]
                guard byte == (read == 0 ? 0xFF : 0xD8) else {
                    throw error("does not start with a start-of-image marker (byte \(at - read))")
                }
                out.append(byte)
                index += 1
                state = read == 0 ? .start(read: 1) : .marker
            case .marker:
                let byte = bytes[index]
                guard byte == 0xFF else {
                    throw error("has the byte \(Self.hex(byte)) at byte \(at), where a marker belongs")
                }
                out.append(byte)
                index += 1
                state = .code
            case .code:
                let byte = bytes[index]
                out.append(byte)
                index += 1
                if byte != 0xFF { try begin(byte, at: at - 1) }
            case .length(let code, let high):
                let byte = bytes[index]
                out.append(byte)
                index += 1
                guard let high else {
                    state = .length(code: code, high: byte)
                    continue
                }
                let length = Int(high) << 8 | Int(byte)
                guard length >= 2 else { throw error("has a segment of length \(length) at byte \(at - 3)") }
                let keep: Keep
                switch code {
                case 0xE0: keep = .identifier(jfif: true, matched: 0)
                case 0xEE: keep = .identifier(jfif: false, matched: 0)
                case 0xE1...0xEF, 0xFE: keep = .none
                default: keep = .all
                }
                state = length == 2 ? Self.after(scan: code == 0xDA)
                    : .payload(remaining: length - 2, keep: keep, scan: code == 0xDA)
            }
        }
    }

    private static func after(scan: Bool) -> State {
        scan ? .scan(afterFF: false) : .marker
    }

    /// The marker FF `code`, whose FF is at `at`. Besides the markers decoding reads (SOFn, DHT, DAC, SOS, DQT, DNL,
    /// DRI, DHP, EXP), application segments and comments, none is taken: their payload could carry anything.
    private mutating func begin(_ code: UInt8, at: Int) throws(PhotoMetadataError) {
        switch code {
        case 0xD9: state = .end
        case 0x01, 0xD0...0xD7: state = .marker
        case _ where JPEGMetadataStripper.isReadForDecoding(code) || code == 0xDA || (0xE0...0xEF).contains(code)
            || code == 0xFE:
            state = .length(code: code, high: nil)
        default: throw error("has the marker FF \(Self.hex(code)) at byte \(at)")
        }
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return byte < 0x10 ? "0" + digits : digits
    }

    private func error(_ reason: String) -> PhotoMetadataError {
        PhotoMetadataError(.heic, "its JPEG item \(item) " + reason)
    }
}
