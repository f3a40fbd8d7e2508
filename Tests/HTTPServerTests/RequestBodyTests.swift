import Foundation
import HTTPServer
import Testing

/// Request bodies on their own: the collector's threshold, the spool file's properties, reading, and every error a
/// file may meet.
@Suite struct RequestBodyTests {
    func collect(_ body: [UInt8], in directory: SpoolDirectory, threshold: Int, pieces: Int = 7) throws -> RequestBody {
        var collector = try RequestBodyCollector(spoolDirectory: directory.path, threshold: threshold)
        var random = SeededRandom(seed: UInt64(body.count))
        for piece in random.split(body, largest: max(1, body.count / pieces)) { try collector.append(piece) }
        #expect(collector.count == body.count)
        return collector.finish()
    }

    @Test func aBodyUpToTheThresholdStaysInMemoryAndOnePastItIsSpooled() throws {
        let directory = try SpoolDirectory()
        defer { directory.remove() }
        let bytes = SeededRandom(seed: 1).bytesOf(1001)
        let atThreshold = try collect(Array(bytes.prefix(1000)), in: directory, threshold: 1000)
        #expect(!atThreshold.isSpooled)
        #expect(atThreshold.bytes == Array(bytes.prefix(1000)))
        #expect(directory.openFiles.isEmpty)
        let past = try collect(bytes, in: directory, threshold: 1000)
        #expect(past.isSpooled)
        #expect(past.count == 1001)
        #expect(try past.collect().elementsEqual(bytes))
        #expect(directory.openFiles.count == 1)
    }

    @Test func withoutADirectoryEveryBodyStaysInMemory() throws {
        var collector = try RequestBodyCollector(spoolDirectory: nil, threshold: 10, expectedLength: 5000)
        let bytes = SeededRandom(seed: 2).bytesOf(5000)
        try collector.append(bytes)
        let body = collector.finish()
        #expect(!body.isSpooled)
        #expect(body.bytes.elementsEqual(bytes))
    }

    /// A Content-Length past the threshold makes the file at once: nothing is gathered in memory first.
    @Test func aDeclaredLengthPastTheThresholdSpoolsFromTheFirstByte() throws {
        let directory = try SpoolDirectory()
        defer { directory.remove() }
        var collector = try RequestBodyCollector(spoolDirectory: directory.path, threshold: 1000, expectedLength: 1001)
        #expect(directory.openFiles.count == 1)
        try collector.append([1, 2, 3])
        let body = collector.finish()
        #expect(body.isSpooled)
        #expect(try body.collect() == [1, 2, 3])
        let small = try RequestBodyCollector(spoolDirectory: directory.path, threshold: 1000, expectedLength: 1000)
        #expect(!small.finish().isSpooled)
    }

    @Test(arguments: [1, 3, 1000, 4096, 1 << 20])
    func everyReaderSeesTheSameBytesInMemoryAndSpooled(chunkSize: Int) throws {
        let directory = try SpoolDirectory()
        defer { directory.remove() }
        let bytes = SeededRandom(seed: 3).bytesOf(10_007)
        for body in [RequestBody(bytes), try collect(bytes, in: directory, threshold: 100)] {
            var reader = body.reader(chunkSize: chunkSize)
            var read: [UInt8] = []
            while let piece = try reader.next() {
                #expect(!piece.isEmpty && piece.count <= chunkSize)
                read.append(contentsOf: piece)
            }
            #expect(read.elementsEqual(bytes), "spooled: \(body.isSpooled)")
            #expect(reader.offset == bytes.count)
            #expect(try reader.next() == nil)
            #expect(try body.collect().elementsEqual(bytes))
            #expect(body.count == bytes.count)
        }
    }

    @Test func readersOfOneBodyKeepTheirOwnPlace() throws {
        let directory = try SpoolDirectory()
        defer { directory.remove() }
        let bytes = SeededRandom(seed: 4).bytesOf(5000)
        let body = try collect(bytes, in: directory, threshold: 100)
        var first = body.reader(chunkSize: 1000)
        var second = body.reader(chunkSize: 300)
        #expect(try first.next().map(Array.init) == Array(bytes[0..<1000]))
        #expect(try second.next().map(Array.init) == Array(bytes[0..<300]))
        #expect(try first.next().map(Array.init) == Array(bytes[1000..<2000]))
        #expect(try second.next().map(Array.init) == Array(bytes[300..<600]))
    }

    /// Documented: a spooled body's `bytes` is empty, its bytes are only in the file.
    @Test func bytesOfASpooledBodyIsEmpty() throws {
        let directory = try SpoolDirectory()
        defer { directory.remove() }
        let body = try collect([UInt8](repeating: 7, count: 200), in: directory, threshold: 100)
        #expect(body.isSpooled)
        #expect(body.bytes.isEmpty)
        #expect(!body.isEmpty)
        #expect(RequestBody().isEmpty && RequestBody().bytes.isEmpty && !RequestBody().isSpooled)
    }

    /// The descriptor lives as long as some copy of the body, and closes with the last one.
    @Test func theFileClosesWhenTheLastCopyOfTheBodyGoes() throws {
        let directory = try SpoolDirectory()
        defer { directory.remove() }
        do {
            let body = try collect([UInt8](repeating: 1, count: 300), in: directory, threshold: 100)
            var request = HTTPRequest(head: HTTPRequestHead(method: .post, target: "/"), body: body)
            request.parameters["copy"] = "yes"
            #expect(directory.openFiles.count == 1)
            _ = consume body
            #expect(directory.openFiles.count == 1)
            #expect(try request.body.collect().count == 300)
        }
        #expect(directory.openFiles.isEmpty)
        #expect(directory.entries.isEmpty)
    }

    /// No name in the directory at any moment the server could be killed, read and write for the owner only.
    @Test(arguments: [true, false])
    func theSpoolFileHasNoNameAndIsTheOwnersAlone(anonymous: Bool) throws {
        let directory = try SpoolDirectory()
        defer { directory.remove() }
        let file = try SpoolFile.create(in: directory.path, anonymous: anonymous)
        #expect(directory.entries.isEmpty)
        let open = directory.openFiles
        try #require(open.count == 1)
        #expect(open[0].target.hasSuffix(" (deleted)"), "\(open[0].target)")
        var status = stat()
        #expect(stat("/proc/self/fd/\(open[0].descriptor)", &status) == 0)
        #expect(status.st_mode & 0o777 == 0o600)
        #expect(status.st_nlink == 0)
        var collector = RequestBodyCollector(spoolingTo: file)
        try collector.append([9, 8, 7])
        #expect(try collector.finish().collect() == [9, 8, 7])
    }

    @Test(arguments: [true, false])
    func aMissingDirectoryOrAFileInItsPlaceCannotTakeASpoolFile(anonymous: Bool) throws {
        let directory = try SpoolDirectory()
        defer { directory.remove() }
        let plainFile = directory.path + "/plain"
        #expect(FileManager.default.createFile(atPath: plainFile, contents: Data()))
        for (path, code) in [(directory.path + "/missing", ENOENT), (plainFile, ENOTDIR)] {
            #expect(throws: BodySpoolError("open", code: code)) {
                try SpoolFile.create(in: path, anonymous: anonymous)
            }
            // Through the collector: at once for a declared length, on passing the threshold otherwise.
            #expect(throws: BodySpoolError("open", code: code)) {
                try RequestBodyCollector(spoolDirectory: path, threshold: 10, expectedLength: 11)
            }
            var collector = try RequestBodyCollector(spoolDirectory: path, threshold: 10)
            try collector.append([UInt8](repeating: 0, count: 10))
            #expect(throws: BodySpoolError("open", code: code)) { try collector.append([0]) }
        }
        #expect(directory.entries == ["plain"])
    }

    /// `/dev/full` answers every write with ENOSPC, as a full disk does.
    @Test func aFullDiskFailsTheAppend() throws {
        let descriptor = open("/dev/full", O_RDWR | O_CLOEXEC)
        try #require(descriptor >= 0)
        var collector = RequestBodyCollector(spoolingTo: SpoolFile(adopting: descriptor))
        #expect(throws: BodySpoolError("write", code: ENOSPC)) { try collector.append([1, 2, 3]) }
        #expect(BodySpoolError("write", code: ENOSPC).description.contains("No space left on device"))
    }

    @Test func aFileThatCannotBeReadOrEndsEarlyFailsTheRead() throws {
        let directory = try SpoolDirectory()
        defer { directory.remove() }
        let writeOnly = open("/dev/null", O_WRONLY | O_CLOEXEC)
        try #require(writeOnly >= 0)
        let unreadable = RequestBody(spooled: SpoolFile(adopting: writeOnly), count: 10)
        #expect(throws: BodySpoolError("pread", code: EBADF)) { try unreadable.collect() }
        var reader = unreadable.reader()
        #expect(throws: BodySpoolError("pread", code: EBADF)) { try reader.next() }

        let path = directory.path + "/five"
        #expect(FileManager.default.createFile(atPath: path, contents: Data([1, 2, 3, 4, 5])))
        let readOnly = open(path, O_RDONLY | O_CLOEXEC)
        try #require(readOnly >= 0)
        let short = RequestBody(spooled: SpoolFile(adopting: readOnly), count: 10)
        #expect(throws: BodySpoolError("pread", code: EIO)) { try short.collect() }
        var shortReader = short.reader(chunkSize: 3)
        #expect(try shortReader.next().map(Array.init) == [1, 2, 3])
        #expect(throws: BodySpoolError("pread", code: EIO)) { try shortReader.next() }
    }
}

extension SeededRandom {
    func bytesOf(_ count: Int) -> [UInt8] {
        var random = self
        return random.bytes(count)
    }
}

/// What spooled bodies take of a `SpoolBudget`: taken before bytes are written, given back when the file closes.
@Suite struct SpoolBudgetTests {
    @Test func aDeclaredLengthTakesItsWholeSizeAtOnceAndGivesItBackWhenTheBodyGoes() throws {
        let directory = try SpoolDirectory()
        defer { directory.remove() }
        let budget = SpoolBudget(limit: 10_000)
        var first: RequestBodyCollector? = try RequestBodyCollector(
            spoolDirectory: directory.path, threshold: 1000, expectedLength: 8000, budget: budget)
        #expect(budget.inUse == 8000)
        #expect(throws: BodySpoolError.overBudget(10_000)) {
            _ = try RequestBodyCollector(
                spoolDirectory: directory.path, threshold: 1000, expectedLength: 2001, budget: budget)
        }
        #expect(budget.inUse == 8000, "a refused body takes nothing")
        #expect(directory.openFiles.count == 1, "and its file is gone at once")
        // A body that stays in memory never counts.
        var small = try RequestBodyCollector(
            spoolDirectory: directory.path, threshold: 1000, expectedLength: 1000, budget: budget)
        try small.append(Array(repeating: 7, count: 1000))
        #expect(budget.inUse == 8000)

        try first?.append(Array(repeating: 1, count: 8000))
        var body: RequestBody? = first?.finish()
        first = nil
        #expect(budget.inUse == 8000, "held while the handler reads the body")
        #expect(body?.count == 8000)
        body = nil
        #expect(budget.inUse == 0)
        #expect(directory.openFiles.isEmpty)
    }

    /// Without a length (chunked), each piece is taken as it comes; the piece that would pass the bound fails.
    @Test func aBodyOfUnknownLengthFailsWithThePieceThatPassesTheBound() throws {
        let directory = try SpoolDirectory()
        defer { directory.remove() }
        let budget = SpoolBudget(limit: 5000)
        var collector = try RequestBodyCollector(spoolDirectory: directory.path, threshold: 1000, budget: budget)
        try collector.append(Array(repeating: 1, count: 800))
        #expect(budget.inUse == 0, "in memory so far")
        try collector.append(Array(repeating: 2, count: 800))
        #expect(budget.inUse == 1600)
        try collector.append(Array(repeating: 3, count: 3400))
        #expect(budget.inUse == 5000)
        #expect(throws: BodySpoolError.overBudget(5000)) { try collector.append([4]) }
        _ = consume collector
        #expect(budget.inUse == 0)
    }

    @Test func theErrorNamesTheBoundAndNoSystemCall() {
        #expect(BodySpoolError.overBudget(4096).description == "the bodies being received take all 4096 bytes the spool may hold")
        #expect(BodySpoolError.response.status == .serviceUnavailable)
        #expect(BodySpoolError.response.headers["Retry-After"] == "60")
    }
}
