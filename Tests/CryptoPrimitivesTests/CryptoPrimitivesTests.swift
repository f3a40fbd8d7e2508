import CryptoPrimitives
import Testing

@Suite struct CryptoPrimitivesTests {
    @Test func sha256MatchesKnownVectors() {
        #expect(CryptoPrimitives.hex(CryptoPrimitives.sha256([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(CryptoPrimitives.hex(CryptoPrimitives.sha256(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func hmacMatchesRFC4231() {
        // RFC 4231 test case 2.
        let mac = CryptoPrimitives.hmacSHA256(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(CryptoPrimitives.hex(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func randomBytesDiffer() throws {
        let a = try #require(CryptoPrimitives.randomBytes(32))
        let b = try #require(CryptoPrimitives.randomBytes(32))
        #expect(a.count == 32)
        #expect(a != b)
    }

    @Test func base64URLMatchesRFC4648() {
        // RFC 4648 §10 vectors, in the URL alphabet without padding.
        let vectors = ["": "", "f": "Zg", "fo": "Zm8", "foo": "Zm9v", "foob": "Zm9vYg", "fooba": "Zm9vYmE", "foobar": "Zm9vYmFy"]
        for (input, output) in vectors { #expect(CryptoPrimitives.base64URL(Array(input.utf8)) == output) }
        #expect(CryptoPrimitives.base64URL([0xfb, 0xff, 0xfe]) == "-__-")
    }

    @Test func constantTimeEquals() {
        #expect(CryptoPrimitives.constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!CryptoPrimitives.constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!CryptoPrimitives.constantTimeEquals([1, 2], [1, 2, 3]))
    }
}
