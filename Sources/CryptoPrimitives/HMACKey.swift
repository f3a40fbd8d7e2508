import COpenSSL
import Synchronization

/// An HMAC-SHA256 key set up once for many messages. OpenSSL 3's one-shot `HMAC()` fetches the digest from its
/// provider and absorbs the key on every call, which was most of the cost of signing a form token; copying a
/// context that already holds the key skips both.
package final class HMACKey: Sendable {
    private let key: [UInt8]
    private let prepared: Mutex<PreparedContext>

    package init(_ key: [UInt8]) {
        self.key = key
        prepared = Mutex(PreparedContext(key: key))
    }

    package func authenticate(_ message: [UInt8]) -> [UInt8] {
        // The copy is made under the lock; from then on it belongs to this call alone.
        guard let context = prepared.withLock({ $0.context.flatMap { EVP_MAC_CTX_dup($0) } }) else {
            return CryptoPrimitives.hmacSHA256(key: key, message: message)
        }
        defer { EVP_MAC_CTX_free(context) }
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length = 0
        let done = message.withUnsafeBufferPointer { input in
            EVP_MAC_update(context, input.baseAddress, input.count) == 1
                && EVP_MAC_final(context, &digest, &length, digest.count) == 1
        }
        guard done else { return CryptoPrimitives.hmacSHA256(key: key, message: message) }
        return Array(digest.prefix(length))
    }
}

/// Owns an `EVP_MAC_CTX` that has absorbed the key; it is only ever copied, never updated.
/// `context` is nil when OpenSSL could not set it up; callers then use the one-shot call.
private struct PreparedContext: ~Copyable {
    let context: OpaquePointer?

    init(key: [UInt8]) {
        context = Self.make(key: key)
    }

    deinit {
        if let context { EVP_MAC_CTX_free(context) }
    }

    private static func make(key: [UInt8]) -> OpaquePointer? {
        guard let mac = EVP_MAC_fetch(nil, "HMAC", nil) else { return nil }
        defer { EVP_MAC_free(mac) }
        guard let context = EVP_MAC_CTX_new(mac) else { return nil }
        var digestName = Array("SHA256".utf8CString)
        let initialized = digestName.withUnsafeMutableBufferPointer { name in
            var parameters = [
                OSSL_PARAM_construct_utf8_string("digest", name.baseAddress, 0), OSSL_PARAM_construct_end(),
            ]
            return key.withUnsafeBufferPointer { keyBuffer in
                EVP_MAC_init(context, keyBuffer.baseAddress, keyBuffer.count, &parameters) == 1
            }
        }
        guard initialized else {
            EVP_MAC_CTX_free(context)
            return nil
        }
        return context
    }
}
