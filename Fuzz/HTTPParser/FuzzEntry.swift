// libFuzzer entry for the HTTP request parser and path decoding, compiled together with their sources by
// Scripts/fuzz.sh. Besides "never crash", it checks the parser's promise: any split of the input gives the same
// events (body bytes may come in other pieces).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let whole = FuzzEvents.collect(bytes, pieceSize: max(1, bytes.count))
    let split = bytes.isEmpty ? 1 : Int(bytes[0] % 7) + 1
    let pieces = FuzzEvents.collect(bytes, pieceSize: split)
    if whole != pieces {
        fatalError("split at \(split) gives different events: \(whole) vs \(pieces)")
    }
    for event in whole {
        if case .head(let path, _) = event {
            _ = PathPattern.segments(of: path)
        }
    }
    return 0
}

enum FuzzEvents: Equatable {
    case head(String, String)
    case body([UInt8])
    case end(Int)
    case error(Int)

    static func collect(_ bytes: [UInt8], pieceSize: Int) -> [FuzzEvents] {
        var parser = HTTPRequestParser()
        var events: [FuzzEvents] = []
        var offset = 0
        func drain() {
            while let event = parser.next() {
                switch event {
                case .head(let head):
                    events.append(.head(head.path, "\(head.method.rawValue) \(head.version) \(head.framing) \(head.headers.count)"))
                case .body(let piece):
                    if case .body(let previous) = events.last {
                        events[events.count - 1] = .body(previous + piece)
                    } else {
                        events.append(.body(piece))
                    }
                case .end(let trailers):
                    events.append(.end(trailers.count))
                case .error(let error):
                    events.append(.error(error.status.code))
                }
            }
        }
        while offset < bytes.count {
            parser.append(bytes[offset..<min(offset + pieceSize, bytes.count)])
            drain()
            offset += pieceSize
        }
        drain()
        return events
    }
}
