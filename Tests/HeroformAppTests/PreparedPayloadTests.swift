import FormCore
import Foundation
import Testing
@testable import HeroformApp

@Suite struct PreparedPayloadTests {
    private func payload(_ reference: String) -> HeroPayload {
        HeroPayload(measure: "DOG", customer: .init(email: "a@example.org"), address: .init(zipcode: "30449"),
                    projectMatch: .init(comment: "Referenz \(reference)"))
    }

    @Test func theFirstReferenceComesWithItsPayloadMadeUpFront() throws {
        let prepared = PreparedPayload { self.payload($0) }
        #expect(Reference.isWellFormed(prepared.reference))
        #expect(prepared.nextReference() == prepared.reference)
        #expect(prepared.payload(for: prepared.reference) == payload(prepared.reference).jsonData())
    }

    @Test func aReferenceTakenAlreadyIsReplacedWithItsOwnPayload() throws {
        let prepared = PreparedPayload { self.payload($0) }
        _ = prepared.nextReference()
        let second = prepared.nextReference()
        #expect(Reference.isWellFormed(second))
        #expect(second != prepared.reference)
        let json = String(decoding: prepared.payload(for: second), as: UTF8.self)
        #expect(json.contains(second) && !json.contains(prepared.reference))
    }
}
