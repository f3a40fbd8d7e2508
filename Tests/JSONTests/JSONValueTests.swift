import Testing
import JSON

@Suite struct JSONValueTests {
    // MARK: Literals and equality

    @Test func literalsBuildTheMatchingCases() {
        #expect(("a" as JSONValue) == .string("a"))
        #expect((7 as JSONValue) == .number(7))
        #expect((-7 as JSONValue) == .number(-7))
        #expect((true as JSONValue) == .bool(true))
        #expect((nil as JSONValue) == .null)
        #expect(([1, "a"] as JSONValue) == .array([.number(1), .string("a")]))
        #expect((["k": [nil]] as JSONValue) == .object(["k": .array([.null])]))
        #expect(([:] as JSONValue) == .object([:]))
    }

    @Test func aFloatLiteralIsANumber() {
        #expect((1.5 as JSONValue) == .number(1.5))
        #expect(([0.25] as JSONValue) == .array([.number(0.25)]))
    }

    @Test func anObjectOfStringsFromADictionary() {
        #expect(JSONValue(["b": "2", "a": "1"]) == .object(["a": .string("1"), "b": .string("2")]))
        #expect(JSONValue([String: String]()) == .object([:]))
    }

    @Test func aDictionaryLiteralWithARepeatedKeyKeepsTheLastValue() {
        let value: JSONValue = ["a": 1, "a": 2]
        #expect(value == .object(["a": 2]))
    }

    @Test func objectsAreEqualWhateverTheOrderOfTheirMembers() {
        #expect((["a": 1, "b": 2] as JSONValue) == ["b": 2, "a": 1])
    }

    @Test func arraysAreEqualOnlyInTheSameOrder() {
        #expect(([1, 2] as JSONValue) != [2, 1])
    }

    @Test func differentKindsAreNotEqual() {
        #expect(JSONValue.number(1) != .bool(true))
        #expect(JSONValue.string("1") != .number(1))
        #expect(JSONValue.null != .string("null"))
        #expect(JSONValue.array([]) != .object([:]))
    }

    // MARK: Accessors

    static let everyKind: [JSONValue] = [.null, .bool(true), .number(7), .string("s"), .array(["s"]), .object(["k": "s"])]

    @Test func subscriptReadsAnObjectsMember() {
        let value: JSONValue = ["name": "heroform", "port": 8080, "tls": nil]
        #expect(value["name"] == .string("heroform"))
        #expect(value["port"] == .number(8080))
        #expect(value["tls"] == .null)
        #expect(value["missing"] == nil)
        #expect(value["Name"] == nil)
    }

    @Test func subscriptChainsThroughNestedObjects() {
        let value: JSONValue = ["a": ["b": ["c": "deep"]]]
        #expect(value["a"]?["b"]?["c"]?.string == "deep")
        #expect(value["a"]?["x"]?["c"] == nil)
    }

    @Test(arguments: [JSONValue.null, true, 7, "k", ["k"], [["k": 1]]])
    func subscriptIsNilForAnythingButAnObject(value: JSONValue) {
        #expect(value["k"] == nil)
    }

    @Test(arguments: everyKind)
    func stringIsNilForAnythingButAString(value: JSONValue) {
        #expect(value.string == (value == .string("s") ? "s" : nil))
    }

    @Test(arguments: everyKind)
    func boolIsNilForAnythingButABool(value: JSONValue) {
        #expect(value.bool == (value == .bool(true) ? true : nil))
    }

    @Test(arguments: everyKind)
    func integerIsNilForAnythingButANumber(value: JSONValue) {
        #expect(value.integer == (value == .number(7) ? 7 : nil))
    }

    @Test(arguments: everyKind)
    func isNullOnlyForNull(value: JSONValue) {
        #expect(value.isNull == (value == .null))
    }

    @Test func boolReadsFalseToo() {
        #expect(JSONValue.bool(false).bool == false)
    }

    @Test func stringIsNotConvertedFromOtherKinds() {
        #expect(JSONValue.number(7).string == nil)
        #expect(JSONValue.string("7").integer == nil)
        #expect(JSONValue.string("true").bool == nil)
        #expect(JSONValue.string("null").isNull == false)
    }

    @Test(arguments: [
        (7, 7), (-7, -7), (0, 0), (-0.0, 0), (7.5, nil), (0.1, nil), (1e20, nil), (-1e20, nil),
        (9_223_372_036_854_775_807, nil),  // rounds up to 2^63, one past Int.max
        (-9_223_372_036_854_775_808, Int.min),
        (.nan, nil), (.infinity, nil), (-.infinity, nil),
    ] as [(Double, Int?)])
    func integerIsTheNumberOnlyWhenItIsWholeAndFitsAnInt(number: Double, expected: Int?) {
        #expect(JSONValue.number(number).integer == expected)
    }

    // MARK: Serializing: structure

    @Test func writesCompactText() {
        let value: JSONValue = ["b": [1, "x", nil, false], "a": true, "c": [:], "d": []]
        #expect(value.serialized() == #"{"a":true,"b":[1,"x",null,false],"c":{},"d":[]}"#)
    }

    @Test func sortsKeysAtEveryLevel() {
        let value: JSONValue = ["z": ["y": 1, "x": 2], "a": [["d": 1, "c": ["f": 1, "e": 2]]], "m": nil]
        #expect(value.serialized() == #"{"a":[{"c":{"e":2,"f":1},"d":1}],"m":null,"z":{"x":2,"y":1}}"#)
    }

    // The order is by code point: digits, then upper case, then "_", then lower case.
    @Test func sortsKeysByCodePoint() {
        let value: JSONValue = ["b": 1, "B": 2, "a": 3, "_": 4, "10": 5, "9": 6, "": 7, "é": 8]
        #expect(value.serialized() == #"{"":7,"10":5,"9":6,"B":2,"_":4,"a":3,"b":1,"é":8}"#)
    }

    @Test func writesPrettyText() {
        let value: JSONValue = ["b": ["y": nil, "x": [true, false]], "a": [1, 2], "c": [:], "d": [], "e": [[], [:], [[]]]]
        let expected = """
            {
              "a": [
                1,
                2
              ],
              "b": {
                "x": [
                  true,
                  false
                ],
                "y": null
              },
              "c": {},
              "d": [],
              "e": [
                [],
                {},
                [
                  []
                ]
              ]
            }
            """
        #expect(value.serialized(pretty: true) == expected)
    }

    @Test(arguments: [
        (JSONValue.null, "null"), (true, "true"), (false, "false"), (7, "7"), ("s", #""s""#), ([], "[]"), ([:], "{}"),
    ] as [(JSONValue, String)])
    func writesScalarsAndEmptyContainersTheSameCompactAndPretty(value: JSONValue, expected: String) {
        #expect(value.serialized() == expected)
        #expect(value.serialized(pretty: true) == expected)
    }

    @Test func writesBytesTheSameAsText() {
        let value: JSONValue = [
            "status": "error", "message": "Bitte prüfen", "errors": JSONValue(["email": "ungültig"]),
        ]
        let expected = #"{"errors":{"email":"ungültig"},"message":"Bitte prüfen","status":"error"}"#
        #expect(value.serializedBytes() == Array(expected.utf8))
        #expect(value.serializedBytes(pretty: true) == Array(value.serialized(pretty: true).utf8))
    }

    @Test func appendsToABuffer() {
        var buffer = Array("data: ".utf8)
        JSONValue(["a": "1"]).write(to: &buffer)
        JSONValue.array([1, 2]).write(to: &buffer, pretty: true)
        #expect(String(decoding: buffer, as: UTF8.self) == "data: {\"a\":\"1\"}[\n  1,\n  2\n]")
    }

    @Test func defaultsToCompact() {
        let value: JSONValue = ["a": [1]]
        #expect(value.serialized() == value.serialized(pretty: false))
        #expect(value.serialized() == #"{"a":[1]}"#)
    }

    // MARK: Serializing: strings

    @Test(arguments: [
        ("\"", #""\"""#),
        ("\\", #""\\""#),
        ("/", #""/""#),
        ("</script>", #""</script>""#),
        ("\n", #""\n""#),
        ("\r", #""\r""#),
        ("\t", #""\t""#),
        ("\u{08}", #""\u0008""#),
        ("\u{0C}", #""\u000c""#),
        ("\u{0}", #""\u0000""#),
        ("\u{01}", #""\u0001""#),
        ("\u{0B}", #""\u000b""#),
        ("\u{1B}", #""\u001b""#),
        ("\u{1F}", #""\u001f""#),
        ("\u{7F}", "\"\u{7F}\""),
        ("é€😀日本", #""é€😀日本""#),
        ("e\u{301}", "\"e\u{301}\""),
        // U+2028 and U+2029 end a line in JavaScript: escaped, so the text is safe inside a script too.
        ("\u{2028}\u{2029}\u{FEFF}", "\"\\u2028\\u2029\u{FEFF}\""),
        ("a\"b\\c\nd", #""a\"b\\c\nd""#),
        ("", #""""#),
    ])
    func escapesStrings(text: String, expected: String) {
        let written = JSONValue.string(text).serialized()
        // Compare scalars: String equality would treat "e\u{301}" and "é" as one.
        #expect(Array(written.unicodeScalars) == Array(expected.unicodeScalars))
    }

    @Test func escapesKeysLikeStrings() {
        let value: JSONValue = ["a\"b": 1, "c\nd": 2, "e/f": 3]
        #expect(value.serialized() == #"{"a\"b":1,"c\nd":2,"e/f":3}"#)
    }

    @Test func writesEveryControlCharacterEscaped() {
        let all = String(String.UnicodeScalarView((0..<0x20).map { Unicode.Scalar(UInt8($0)) }))
        let expected = #""\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\t\n\u000b\u000c\r\u000e\u000f"#
            + #"\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f""#
        #expect(JSONValue.string(all).serialized() == expected)
    }

    // MARK: Serializing: numbers

    @Test(arguments: [
        (0, "0"),
        (-0.0, "0"),
        (7, "7"),
        (-7, "-7"),
        (100, "100"),
        (1.5, "1.5"),
        (-0.25, "-0.25"),
        (0.1, "0.1"),
        (19.99, "19.99"),
        (1e-7, "1e-07"),
        (123_456_789_012, "123456789012"),
        (1e15, "1000000000000000"),
        (-1e15, "-1000000000000000"),
        (9_007_199_254_740_992, "9007199254740992"),
        (9_007_199_254_740_994, "9.007199254740994e+15"),
        (1e20, "1e+20"),
        (-1e20, "-1e+20"),
        (.greatestFiniteMagnitude, "1.7976931348623157e+308"),
        (.leastNonzeroMagnitude, "5e-324"),
        (.nan, "null"),
        (.infinity, "null"),
        (-.infinity, "null"),
    ] as [(Double, String)])
    func writesNumbers(number: Double, expected: String) {
        #expect(JSONValue.number(number).serialized() == expected)
    }

    @Test func writesNonFiniteNumbersAsNullInsideDocuments() {
        let value: JSONValue = ["a": .number(.nan), "b": [.number(.infinity), .number(-.infinity)]]
        #expect(value.serialized() == #"{"a":null,"b":[null,null]}"#)
    }

    // MARK: Round trips

    static let documents: [JSONValue] = [
        .null, true, false, 0, -1, .number(0.1), .number(-2.5e-8), .number(1e300), .number(.greatestFiniteMagnitude),
        .number(.leastNonzeroMagnitude), .number(1e15), .number(9_007_199_254_740_993), .number(-123_456_789.125),
        "", "plain", "é€😀\u{10FFFF}", "e\u{301}", "\u{7F}\u{2028}\u{FEFF}",
        .string(String(String.UnicodeScalarView((0..<0x20).map { Unicode.Scalar(UInt8($0)) }))),
        "\"quoted\" \\back\\ /slash/",
        [], [:], [[]], [[:]], [[], [:], [[[]]]],
        ["": "", " ": " ", "a\"b": "c\\d", "\n": "\t", "😀": ["😀"]],
        [
            "id": 1234, "status": "created", "ok": true, "note": nil, "price": .number(19.99),
            "contact": ["email": "jörg@example.com", "phones": ["+49 30 1234"], "tags": []],
            "items": [["sku": "A-1", "qty": 2], ["sku": "B-2", "qty": 1, "meta": [:]]],
        ],
    ]

    @Test(arguments: documents)
    func compactTextParsesBackToTheSameValue(value: JSONValue) throws {
        #expect(try JSONValue.parse(value.serialized()) == value)
    }

    @Test(arguments: documents)
    func prettyTextParsesBackToTheSameValue(value: JSONValue) throws {
        #expect(try JSONValue.parse(value.serialized(pretty: true)) == value)
    }

    @Test(arguments: documents)
    func roundTripKeepsStringsScalarForScalar(value: JSONValue) throws {
        // String equality is canonical equivalence; the scalars written must be the scalars read.
        let text = value.serialized()
        #expect(Array(try JSONValue.parse(text).serialized().unicodeScalars) == Array(text.unicodeScalars))
    }

    @Test(arguments: [
        #"{"a":[1,2.5,-3,"x",true,false,null,{},[]],"b":{"c":"\u0001\n\"\\/é"}}"#,
        #"[1e+20,1e-07,0.1,-0.5,"😀"]"#,
        "\"\u{7F}\"",
    ])
    func canonicalTextSurvivesParsingAndWriting(text: String) throws {
        #expect(try JSONValue.parse(text).serialized() == text)
    }

    @Test func serializingNormalisesEscapesAndNumberForms() throws {
        let text = #"{ "b" : [ 1.0, 1E2, -0, 0.50 ], "a" : "\/\u00e9\ud83d\ude00\u000A\u001F" }"#
        #expect(try JSONValue.parse(text).serialized() == #"{"a":"/é😀\n\u001f","b":[1,100,0,0.5]}"#)
    }
}
