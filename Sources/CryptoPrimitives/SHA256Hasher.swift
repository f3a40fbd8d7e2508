import COpenSSL

/// SHA-256 over bytes that come in pieces (a file as it is written), so nothing has to hold the whole input.
/// A class: copies of a value would share one OpenSSL context and each see the other's input.
package final class SHA256Hasher {
    /// nil only when OpenSSL cannot allocate a context; `finish` then reports no digest.
    private let context: OpaquePointer?

    package init() {
        let context = EVP_MD_CTX_new()
        if let context, EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 {
            self.context = context
        } else {
            EVP_MD_CTX_free(context)
            self.context = nil
        }
    }

    deinit { EVP_MD_CTX_free(context) }

    package func update(_ bytes: UnsafeRawBufferPointer) {
        guard let context, let base = bytes.baseAddress, !bytes.isEmpty else { return }
        EVP_DigestUpdate(context, base, bytes.count)
    }

    package func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The digest of everything given, or nil if OpenSSL failed (out of memory); call it once.
    package func finish() -> [UInt8]? {
        guard let context else { return nil }
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(context, &digest, &length) == 1 else { return nil }
        return Array(digest.prefix(Int(length)))
    }
}
