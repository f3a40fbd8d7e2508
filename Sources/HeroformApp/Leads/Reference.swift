/// Lead references such as `K7M-4QX-9TD`: short enough to read out on the phone, random enough
/// (23 symbols ^ 9 ≈ 2^40) that nobody can guess another visitor's.
package enum Reference {
    /// No 0/O, 1/I/L, 5/S, 8/B, 2/Z or U/V: nothing that is misread or misheard.
    static let alphabet = Array("ACDEFGHJKMNPQRTWXY34679")

    package static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return generate(using: &generator)
    }

    package static func generate<G: RandomNumberGenerator>(using generator: inout G) -> String {
        (0..<3).map { _ in String((0..<3).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
        }
        .joined(separator: "-")
    }

    /// True for strings of exactly the generated shape; anything else from a request is ignored.
    package static func isWellFormed(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 3 && parts.allSatisfy { $0.count == 3 && $0.allSatisfy(alphabet.contains) }
    }
}
