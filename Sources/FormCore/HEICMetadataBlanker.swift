/// Removes location and device data from a HEIC photo (the iPhone's default) before it is stored or sent on, as a
/// stream: chunks of input in, output bytes out, holding at most the file's `meta` box (refused over 4 MiB), a box
/// header, and byte ranges for at most 1,024 metadata extents and 16,384 other extents, however large the file.
///
/// A HEIC file is ISO-BMFF boxes (size, type, payload): `ftyp`, then a `meta` box that describes the items — the
/// image tiles, the grid, thumbnails, and the Exif block (GPS, camera, serial numbers) and XMP packet as items of
/// their own — and an `mdat` box with the items' data. In `meta`, `iinf` names each item's type (`Exif`, or `mime`
/// with a content type, XMP's being application/rdf+xml) and `iloc` where its bytes are: extents of the file (or of
/// the `idat` box inside `meta`). Every offset in `iloc` counts from the file's start, so nothing may move.
///
/// So the metadata is blanked rather than cut out: `meta` is read whole, the byte ranges of the Exif, XMP and C2PA
/// (application/c2pa) items are worked out from `iinf` and `iloc`, and the file is copied through with exactly those
/// ranges overwritten. Sizes and offsets stay valid; only the items' lengths are left of them. An Exif item becomes
/// an empty Exif block (its 4-byte header offset, a TIFF header and an IFD0 without entries, then zeros) and an XMP
/// item an empty XMP packet padded with spaces, so readers that parse them find nothing rather than fail (Pillow's
/// `getexif()` raises on an all-zero Exif item); anything else is zeros. The photo stays upright: HEIF turns it by
/// its `irot`/`imir` properties, not by Exif. Top-level `uuid` boxes holding XMP or a C2PA manifest, as some tools
/// write them, are blanked the same way. A JPEG-coded item (item type `jpeg`, or `mime` of image/jpeg: a thumbnail
/// or preview) is a whole JPEG with an Exif block of its own: `JPEGItemBlanker` zeroes its application segments
/// (but JFIF and Adobe) and comments in place as it streams past, lengths kept, so it stays a valid JPEG.
///
/// Every other top-level box — anything but `ftyp`, `meta` and `mdat`, which are all a HEIF reader needs — becomes
/// a `free` box of the same size filled with zeros: a Samsung motion photo's `mpvd` (an MP4 with its recording
/// place and sound), vendors' `uuid` boxes, an editor's leftovers in `free` space. What they hold is not read
/// here, so none of it is passed on. An `iloc` extent may point into any box, though, so the other items' extents
/// are kept (merged: a photo's tiles lie one after another) and a box that would be blanked but holds item data is
/// refused instead, as blanking it would break the image.
///
/// What cannot be understood is refused rather than passed on with its metadata: no `ftyp` first, image data
/// (`mdat`) before `meta`, a `meta` larger than 4 MiB, a second `meta`, an `iloc` version other than 0, 1 and 2,
/// metadata in another file or built from other items, an extent before `meta` (already written, for any item),
/// across a box header or shared by two metadata items, more extents than the limits above, a JPEG item that is no
/// JPEG, ends before its end-of-image marker or has its extents out of order, item data in a box that is blanked,
/// an image sequence or video (`moov`, whose own metadata this does not read), and a file that ends before a box
/// or an extent does.
package struct HEICMetadataBlanker: Sendable {
    private enum State: Sendable {
        /// Reading a top-level box header into `header`.
        case header
        /// Inside a box's payload: `remaining` bytes to copy (blanking the planned ranges), nil up to the end.
        case copy(remaining: Int?)
        /// Inside an XMP or C2PA `uuid` box's payload: `remaining` bytes (nil: up to the end) to write as `fill`
        /// gives them from `written` on.
        case blank(remaining: Int?, fill: Fill, written: Int)
        /// Reading the `meta` box into `meta`.
        case meta(remaining: Int)
        case failed(PhotoMetadataError)
    }

    /// The largest `meta` box taken. An iPhone's is a few kilobytes, tiles and all.
    package static let maxMetaSize = 4 << 20

    /// The `uuid` box types of XMP (as in MP4 and JPEG 2000) and of a C2PA manifest store.
    static let xmpUUID: [UInt8] = [
        0xBE, 0x7A, 0xCF, 0xCB, 0x97, 0xA9, 0x42, 0xE8, 0x9C, 0x71, 0x99, 0x94, 0x91, 0xE3, 0xAF, 0xAC,
    ]
    static let c2paUUID: [UInt8] = [
        0xD8, 0xFE, 0xC3, 0xD6, 0x1B, 0x0E, 0x48, 0x3C, 0x92, 0x97, 0x58, 0x28, 0x87, 0x7E, 0xC4, 0x81,
    ]
    /// The content types of `mime` items that are blanked: XMP, and C2PA manifests.
    static let blankedContentTypes: Set<String> = ["application/rdf+xml", "application/xmp+xml", "application/c2pa"]

    /// The most extents taken for one metadata item and for all of them (each is held as a planned range until the
    /// file ends; a photo's Exif has one or a few), and for all other items (held merged, for the boxes' checks; a
    /// 200-megapixel photo has under a thousand tiles).
    package static let maxMetadataExtents = 1_024
    package static let maxExtents = 16_384

    /// Sizes and offsets beyond this are refused rather than computed with (no file here comes near it).
    static let limit = 1 << 56

    private var state = State.header
    private var header: [UInt8] = []
    private var meta: [UInt8] = []
    /// Input bytes read so far.
    private var offset = 0
    /// Where the current top-level box began, and its type.
    private var boxOffset = 0
    private var boxType = ""
    private var boxes = 0
    private var sawMeta = false
    /// Where `meta` ends in the file: extents before it can no longer be blanked.
    private var metaEnd = 0
    /// The file's byte ranges to overwrite: sorted, disjoint, those behind `nextRange` done.
    private var ranges: [Blank] = []
    private var nextRange = 0
    /// Where the other items' data lies in the file (merged, sorted, those behind `nextData` passed): a top-level
    /// box that would be blanked is refused instead when it holds some.
    private var itemData: [Range<Int>] = []
    private var nextData = 0
    /// The JPEG items being walked, which `Rewrite.jpeg` names by index.
    private var jpegItems: [JPEGItemBlanker] = []

    package init() {
        header.reserveCapacity(32)
    }

    /// The output for the next piece of input: possibly less than was fed, the rest follows.
    package mutating func feed(_ chunk: ArraySlice<UInt8>) throws(PhotoMetadataError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(chunk.count)
        var index = chunk.startIndex
        do throws(PhotoMetadataError) {
            while index < chunk.endIndex {
                switch state {
                case .failed(let error):
                    throw error
                case .copy(let remaining):
                    let count = min(remaining ?? Int.max, chunk.endIndex - index)
                    try emit(chunk[index..<(index + count)], at: offset, into: &out)
                    index += count
                    offset += count
                    if let remaining {
                        state = remaining == count ? .header : .copy(remaining: remaining - count)
                    }
                case .blank(let remaining, let fill, let written):
                    let count = min(remaining ?? Int.max, chunk.endIndex - index)
                    fill.append(from: written, count: count, to: &out)
                    index += count
                    offset += count
                    if let remaining, remaining == count {
                        state = .header
                    } else {
                        state = .blank(remaining: remaining.map { $0 - count }, fill: fill, written: written + count)
                    }
                case .meta(let remaining):
                    let count = min(remaining, chunk.endIndex - index)
                    meta += chunk[index..<(index + count)]
                    index += count
                    offset += count
                    if remaining == count {
                        try readMeta(into: &out)
                    } else {
                        state = .meta(remaining: remaining - count)
                    }
                case .header:
                    let count = min(Self.headerLength(header) - header.count, chunk.endIndex - index)
                    header += chunk[index..<(index + count)]
                    index += count
                    offset += count
                    if header.count == Self.headerLength(header) { try readHeader(into: &out) }
                }
            }
        } catch {
            state = .failed(error)
            throw error
        }
        return out
    }

    package mutating func feed(_ chunk: [UInt8]) throws(PhotoMetadataError) -> [UInt8] {
        try feed(chunk[...])
    }

    /// The input has ended: at the end of a box, after `meta`, and past every blanked range.
    package mutating func finish() throws(PhotoMetadataError) {
        switch state {
        case .failed(let error):
            throw error
        case .header where header.isEmpty, .copy(remaining: nil), .blank(remaining: nil, _, _):
            break
        case .header:
            throw Self.error("it ends inside the box header at byte \(offset - header.count)")
        case .copy, .blank, .meta:
            throw Self.error("the \(boxType) box at byte \(boxOffset) is longer than the bytes that follow")
        }
        guard sawMeta else { throw Self.error(offset == 0 ? "the file is empty" : "it has no meta box") }
        if let last = ranges.last?.range,
            last.lowerBound > offset || (last.upperBound != Int.max && last.upperBound > offset)
        {
            throw Self.error("it ends at byte \(offset), before the end of its metadata at byte \(last.upperBound)")
        }
        for item in jpegItems where !item.isComplete {
            throw Self.error("its JPEG item \(item.item) ends before its end-of-image marker")
        }
    }

    /// A whole file at once.
    package static func blank(_ heic: [UInt8]) throws(PhotoMetadataError) -> [UInt8] {
        var blanker = HEICMetadataBlanker()
        let out = try blanker.feed(heic)
        try blanker.finish()
        return out
    }

    /// Copies `bytes`, which start at `position` in the file, overwriting them where they meet a planned range.
    private mutating func emit(_ bytes: ArraySlice<UInt8>, at position: Int, into out: inout [UInt8])
        throws(PhotoMetadataError)
    {
        var position = position
        var index = bytes.startIndex
        while index < bytes.endIndex {
            while nextRange < ranges.count, ranges[nextRange].range.upperBound <= position { nextRange += 1 }
            let left = bytes.endIndex - index
            let count: Int
            if nextRange < ranges.count, ranges[nextRange].range.lowerBound <= position {
                let blank = ranges[nextRange]
                count = min(left, blank.range.upperBound - position)
                switch blank.rewrite {
                case .fill(let fill, let itemOffset):
                    fill.append(from: itemOffset + (position - blank.range.lowerBound), count: count, to: &out)
                case .jpeg(let item):
                    try jpegItems[item].take(bytes[index..<(index + count)], at: position, into: &out)
                }
            } else {
                count = nextRange < ranges.count ? min(left, ranges[nextRange].range.lowerBound - position) : left
                out += bytes[index..<(index + count)]
            }
            index += count
            position += count
        }
    }

    // MARK: Top-level boxes

    /// How many bytes the box header starting `bytes` has: 8, 16 with a 64-bit size, 16 more for a `uuid` type.
    private static func headerLength(_ bytes: [UInt8]) -> Int {
        guard bytes.count >= 8 else { return 8 }
        let large = bytes[0..<4].elementsEqual([0, 0, 0, 1])
        return (large ? 16 : 8) + (bytes[4..<8].elementsEqual("uuid".utf8) ? 16 : 0)
    }

    private mutating func readHeader(into out: inout [UInt8]) throws(PhotoMetadataError) {
        boxOffset = offset - header.count
        boxType = ByteFields.fourCC(header[4..<8])
        boxes += 1
        let headerLength = header.count
        let size: Int?
        switch ByteFields.bigEndian(header[0..<4]) {
        case 0: size = nil
        case 1: size = Int(clamping: ByteFields.bigEndian(header[8..<16]))
        case let small: size = Int(small)
        }
        if let size, size < headerLength || size > Self.limit {
            throw Self.error("the \(boxType) box at byte \(boxOffset) has size \(size)")
        }
        guard boxes > 1 || boxType == "ftyp" else { throw Self.error("its first box is \(boxType), not ftyp") }
        let payload = size.map { $0 - headerLength }
        // An XMP or C2PA uuid box is blanked whole; any other box a HEIF reader does not need becomes a free box of
        // zeros (a motion photo's video, a vendor's or an editor's leftovers: what they hold is not read here).
        // Neither may an item's extent reach into.
        var fill: Fill?
        var freed = false
        switch boxType {
        case "ftyp" where boxes == 1, "meta", "mdat", "moov":
            break
        case "uuid" where header[(headerLength - 16)...].elementsEqual(Self.xmpUUID):
            fill = .xmp
        case "uuid" where header[(headerLength - 16)...].elementsEqual(Self.c2paUUID):
            fill = .zeros
        default:
            fill = .zeros
            freed = true
        }
        let span = fill == nil ? boxOffset..<offset : boxOffset..<(payload.map { offset + $0 } ?? Int.max)
        // Sorted and disjoint: only the first range not over yet can meet the header (checked in constant time,
        // however many boxes a file has).
        while nextRange < ranges.count, ranges[nextRange].range.upperBound <= boxOffset { nextRange += 1 }
        if nextRange < ranges.count, ranges[nextRange].range.overlaps(span) {
            let range = ranges[nextRange].range
            throw Self.error("metadata at bytes \(range.lowerBound)–\(range.upperBound) overlaps the \(boxType) box")
        }
        while nextData < itemData.count, itemData[nextData].upperBound <= boxOffset { nextData += 1 }
        if fill != nil, nextData < itemData.count, itemData[nextData].overlaps(span) {
            let range = itemData[nextData]
            throw Self.error(
                "item data at bytes \(range.lowerBound)–\(range.upperBound) lies in the \(boxType) box at byte "
                    + "\(boxOffset), which is blanked")
        }
        switch boxType {
        case "meta":
            guard !sawMeta else { throw Self.error("it has a second meta box at byte \(boxOffset)") }
            guard let size else { throw Self.error("its meta box at byte \(boxOffset) runs to the end of the file") }
            guard size <= Self.maxMetaSize else {
                throw Self.error("its meta box has \(size) bytes, more than the \(Self.maxMetaSize >> 20) MiB taken")
            }
            sawMeta = true
            meta = header
            header = []
            if size == headerLength {
                try readMeta(into: &out)
            } else {
                state = .meta(remaining: size - headerLength)
            }
            return
        case "mdat":
            guard sawMeta else {
                throw Self.error("its image data (mdat at byte \(boxOffset)) comes before its meta box")
            }
        case "moov":
            throw Self.error("it is an image sequence or video (moov box at byte \(boxOffset)), not a still photo")
        default:
            break
        }
        if freed {
            header.replaceSubrange(4..<8, with: "free".utf8)
            if boxType == "uuid" { header.replaceSubrange((headerLength - 16)..., with: repeatElement(0, count: 16)) }
        }
        try emit(header[...], at: boxOffset, into: &out)
        header.removeAll(keepingCapacity: true)
        if payload == 0 {
            state = .header
        } else if let fill {
            state = .blank(remaining: payload, fill: fill, written: 0)
        } else {
            state = .copy(remaining: payload)
        }
    }

    /// Takes the ranges to overwrite, sorted; refuses two that overlap.
    private mutating func plan(_ added: [Blank]) throws(PhotoMetadataError) {
        let all = added.filter { !$0.range.isEmpty }.sorted { $0.range.lowerBound < $1.range.lowerBound }
        for (first, second) in zip(all, all.dropFirst()) where first.range.overlaps(second.range) {
            let shared = second.range.lowerBound..<min(first.range.upperBound, second.range.upperBound)
            throw Self.error("two metadata items share bytes \(shared.lowerBound)–\(shared.upperBound)")
        }
        ranges = all
        nextRange = 0
    }

    // MARK: The meta box

    /// `meta` is complete: plans the Exif, XMP, C2PA and JPEG items' extents and writes the box.
    private mutating func readMeta(into out: inout [UInt8]) throws(PhotoMetadataError) {
        let metaStart = offset - meta.count
        metaEnd = offset
        let box = try MetaBox(meta, at: metaStart)
        var blanked: [Blank] = []
        for location in box.locations {
            guard let kind = box.metadataItems[location.item] else { continue }
            let name = "item \(location.item)"
            guard location.dataReference == 0 else { throw Self.error("the data of \(name) is in another file") }
            let base: Int
            let end: Int
            switch location.constructionMethod {
            case 0:
                base = 0
                end = Int.max
            case 1:
                guard let idat = box.idat else { throw Self.error("\(name) is in an idat box that is not there") }
                base = idat.lowerBound
                end = idat.upperBound
            default:
                throw Self.error("\(name) is built with construction method \(location.constructionMethod)")
            }
            if case .jpeg = kind {
                guard !location.extents.isEmpty else { continue }
                jpegItems.append(JPEGItemBlanker(item: location.item))
            }
            let walker = jpegItems.count - 1
            var itemOffset = 0
            var previousStop = 0
            for extent in location.extents {
                let start = base + location.baseOffset + extent.offset
                guard start <= end else { throw Self.error("\(name) begins past its idat box") }
                let stop = extent.length == 0 ? end : start + extent.length
                guard stop <= end else { throw Self.error("\(name) runs past its idat box") }
                if start < metaEnd {
                    // Already read: only inside idat's data, which is not structure, may it be blanked.
                    guard let idat = box.idat, idat.lowerBound <= start, stop <= idat.upperBound else {
                        throw Self.error(
                            "\(name) at bytes \(start)–\(stop) lies in or before the meta box, not in idat")
                    }
                }
                switch kind {
                case .blanked(let fill):
                    blanked.append(Blank(range: start..<stop, rewrite: .fill(fill, itemOffset: itemOffset)))
                case .jpeg:
                    // It is walked as the file streams past, so its bytes must come in the item's order.
                    guard start >= previousStop else {
                        throw Self.error("the extents of JPEG \(name) are out of order")
                    }
                    blanked.append(Blank(range: start..<stop, rewrite: .jpeg(walker)))
                }
                previousStop = stop
                itemOffset = stop == Int.max ? Self.limit : min(itemOffset + (stop - start), Self.limit)
            }
        }
        try plan(blanked)
        // Merged, the data of tiles laid one after another is one range.
        for range in box.itemData.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = itemData.last, range.lowerBound <= last.upperBound {
                itemData[itemData.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                itemData.append(range)
            }
        }
        try emit(meta[...], at: metaStart, into: &out)
        meta = []
        state = .header
    }

    private static func error(_ reason: String) -> PhotoMetadataError {
        PhotoMetadataError(.heic, reason)
    }
}

/// A byte range of the file to overwrite, and how.
struct Blank: Sendable {
    var range: Range<Int>
    var rewrite: Rewrite
}

enum Rewrite: Sendable {
    /// The bytes from `itemOffset` on of what `fill` writes for a whole item (an item's extents follow one another).
    case fill(Fill, itemOffset: Int)
    /// Through the JPEG item walker of this index.
    case jpeg(Int)
}

/// What a blanked item becomes.
enum Fill: Sendable {
    /// An Exif item's 4-byte offset to the TIFF header (0), a big-endian TIFF header and an IFD0 with no entries and
    /// no next IFD; then zeros.
    case exif
    /// An empty XMP packet (`<x:xmpmeta xmlns:x="adobe:ns:meta/"/>`), then spaces.
    case xmp
    case zeros

    static let emptyExif: [UInt8] = [0, 0, 0, 0, 0x4D, 0x4D, 0x00, 0x2A, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0]
    static let emptyXMP: [UInt8] = Array(#"<x:xmpmeta xmlns:x="adobe:ns:meta/"/>"#.utf8)

    /// `count` bytes of the item from `offset` on.
    func append(from offset: Int, count: Int, to out: inout [UInt8]) {
        let (start, filler): ([UInt8], UInt8)
        switch self {
        case .exif: (start, filler) = (Self.emptyExif, 0)
        case .xmp: (start, filler) = (Self.emptyXMP, 0x20)
        case .zeros: (start, filler) = ([], 0)
        }
        var written = 0
        if offset < start.count {
            written = min(count, start.count - offset)
            out += start[offset..<(offset + written)]
        }
        out += repeatElement(filler, count: count - written)
    }
}

/// What the blanker needs of a `meta` box: which items are metadata, where their extents are, where the other
/// items' data lies in the file, and where `idat`'s data lies. Read from the box's bytes with every bound checked.
struct MetaBox {
    /// What becomes of a metadata item.
    enum Kind {
        /// Exif, XMP, C2PA: overwritten whole.
        case blanked(Fill)
        /// A JPEG-coded image: its application segments and comments blanked.
        case jpeg
    }

    struct Location {
        var item: UInt32
        var constructionMethod: Int
        var dataReference: Int
        var baseOffset: Int
        var extents: [(offset: Int, length: Int)]
    }

    /// The metadata items' IDs, and what each becomes.
    var metadataItems: [UInt32: Kind] = [:]
    /// The metadata items' locations.
    var locations: [Location] = []
    /// The file's byte ranges of the other items' data (in this file, by file offset), unsorted.
    var itemData: [Range<Int>] = []
    /// The file's byte range of `idat`'s data, if there is one.
    var idat: Range<Int>?

    /// `bytes` is the whole box (header included), which starts at `fileOffset` in the file.
    init(_ bytes: [UInt8], at fileOffset: Int) throws(PhotoMetadataError) {
        var reader = BoxReader(bytes, from: 0, to: bytes.count)
        let (_, payload) = try reader.boxHeader()
        // A FullBox: version and flags, then the child boxes.
        _ = try reader.bytes(4, in: "meta")
        var info: Range<Int>?
        var locationBox: Range<Int>?
        while reader.position < payload.upperBound {
            let (type, child) = try reader.boxHeader()
            switch type {
            case "iinf":
                guard info == nil else { throw Self.error("its meta box has two iinf boxes") }
                info = child
            case "iloc":
                guard locationBox == nil else { throw Self.error("its meta box has two iloc boxes") }
                locationBox = child
            case "idat":
                guard idat == nil else { throw Self.error("its meta box has two idat boxes") }
                idat = (fileOffset + child.lowerBound)..<(fileOffset + child.upperBound)
            default:
                break
            }
            reader.position = child.upperBound
        }
        // iloc may come before iinf, and which items are metadata decides what is kept of iloc.
        if let info {
            var inner = BoxReader(bytes, from: info.lowerBound, to: info.upperBound)
            metadataItems = try Self.items(&inner)
        }
        if let locationBox {
            var inner = BoxReader(bytes, from: locationBox.lowerBound, to: locationBox.upperBound)
            try readLocations(&inner, metaEnd: fileOffset + bytes.count)
        }
    }

    /// The metadata items in an `iinf` box's payload, and what each becomes.
    static func items(_ reader: inout BoxReader) throws(PhotoMetadataError) -> [UInt32: Kind] {
        let version = try reader.uint(1, in: "iinf")
        _ = try reader.bytes(3, in: "iinf")
        _ = try reader.uint(version == 0 ? 2 : 4, in: "iinf")
        var items: [UInt32: Kind] = [:]
        while reader.position < reader.end {
            let (type, child) = try reader.boxHeader()
            defer { reader.position = child.upperBound }
            guard type == "infe" else { continue }
            var entry = BoxReader(reader.buffer, from: child.lowerBound, to: child.upperBound)
            let version = try entry.uint(1, in: "infe")
            _ = try entry.bytes(3, in: "infe")
            let item: UInt32
            var contentType: String?
            var contentEncoding = ""
            // Versions 0 and 1 have no item type, only a content type as a `mime` item has.
            var itemType = "mime"
            switch version {
            case 0, 1:
                item = UInt32(try entry.uint(2, in: "infe"))
                _ = try entry.uint(2, in: "infe") // protection index
                _ = entry.string() // name
                contentType = entry.string()
                contentEncoding = entry.string()
            case 2, 3:
                item = UInt32(try entry.uint(version == 2 ? 2 : 4, in: "infe"))
                _ = try entry.uint(2, in: "infe")
                itemType = ByteFields.fourCC(try entry.bytes(4, in: "infe"))
                _ = entry.string()
                if itemType == "mime" {
                    contentType = entry.string()
                    contentEncoding = entry.string()
                }
            default:
                throw Self.error("an item info box (infe) has version \(version)")
            }
            let mediaType = contentType.map { type in
                String(type.prefix { $0 != ";" }).lowercased().trimmingSpaces()
            }
            if itemType == "Exif" {
                items[item] = .blanked(.exif)
            } else if itemType == "jpeg" || mediaType == "image/jpeg" {
                items[item] = .jpeg
            } else if let mediaType, HEICMetadataBlanker.blankedContentTypes.contains(mediaType) {
                // A compressed packet (content_encoding, say "deflate") gets zeros: spaces would not inflate.
                items[item] = .blanked(mediaType == "application/c2pa" || !contentEncoding.isEmpty ? .zeros : .xmp)
            }
        }
        return items
    }

    /// The entries of an `iloc` box's payload (versions 0, 1 and 2): the metadata items' locations, the other items'
    /// data ranges. Extents are counted before they are kept, and refused past the limits.
    mutating func readLocations(_ reader: inout BoxReader, metaEnd: Int) throws(PhotoMetadataError) {
        let version = try reader.uint(1, in: "iloc")
        guard version <= 2 else { throw Self.error("its iloc box has version \(version), not 0, 1 or 2") }
        _ = try reader.bytes(3, in: "iloc")
        let sizes = try reader.uint(1, in: "iloc")
        let more = try reader.uint(1, in: "iloc")
        let (offsetSize, lengthSize) = (sizes >> 4, sizes & 0x0F)
        let baseOffsetSize = more >> 4
        let indexSize = version == 0 ? 0 : more & 0x0F
        for size in [offsetSize, lengthSize, baseOffsetSize, indexSize] where ![0, 4, 8].contains(size) {
            throw Self.error("its iloc box has a field size of \(size) bytes")
        }
        let count = try reader.uint(version < 2 ? 2 : 4, in: "iloc")
        let most = HEICMetadataBlanker.maxMetadataExtents
        var metadataExtents = 0
        var otherExtents = 0
        for _ in 0..<count {
            let item = UInt32(try reader.uint(version < 2 ? 2 : 4, in: "iloc"))
            var method = 0
            if version > 0 { method = try reader.uint(2, in: "iloc") & 0x0F }
            let reference = try reader.uint(2, in: "iloc")
            let base = try reader.uint(baseOffsetSize, in: "iloc")
            let extentCount = try reader.uint(2, in: "iloc")
            // Extents whose fields are all 0 bytes long take no room: without this, a small box could claim billions.
            guard extentCount <= 1 || offsetSize + lengthSize + indexSize > 0 else {
                throw Self.error("its iloc box gives item \(item) \(extentCount) extents of no size")
            }
            let isMetadata = metadataItems[item] != nil
            if isMetadata {
                guard extentCount <= most else {
                    throw Self.error(
                        "its metadata item \(item) has \(extentCount) extents, more than the \(most) taken")
                }
                // An entry without extents still becomes a location: it counts as one, so listing an item again and
                // again cannot grow what is held past the limit.
                metadataExtents += max(extentCount, 1)
                guard metadataExtents <= most else {
                    throw Self.error("its metadata items have more than the \(most) extents taken in all")
                }
            } else {
                otherExtents += extentCount
                guard otherExtents <= HEICMetadataBlanker.maxExtents else {
                    throw Self.error("its items have more than the \(HEICMetadataBlanker.maxExtents) extents taken")
                }
            }
            // Only data by file offset in this file can lie in a top-level box.
            let inFile = method == 0 && reference == 0
            var extents: [(offset: Int, length: Int)] = []
            for _ in 0..<extentCount {
                _ = try reader.uint(indexSize, in: "iloc")
                let offset = try reader.uint(offsetSize, in: "iloc")
                let length = try reader.uint(lengthSize, in: "iloc")
                if isMetadata {
                    extents.append((offset, length))
                } else if inFile {
                    let start = base + offset
                    let stop = length == 0 ? Int.max : start + length
                    if let idat, idat.lowerBound <= start, stop <= idat.upperBound { continue }
                    // Bytes before meta's end are written before the extents are known, blanked boxes among them.
                    guard start >= metaEnd else {
                        throw Self.error(
                            "item \(item) at bytes \(start)–\(stop) lies in or before the meta box, not in idat")
                    }
                    if start < stop { itemData.append(start..<stop) }
                }
            }
            if isMetadata {
                locations.append(
                    Location(
                        item: item, constructionMethod: method, dataReference: reference, baseOffset: base,
                        extents: extents))
            }
        }
    }

    static func error(_ reason: String) -> PhotoMetadataError {
        PhotoMetadataError(.heic, reason)
    }
}

/// Reads big-endian fields and boxes from a byte range, refusing to read past its end.
struct BoxReader {
    let buffer: [UInt8]
    var position: Int
    let end: Int

    init(_ bytes: [UInt8], from start: Int, to end: Int) {
        self.buffer = bytes
        self.position = start
        self.end = end
    }

    mutating func bytes(_ count: Int, in box: String) throws(PhotoMetadataError) -> ArraySlice<UInt8> {
        guard count <= end - position else { throw MetaBox.error("its \(box) box is cut short") }
        defer { position += count }
        return buffer[position..<(position + count)]
    }

    /// An unsigned big-endian field of `count` bytes (0 bytes read as 0); refused from `HEICMetadataBlanker.limit` on.
    mutating func uint(_ count: Int, in box: String) throws(PhotoMetadataError) -> Int {
        let value = ByteFields.bigEndian(try bytes(count, in: box))
        guard value < UInt64(HEICMetadataBlanker.limit) else {
            throw MetaBox.error("its \(box) box has a value of \(value), too large for a photo")
        }
        return Int(value)
    }

    /// A null-terminated string (or the rest of the box when the null is missing).
    mutating func string() -> String {
        let stop = buffer[position..<end].firstIndex(of: 0) ?? end
        defer { position = min(stop + 1, end) }
        return String(decoding: buffer[position..<stop], as: UTF8.self)
    }

    /// A child box's type and the range of its payload; size 0 runs to the end of the range.
    mutating func boxHeader() throws(PhotoMetadataError) -> (type: String, payload: Range<Int>) {
        let start = position
        let size32 = try uint(4, in: "a child")
        let type = ByteFields.fourCC(try bytes(4, in: "a child"))
        var size: Int
        switch size32 {
        case 0: size = end - start
        case 1: size = try uint(8, in: type)
        default: size = size32
        }
        if type == "uuid" { _ = try bytes(16, in: type) }
        guard size >= position - start, size <= end - start else {
            throw MetaBox.error("the \(type) box at byte \(start) of meta has size \(size), which does not fit")
        }
        return (type, position..<(start + size))
    }
}

extension String {
    /// Without spaces and tabs at either end.
    fileprivate func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
