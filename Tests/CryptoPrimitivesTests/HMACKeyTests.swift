import CryptoPrimitives
import Foundation
import Testing

@Suite struct HMACKeyTests {
    @Test func matchesRFC4231() {
        // Test case 2 (short key) and 6 (a key longer than the block size, which HMAC hashes first).
        let jefe = HMACKey(Array("Jefe".utf8))
        #expect(CryptoPrimitives.hex(jefe.authenticate(Array("what do ya want for nothing?".utf8)))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        let long = HMACKey([UInt8](repeating: 0xaa, count: 131))
        #expect(CryptoPrimitives.hex(long.authenticate(Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)))
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test func theKeyIsNotConsumedByUse() {
        // Every call starts from the prepared key: a context that was updated in place would drift.
        let key = HMACKey(Array("0123456789abcdef".utf8))
        let message = Array("heroform-token|v1|default|1700000000".utf8)
        let expected = CryptoPrimitives.hmacSHA256(key: Array("0123456789abcdef".utf8), message: message)
        for _ in 0..<5 { #expect(key.authenticate(message) == expected) }
        #expect(key.authenticate([]) == CryptoPrimitives.hmacSHA256(key: Array("0123456789abcdef".utf8), message: []))
    }

    @Test func anEmptyKeyStillAuthenticates() {
        // OpenSSL reads a missing key as "keep the old one": whichever path answers, it must be the right MAC.
        #expect(CryptoPrimitives.hex(HMACKey([]).authenticate([]))
                == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    @Test func concurrentCallersGetTheirOwnResults() async {
        let key = HMACKey(Array("shared-secret".utf8))
        let mismatches = await withTaskGroup(of: Int.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var wrong = 0
                    for index in 0..<500 {
                        let message = Array("\(worker)-\(index)".utf8)
                        if key.authenticate(message) != CryptoPrimitives.hmacSHA256(key: Array("shared-secret".utf8), message: message) {
                            wrong += 1
                        }
                    }
                    return wrong
                }
            }
            return await group.reduce(0, +)
        }
        #expect(mismatches == 0)
    }
}
