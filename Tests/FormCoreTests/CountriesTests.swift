import Foundation
import Testing
import FormCore

@Suite struct CountriesTests {
    @Test func allOfficiallyAssignedCodes() {
        #expect(Countries.all.count == 249)
        #expect(Countries.codes.count == 249)
        #expect(Countries.all == Countries.all.sorted())
        #expect(Set(Countries.all) == Countries.codes)
        for code in Countries.all {
            #expect(code.unicodeScalars.count == 2 && code.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) }, "\(code)")
        }
    }

    /// Cross-check against ICU's region list, an independent source.
    @Test func everyCodeIsKnownToICU() {
        let icu = Set(Locale.Region.isoRegions.map(\.identifier))
        let unknown = Countries.all.filter { !icu.contains($0) }
        #expect(unknown.isEmpty, "not in ICU: \(unknown)")
    }

    @Test(arguments: ["DE", "AT", "CH", "GB", "US", "NL", "SS", "SX", "BQ", "CW", "AX", "TR", "UA", "RU", "CN", "SA", "IL", "PS"])
    func valid(code: String) {
        #expect(Countries.isValid(code))
    }

    @Test(arguments: ["de", "De", "", "D", "DEU", "UK", "EU", "XK", "XX", "AN", "YU", "CS", "ZZ", " DE", "D\u{0}", "ДЕ", "<s>"])
    func invalid(code: String) {
        #expect(!Countries.isValid(code))
    }

    @Test func defaultIsGermany() {
        #expect(Countries.defaultCode == "DE")
        #expect(Countries.isValid(Countries.defaultCode))
    }
}
