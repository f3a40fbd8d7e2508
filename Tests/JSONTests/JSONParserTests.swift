import Testing
import JSON

/// The error `parse` throws for `text`, as reason, line and column (nil when it parses).
private func failure(_ text: String, maxDepth: Int = 64) -> Failure? {
    failure(Array(text.utf8), maxDepth: maxDepth)
}

private func failure(_ bytes: [UInt8], maxDepth: Int = 64) -> Failure? {
    do {
        _ = try JSONValue.parse(bytes, maxDepth: maxDepth)
        return nil
    } catch {
        return Failure(error.reason, error.line, error.column)
    }
}

struct Failure: Equatable, Sendable, CustomStringConvertible {
    let reason: String
    let line: Int
    let column: Int
    init(_ reason: String, _ line: Int, _ column: Int) {
        self.reason = reason
        self.line = line
        self.column = column
    }
    /// On the first line.
    init(_ reason: String, _ column: Int) { self.init(reason, 1, column) }
    var description: String { "\(reason) @\(line):\(column)" }
}

@Suite struct JSONParserTests {
    // MARK: Values

    @Test(arguments: [
        ("null", JSONValue.null),
        ("true", true),
        ("false", false),
        ("42", 42),
        ("-1.5", .number(-1.5)),
        (#""hi""#, "hi"),
        ("[]", []),
        ("{}", [:]),
        (#"[1,"a",null]"#, [1, "a", nil]),
        (#"{"a":1}"#, ["a": 1]),
    ] as [(String, JSONValue)])
    func parsesEveryKindOfValue(text: String, expected: JSONValue) throws {
        #expect(try JSONValue.parse(text) == expected)
    }

    @Test func parsesANestedDocument() throws {
        let text = """
            {"id": 1234, "status": "created", "ok": true, "note": null,
             "contact": {"email": "jörg@example.com", "phones": ["+49 30 1234", "+49 170 5678"], "tags": []},
             "items": [{"sku": "A-1", "qty": 2, "price": 19.99}, {"sku": "B-2", "qty": 1, "price": 0.5, "meta": {}}]}
            """
        let expected: JSONValue = [
            "id": 1234, "status": "created", "ok": true, "note": nil,
            "contact": ["email": "jörg@example.com", "phones": ["+49 30 1234", "+49 170 5678"], "tags": []],
            "items": [
                ["sku": "A-1", "qty": 2, "price": .number(19.99)],
                ["sku": "B-2", "qty": 1, "price": .number(0.5), "meta": [:]],
            ],
        ]
        #expect(try JSONValue.parse(text) == expected)
    }

    @Test func parsesBytesAndTextAlike() throws {
        let text = #"{"a": [1, "é", {"b": null}]}"#
        let expected: JSONValue = ["a": [1, "é", ["b": nil]]]
        #expect(try JSONValue.parse(text) == expected)
        #expect(try JSONValue.parse(Array(text.utf8)) == expected)
        #expect(try JSONValue.parse(text.utf8) == expected)
        #expect(try JSONValue.parse(Array(text.utf8)[...]) == expected)
    }

    @Test func errorDescriptionNamesReasonLineAndColumn() {
        do {
            _ = try JSONValue.parse("[1,\n  x]")
            Issue.record("must throw")
        } catch {
            #expect(error.description == "unexpected character at line 2, column 3")
        }
    }

    // MARK: White space and the document's shape

    @Test func acceptsSpaceTabLineFeedAndCarriageReturnAroundAndBetweenTokens() throws {
        let text = " \t\r\n{ \t\r\n\"a\" \t\r\n: \t\r\n[ \t\r\n1 \t\r\n, \t\r\n2 \t\r\n] \t\r\n} \t\r\n"
        #expect(try JSONValue.parse(text) == ["a": [1, 2]])
    }

    @Test(arguments: [
        ("\u{0C}1", Failure("unexpected character", 1)),          // form feed
        ("\u{0B}1", Failure("unexpected character", 1)),          // vertical tab
        ("\u{A0}1", Failure("unexpected character", 1)),          // no-break space
        ("\u{2028}1", Failure("unexpected character", 1)),        // line separator
        ("\u{0}1", Failure("unexpected character", 1)),
        ("1\u{0C}", Failure("unexpected text after the end", 2)),
        ("[1,\u{0C}2]", Failure("unexpected character", 4)),
        ("{\"a\":\u{A0}1}", Failure("unexpected character", 6)),
    ])
    func rejectsOtherWhiteSpace(text: String, expected: Failure) {
        #expect(failure(text) == expected)
    }

    @Test func acceptsAByteOrderMarkAtTheStart() throws {
        #expect(try JSONValue.parse([0xEF, 0xBB, 0xBF] + Array("{\"a\":1}".utf8)) == ["a": 1])
        #expect(try JSONValue.parse("\u{FEFF} [true]") == [true])
    }

    @Test(arguments: [
        ("\u{FEFF}", Failure("unexpected end", 4)),
        ("\u{FEFF}\u{FEFF}1", Failure("unexpected character", 4)),  // columns count bytes: the mark is 3
        (" \u{FEFF}1", Failure("unexpected character", 2)),
        ("[\u{FEFF}1]", Failure("unexpected character", 2)),
    ])
    func rejectsAByteOrderMarkAnywhereElse(text: String, expected: Failure) {
        #expect(failure(text) == expected)
    }

    @Test(arguments: [
        ("", Failure("unexpected end", 1)),
        (" ", Failure("unexpected end", 2)),
        ("  \n \t", Failure("unexpected end", 2, 3)),
        ("\r\n", Failure("unexpected end", 2, 1)),
    ])
    func rejectsEmptyOrBlankInput(text: String, expected: Failure) {
        #expect(failure(text) == expected)
    }

    @Test(arguments: [
        ("1 2", Failure("unexpected text after the end", 3)),
        ("{} x", Failure("unexpected text after the end", 4)),
        ("[]]", Failure("unexpected text after the end", 3)),
        ("null null", Failure("unexpected text after the end", 6)),
        ("\"a\"\"b\"", Failure("unexpected text after the end", 4)),
        ("{}\n,", Failure("unexpected text after the end", 2, 1)),
        ("1 // comment", Failure("unexpected text after the end", 3)),
    ])
    func rejectsTextAfterTheValue(text: String, expected: Failure) {
        #expect(failure(text) == expected)
    }

    @Test(arguments: [
        ("/* c */ 1", Failure("unexpected character", 1)),
        ("'a'", Failure("unexpected character", 1)),
        ("undefined", Failure("unexpected character", 1)),
    ])
    func rejectsNonJSONExtensions(text: String, expected: Failure) {
        #expect(failure(text) == expected)
    }

    // MARK: Strings

    @Test(arguments: [
        (#""\"""#, "\""),
        (#""\\""#, "\\"),
        (#""\/""#, "/"),
        (#""\b""#, "\u{08}"),
        (#""\f""#, "\u{0C}"),
        (#""\n""#, "\n"),
        (#""\r""#, "\r"),
        (#""\t""#, "\t"),
        (#""\u00e9""#, "é"),
        (#""\u00E9""#, "é"),
        (#""\u0000""#, "\u{0}"),
        (#""\u001F""#, "\u{1F}"),
        (#""\uFFFF""#, "\u{FFFF}"),
        (#""\ud83d\ude00""#, "😀"),
        (#""\uD83D\uDE00""#, "😀"),
        (#""\udbff\udfff""#, "\u{10FFFF}"),
        (#""a\"b\\c\/d\u0041\n""#, "a\"b\\c/dA\n"),
        (#""""#, ""),
    ])
    func decodesEscapes(text: String, expected: String) throws {
        #expect(try JSONValue.parse(text) == .string(expected))
    }

    @Test(arguments: [
        (#""\x""#, Failure("invalid escape in a string", 2)),
        (#""ab\'""#, Failure("invalid escape in a string", 4)),
        (#""\U00e9""#, Failure("invalid escape in a string", 2)),
        (#""\u12""#, Failure("invalid \\u escape", 4)),
        (#""\u12zz""#, Failure("invalid \\u escape", 4)),
        (#""\uZZZZ""#, Failure("invalid \\u escape", 4)),
        (#""\u""#, Failure("invalid \\u escape", 4)),
        (#""\u 123""#, Failure("invalid \\u escape", 4)),
        (#""\u+123""#, Failure("invalid \\u escape", 4)),
    ])
    func rejectsInvalidEscapes(text: String, expected: Failure) {
        #expect(failure(text) == expected)
    }

    @Test(arguments: [
        (#""\ud83d""#, Failure("lone surrogate in a \\u escape", 8)),
        (#""\ud83dx""#, Failure("lone surrogate in a \\u escape", 8)),
        (#""\ud83d\n""#, Failure("lone surrogate in a \\u escape", 8)),
        (#""\ud83d\u0041""#, Failure("lone surrogate in a \\u escape", 14)),
        (#""\ud83d\ud83d""#, Failure("lone surrogate in a \\u escape", 14)),
        (#""\ude00""#, Failure("lone surrogate in a \\u escape", 8)),
        (#""\ude00\ud83d""#, Failure("lone surrogate in a \\u escape", 8)),
        (#""\ud83d\uZZZZ""#, Failure("invalid \\u escape", 10)),
        // Without its closing quote, the string is unterminated before anything in it counts.
        (#""\ud83d"#, Failure("unterminated string", 8)),
    ])
    func rejectsLoneSurrogates(text: String, expected: Failure) {
        #expect(failure(text) == expected)
    }

    @Test(arguments: [
        ("\"abc", Failure("unterminated string", 5)),
        ("\"", Failure("unterminated string", 2)),
        ("\"\\", Failure("unterminated string", 3)),
        ("\"\\\"", Failure("unterminated string", 4)),
        ("[\"a]", Failure("unterminated string", 5)),
    ])
    func rejectsUnterminatedStrings(text: String, expected: Failure) {
        #expect(failure(text) == expected)
    }

    @Test(arguments: [0x00, 0x01, 0x08, 0x09, 0x0A, 0x0D, 0x1B, 0x1F] as [UInt8])
    func rejectsRawControlCharactersInStrings(byte: UInt8) {
        #expect(failure([0x22, 0x61, byte, 0x62, 0x22])
            == Failure("control character in a string (write it as \\u00XX)", 3))
    }

    @Test func rejectsRawControlCharactersInKeys() {
        #expect(failure("{\"a\tb\":1}") == Failure("control character in a string (write it as \\u00XX)", 4))
    }

    @Test func acceptsDeleteAsIs() throws {
        #expect(try JSONValue.parse([0x22, 0x7F, 0x22]) == .string("\u{7F}"))
    }

    // The error is reported after the closing quote, where the whole string has been read.
    @Test(arguments: [
        ([0x22, 0xC0, 0xAF, 0x22], 5),              // overlong "/"
        ([0x22, 0xE0, 0x80, 0xAF, 0x22], 6),        // overlong "/" in three bytes
        ([0x22, 0x80, 0x22], 4),                    // lone continuation byte
        ([0x22, 0x61, 0xBF, 0x62, 0x22], 6),        // continuation byte after ASCII
        ([0x22, 0xE2, 0x82, 0x22], 5),              // "€" cut short
        ([0x22, 0xF0, 0x9F, 0x98, 0x22], 6),        // "😀" cut short
        ([0x22, 0xC3, 0x61, 0x22], 5),              // lead byte followed by ASCII
        ([0x22, 0xFF, 0x22], 4),
        ([0x22, 0xFE, 0x22], 4),
        ([0x22, 0xED, 0xA0, 0x80, 0x22], 6),        // a surrogate encoded in UTF-8
        ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 7),  // above U+10FFFF
    ] as [([UInt8], Int)])
    func rejectsInvalidUTF8InStrings(bytes: [UInt8], column: Int) {
        #expect(failure(bytes) == Failure("invalid UTF-8 in a string", column))
    }

    @Test func rejectsInvalidUTF8InKeys() {
        #expect(failure([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D]) == Failure("invalid UTF-8 in a string", 5))
    }

    @Test(arguments: [[0xFF], [0xC3, 0xA9], [0x5B, 0x80, 0x5D]] as [[UInt8]])
    func rejectsNonASCIIBytesOutsideStrings(bytes: [UInt8]) {
        let column = bytes.first == 0x5B ? 2 : 1
        #expect(failure(bytes) == Failure("unexpected character", column))
    }

    @Test(arguments: ["é", "€", "😀", "日本語", "e\u{301}", "\u{10FFFF}", "a\u{2028}b", "👩‍👩‍👧"])
    func keepsValidMultiByteUTF8(text: String) throws {
        let parsed = try JSONValue.parse("{\"\(text)\": \"\(text)\"}")
        guard case .object(let members) = parsed, let member = members.first else {
            Issue.record("not an object: \(parsed)")
            return
        }
        #expect(Array(member.key.utf8) == Array(text.utf8))
        #expect(member.value.string.map { Array($0.utf8) } == Array(text.utf8))
    }

    // MARK: Numbers

    @Test(arguments: [
        ("0", 0.0),
        ("-0", -0.0),
        ("7", 7),
        ("-7", -7),
        ("0.5", 0.5),
        ("-0.5", -0.5),
        ("1E+2", 100),
        ("1e2", 100),
        ("1E2", 100),
        ("1e-2", 0.01),
        ("1.5e+3", 1500),
        ("-12.5e1", -125),
        ("0e0", 0),
        ("1e007", 1e7),
        ("123456789012345678901234567890", 123456789012345678901234567890.0),
        ("1.7976931348623157e308", .greatestFiniteMagnitude),
        ("5e-324", .leastNonzeroMagnitude),
        ("1e-400", 0),  // underflows to zero, which is still a number
    ] as [(String, Double)])
    func parsesNumbers(text: String, expected: Double) throws {
        let parsed = try JSONValue.parse(text)
        guard case .number(let number) = parsed else {
            Issue.record("not a number: \(parsed)")
            return
        }
        #expect(number == expected)
        #expect(number.sign == expected.sign)
    }

    @Test(arguments: [
        ("01", Failure("unexpected text after the end", 2)),
        ("00", Failure("unexpected text after the end", 2)),
        ("-01", Failure("unexpected text after the end", 3)),
        ("[01]", Failure("expected ',' or ']'", 3)),
        ("-", Failure("invalid number", 2)),
        ("- 1", Failure("invalid number", 2)),
        ("1.", Failure("invalid number", 3)),
        ("1.e5", Failure("invalid number", 3)),
        ("[1.]", Failure("invalid number", 4)),
        (".5", Failure("unexpected character", 1)),
        ("+1", Failure("unexpected character", 1)),
        ("1e", Failure("invalid number", 3)),
        ("1e+", Failure("invalid number", 4)),
        ("1E-", Failure("invalid number", 4)),
        ("1e+-2", Failure("invalid number", 4)),
        ("0x10", Failure("unexpected text after the end", 2)),
        ("NaN", Failure("unexpected character", 1)),
        ("-NaN", Failure("invalid number", 2)),
        ("Infinity", Failure("unexpected character", 1)),
        ("-Infinity", Failure("invalid number", 2)),
        ("1e400", Failure("number out of range", 1)),
        ("-1e400", Failure("number out of range", 1)),
        ("[1, 2e308]", Failure("number out of range", 5)),
        (String(repeating: "9", count: 400), Failure("number out of range", 1)),
        ("1_000", Failure("unexpected text after the end", 2)),
        ("1,5", Failure("unexpected text after the end", 2)),
    ])
    func rejectsNumbersOutsideTheGrammar(text: String, expected: Failure) {
        #expect(failure(text) == expected)
    }

    @Test(arguments: [
        ("7", 7), ("-7", -7), ("0", 0), ("-0", 0), ("7.0", 7), ("1e2", 100), ("7.5", nil), ("-0.5", nil),
        ("1e20", nil), ("-1e20", nil), ("9223372036854775807", nil), ("1e-2", nil), ("9007199254740992", 9007199254740992),
    ] as [(String, Int?)])
    func integerIsTheWholeNumberThatFitsAnInt(text: String, expected: Int?) throws {
        #expect(try JSONValue.parse(text).integer == expected)
    }

    // MARK: Literals

    @Test(arguments: [
        ("tru", Failure("unexpected character", 1)),
        ("nul", Failure("unexpected character", 1)),
        ("fals", Failure("unexpected character", 1)),
        ("t", Failure("unexpected character", 1)),
        ("True", Failure("unexpected character", 1)),
        ("FALSE", Failure("unexpected character", 1)),
        ("Null", Failure("unexpected character", 1)),
        ("nulL", Failure("unexpected character", 1)),
        ("[true, nil]", Failure("unexpected character", 8)),
        ("truex", Failure("unexpected text after the end", 5)),
        ("nullnull", Failure("unexpected text after the end", 5)),
        ("[falsetrue]", Failure("expected ',' or ']'", 7)),
    ])
    func rejectsMisspelledLiterals(text: String, expected: Failure) {
        #expect(failure(text) == expected)
    }

    // MARK: Objects

    @Test func rejectsADuplicateKeyNamingIt() {
        #expect(failure(#"{"a":1,"b":2,"a":3}"#) == Failure(#"the key "a" appears twice"#, 14))
    }

    @Test func rejectsADuplicateKeyEvenWithTheSameValue() {
        #expect(failure(#"{"id": 1, "id": 1}"#) == Failure(#"the key "id" appears twice"#, 11))
    }

    @Test func rejectsADuplicateKeyWrittenWithAnEscape() {
        #expect(failure(#"{"é":1,"\u00e9":2}"#) == Failure(#"the key "é" appears twice"#, 9))
    }

    // Swift's String equality is canonical equivalence, so "é" and "e" + U+0301 are one key.
    @Test func rejectsCanonicallyEquivalentKeysAsDuplicates() {
        #expect(failure("{\"\u{E9}\":1,\"e\u{301}\":2}") == Failure("the key \"e\u{301}\" appears twice", 9))
    }

    @Test func acceptsTheSameKeyInDifferentObjects() throws {
        #expect(try JSONValue.parse(#"{"a":{"a":1},"b":[{"a":2},{"a":3}]}"#) == ["a": ["a": 1], "b": [["a": 2], ["a": 3]]])
    }

    @Test(arguments: [
        ("{a:1}", Failure("expected a key in double quotes", 2)),
        ("{1:1}", Failure("expected a key in double quotes", 2)),
        ("{'a':1}", Failure("expected a key in double quotes", 2)),
        ("{null:1}", Failure("expected a key in double quotes", 2)),
        ("{[]:1}", Failure("expected a key in double quotes", 2)),
        (#"{"a":1, b:2}"#, Failure("expected a key in double quotes", 9)),
    ])
    func rejectsKeysThatAreNotStrings(text: String, expected: Failure) {
        #expect(failure(text) == expected)
    }

    @Test(arguments: [
        (#"{"a":1,}"#, Failure("expected a key in double quotes", 8)),
        ("{\"a\":1,\n}", Failure("expected a key in double quotes", 2, 1)),
        ("{,}", Failure("expected a key in double quotes", 2)),
        (#"{"a" 1}"#, Failure("expected ':' after a key", 6)),
        (#"{"a"}"#, Failure("expected ':' after a key", 5)),
        (#"{"a"="#, Failure("expected ':' after a key", 5)),
        (#"{"a":}"#, Failure("unexpected character", 6)),
        (#"{"a":1 "b":2}"#, Failure("expected ',' or '}'", 8)),
        (#"{"a":1;"b":2}"#, Failure("expected ',' or '}'", 7)),
        (#"{"a":1]"#, Failure("expected ',' or '}'", 7)),
        (#"{"a":1"#, Failure("expected ',' or '}'", 7)),
        (#"{"a":"#, Failure("unexpected end", 6)),
        ("{", Failure("expected a key in double quotes", 2)),
    ])
    func rejectsMalformedObjects(text: String, expected: Failure) {
        #expect(failure(text) == expected)
    }

    // MARK: Arrays

    @Test(arguments: [
        ("[1,]", Failure("unexpected character", 4)),
        ("[1,2,]", Failure("unexpected character", 6)),
        ("[,1]", Failure("unexpected character", 2)),
        ("[1,,2]", Failure("unexpected character", 4)),
        ("[1 2]", Failure("expected ',' or ']'", 4)),
        (#"["a" "b"]"#, Failure("expected ',' or ']'", 6)),
        ("[1}", Failure("expected ',' or ']'", 3)),
        ("[1", Failure("expected ',' or ']'", 3)),
        ("[1,", Failure("unexpected end", 4)),
        ("[", Failure("unexpected end", 2)),
        ("]", Failure("unexpected character", 1)),
    ])
    func rejectsMalformedArrays(text: String, expected: Failure) {
        #expect(failure(text) == expected)
    }

    // MARK: Depth

    @Test func acceptsNestingExactlyAtTheLimit() throws {
        #expect(try JSONValue.parse("[[[]]]", maxDepth: 3) == [[[]]])
        #expect(try JSONValue.parse(#"{"a":{"b":[1]}}"#, maxDepth: 3) == ["a": ["b": [1]]])
    }

    @Test func rejectsNestingOneDeeperThanTheLimit() {
        #expect(failure("[[[[]]]]", maxDepth: 3) == Failure("nested deeper than 3 levels", 4))
        #expect(failure(#"{"a":{"b":[{}]}}"#, maxDepth: 3) == Failure("nested deeper than 3 levels", 12))
    }

    @Test func defaultLimitIs64Levels() throws {
        let deepest = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(try JSONValue.parse(deepest) != .null)
        let tooDeep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(failure(tooDeep) == Failure("nested deeper than 64 levels", 65))
    }

    @Test func scalarsNeedNoDepth() throws {
        #expect(try JSONValue.parse("\"a\"", maxDepth: 0) == "a")
        #expect(failure("[]", maxDepth: 0) == Failure("nested deeper than 0 levels", 1))
    }

    @Test func rejectsAHundredThousandNestedArraysQuickly() {
        let clock = ContinuousClock()
        var result: Failure?
        let elapsed = clock.measure { result = failure(String(repeating: "[", count: 100_000)) }
        #expect(result == Failure("nested deeper than 64 levels", 65))
        #expect(elapsed < .seconds(10))
    }

    @Test func rejectsAHundredThousandNestedObjectsQuickly() {
        let clock = ContinuousClock()
        var result: Failure?
        let elapsed = clock.measure { result = failure(String(repeating: #"{"a":"#, count: 100_000)) }
        #expect(result == Failure("nested deeper than 64 levels", 64 * 5 + 1))
        #expect(elapsed < .seconds(10))
    }

    // MARK: Positions

    @Test func reportsLineAndColumnInAMultiLineDocument() {
        let text = """
            {
              "name": "heroform",
              "port": 8080,
              "tls": tru
            }
            """
        #expect(failure(text) == Failure("unexpected character", 4, 10))
    }

    @Test func countsLinesAfterCarriageReturnLineFeed() {
        #expect(failure("{\r\n  \"a\": 1,\r\n}") == Failure("expected a key in double quotes", 3, 1))
    }

    // Columns count bytes, so "é" (two bytes in UTF-8) moves the column by two.
    @Test func countsColumnsInBytes() {
        #expect(failure(#"["é", x]"#) == Failure("unexpected character", 8))
    }

    @Test func pointsAtTheStartOfAnOutOfRangeNumber() {
        #expect(failure("{\n  \"big\": 1e999\n}") == Failure("number out of range", 2, 10))
    }

    @Test func pointsAtTheDuplicateKey() {
        #expect(failure("{\n  \"a\": 1,\n  \"a\": 2\n}") == Failure(#"the key "a" appears twice"#, 3, 3))
    }

    // MARK: Robustness

    @Test func rejectsEveryTruncationOfADocument() {
        let bytes = Array(#"{"a": [1, -2.5e3, true, null, "é\u00e9\ud83d\ude00😀"], "b": {"c": false}}"#.utf8)
        for end in 0..<bytes.count {
            #expect(failure(Array(bytes[..<end])) != nil, "prefix of \(end) bytes")
        }
    }

    // Mutated documents must never trap; whatever parses must survive a round trip.
    @Test func survivesMutatedDocuments() throws {
        let original = Array(#"{"a": [1, -2.5e3, true, null, "é\n\u00e9\ud83d\ude00"], "b": {"c": false}, "d": ""}"#.utf8)
        let alphabet = Array(#"{}[]:,"\/u0123456789abcdefABCDEF+-.eEtrnl "#.utf8) + [0x00, 0x0C, 0x7F, 0x80, 0xC3, 0xED, 0xFF]
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((seed >> 33) % UInt64(bound))
        }
        var parsedCount = 0
        for _ in 0..<20_000 {
            var bytes = original
            for _ in 0...next(3) {
                let position = next(bytes.count)
                switch next(3) {
                case 0: bytes[position] = alphabet[next(alphabet.count)]
                case 1: bytes.remove(at: position)
                default: bytes.insert(alphabet[next(alphabet.count)], at: position)
                }
            }
            guard let value = try? JSONValue.parse(bytes) else { continue }
            parsedCount += 1
            #expect(try JSONValue.parse(value.serialized()) == value)
        }
        #expect(parsedCount > 0)
    }

    @Test func aRepeatedKeyCountsOnceLastWinsWhenAskedFor() throws {
        #expect(try JSONValue.parse(#"{"id":1,"id":2}"#, lastKeyWins: true) == ["id": 2])
        #expect(throws: JSONParseError.self) { try JSONValue.parse(#"{"id":1,"id":2}"#) }
    }
}
