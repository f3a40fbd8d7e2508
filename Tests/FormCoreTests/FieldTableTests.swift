@testable import FormCore
import Testing

@Suite struct FieldTableTests {
    @Test func ordinalsAreThePositionsInAllCases() {
        // A new case with a wrong or repeated ordinal would overwrite another field's value.
        #expect(Field.allCases.map(\.ordinal) == Array(0..<Field.allCases.count))
    }

    @Test func eachFieldHasItsOwnSlot() {
        var table = FieldTable(repeating: "")
        for field in Field.allCases { table[field] = field.rawValue }
        for field in Field.allCases { #expect(table[field] == field.rawValue) }
    }
}
