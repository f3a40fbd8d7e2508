import CryptoPrimitives
import Testing

@Suite struct SHA256HasherTests {
    @Test func matchesTheOneShotDigestForAnySplit() {
        let input = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let expected = CryptoPrimitives.sha256(input)
        for pieceSize in [1, 7, 64, 4096, 10_000] {
            let hasher = SHA256Hasher()
            var start = 0
            while start < input.count {
                let end = min(input.count, start + pieceSize)
                hasher.update(Array(input[start..<end]))
                start = end
            }
            #expect(hasher.finish() == expected)
        }
    }

    @Test func hashesNothingAsTheEmptyInput() {
        // FIPS 180-4's digest of the empty message.
        #expect(SHA256Hasher().finish().map(CryptoPrimitives.hex)
            == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}
