import FormCore
import Testing

@Suite struct MultipartFormReaderTests {
    static let boundary = "----b0undary"

    static func body(_ parts: [(name: String, filename: String?, bytes: [UInt8])]) -> [UInt8] {
        var body: [UInt8] = []
        for part in parts {
            var head = "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(part.name)\""
            if let filename = part.filename { head += "; filename=\"\(filename)\"\r\nContent-Type: image/jpeg" }
            body += Array((head + "\r\n\r\n").utf8) + part.bytes + Array("\r\n".utf8)
        }
        return body + Array("--\(boundary)--\r\n".utf8)
    }

    static let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0] + Array(repeating: 0x41, count: 200_000)

    func read(_ body: [UInt8], pieces: Int = 1, maxText: Int = MultipartFormReader.defaultMaxTextFieldBytes)
        throws(DecodeError) -> MultipartFormReader
    {
        var reader = try MultipartFormReader(boundary: Self.boundary, maxTextFieldBytes: maxText)
        let size = max(1, body.count / pieces)
        var start = 0
        while start < body.count {
            let end = min(body.count, start + size)
            try reader.feed(body[start..<end])
            start = end
        }
        try reader.finish()
        return reader
    }

    @Test(arguments: [1, 7, 1000])
    func textFieldsInFullAndFilesDescribedOnly(pieces: Int) throws {
        let body = Self.body([
            ("email", nil, Array("max@example.org".utf8)), ("attachments", "dach.jpg", Self.jpeg),
            ("message", nil, Array("Wasser im Keller".utf8)), ("attachments", "leer.pdf", Array("%PDF-1.7".utf8)),
            ("email", nil, Array("second@example.org".utf8)),
        ])
        let reader = try read(body, pieces: pieces)
        #expect(reader.fields == ["email": "max@example.org", "message": "Wasser im Keller"])
        #expect(reader.files.map(\.filename) == ["dach.jpg", "leer.pdf"])
        #expect(reader.files.map(\.size) == [Self.jpeg.count, 8])
        #expect(reader.files[0].prefix == Array(Self.jpeg.prefix(AttachmentType.sniffLength)))
        #expect(reader.files[1].prefix == Array("%PDF-1.7".utf8))
        #expect(reader.files.allSatisfy { $0.field == "attachments" })
    }

    @Test func anEmptyFileInputIsNoFileAndANamelessFileGetsAName() throws {
        let reader = try read(Self.body([("attachments", "", []), ("attachments", "", [1, 2, 3])]))
        #expect(reader.files.map(\.filename) == ["datei"])
        #expect(reader.files.first?.size == 3)
    }

    /// Each field within its own limit, together over the body's: text is held in memory, only files may be large.
    @Test(arguments: [1, 5])
    func textFieldsTogetherOverTheLimitAreTooLarge(pieces: Int) throws {
        let field = Array(repeating: UInt8(0x61), count: 400)
        let parts: [(name: String, filename: String?, bytes: [UInt8])] =
            (0..<3).map { ("note\($0)", nil, field) } + [("attachments", "dach.jpg", Self.jpeg)]
        var reader = try MultipartFormReader(boundary: Self.boundary, maxTextFieldBytes: 500, maxTextBytes: 1_000)
        let body = Self.body(parts)
        #expect(throws: DecodeError.textTooLarge(limit: 1_000)) {
            let size = body.count / pieces + 1
            for start in stride(from: 0, to: body.count, by: size) {
                try reader.feed(body[start..<min(body.count, start + size)])
            }
        }
        #expect(DecodeError.textTooLarge(limit: 1_000).statusCode == 413)
        // The same text with the file alone making the body large is taken.
        var within = try MultipartFormReader(boundary: Self.boundary, maxTextFieldBytes: 500, maxTextBytes: 1_200)
        try within.feed(body)
        try within.finish()
        #expect(within.fields.count == 3)
        #expect(within.files.map(\.size) == [Self.jpeg.count])
    }

    @Test func aTextFieldOverTheLimitIsRefusedByName() {
        let body = Self.body([("message", nil, Array(repeating: 0x61, count: 101))])
        #expect(throws: DecodeError.malformed("field \"message\": longer than 100 bytes")) {
            try read(body, pieces: 3, maxText: 100)
        }
    }

    @Test func invalidUTF8InATextFieldIsRefusedByName() {
        #expect(throws: DecodeError.malformed("field \"city\": invalid UTF-8")) {
            try read(Self.body([("city", nil, [0xC3, 0x28])]))
        }
    }

    @Test func aBodyEndingInsideAFileIsRefused() {
        let body = Self.body([("attachments", "a.jpg", Self.jpeg)])
        #expect(throws: DecodeError.self) { try read(Array(body.dropLast(40))) }
    }
}

@Suite struct AttachmentPolicyTests {
    static let jpegPrefix: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE1, 0, 0]

    func file(_ name: String, _ prefix: [UInt8], size: Int = 1000) -> MultipartFormReader.FilePart {
        .init(field: "attachments", filename: name, size: size, prefix: prefix)
    }

    @Test func filesWithinThePolicyPass() {
        let policy = AttachmentPolicy()
        #expect(policy.problems([file("a.jpg", Self.jpegPrefix), file("b.pdf", Array("%PDF-1.4".utf8))],
                                language: .de).isEmpty)
        #expect(policy.bodyLimit == 5 * 10 * 1024 * 1024 + 1024 * 1024)
        #expect(policy.accept == "image/jpeg,image/png,image/webp,image/heic,application/pdf,.heic")
        #expect(policy.typeList == "JPEG, PNG, WebP, HEIC, PDF")
    }

    @Test func eachProblemNamesTheFileInTheVisitorsLanguage() {
        let policy = AttachmentPolicy(maxFiles: 2, maxFileBytes: 1024 * 1024, types: [.jpeg, .png])
        let files = [
            file("programm.jpg", Array("MZ\u{90}\0".utf8)),  // a renamed .exe: its content decides
            file("riesig.jpg", Self.jpegPrefix, size: 1024 * 1024 + 1),
            file("dritte.jpg", Self.jpegPrefix),
        ]
        #expect(policy.problems(files, language: .de) == [
            "„programm.jpg“ hat keinen erlaubten Dateityp (erlaubt: JPEG, PNG).",
            "„riesig.jpg“ ist größer als 1 MB.",
            "„dritte.jpg“ ist eine Datei zu viel (höchstens 2).",
        ])
        #expect(policy.problems(files, language: .en) == [
            "“programm.jpg” is not a file type we accept (allowed: JPEG, PNG).",
            "“riesig.jpg” is larger than 1 MB.",
            "“dritte.jpg” is one file too many (at most 2).",
        ])
    }

    @Test func aTypeTheFormDoesNotTakeIsRefusedEvenIfKnown() {
        let policy = AttachmentPolicy(types: [.jpeg])
        #expect(policy.problems([file("plan.pdf", Array("%PDF-1.4".utf8))], language: .de)
            == ["„plan.pdf“ hat keinen erlaubten Dateityp (erlaubt: JPEG)."])
    }
}
