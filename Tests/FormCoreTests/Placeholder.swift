import Testing
@testable import FormCore
@Test func placeholder() { #expect(Field.email.maxLength == 254) }
