import COpenSSL

/// OpenSSL's client settings, shared by every TLS connection of one client: TLS 1.2 or newer, and the peer's
/// certificate must chain to a trusted root (the system's, or the PEM file given) and name the host that was asked
/// for. Nothing here is ours to get wrong: OpenSSL verifies; we only switch verification on and name the host.
///
/// `@unchecked Sendable`: the `SSL_CTX` is only configured in `init`; afterwards OpenSSL allows creating
/// connections from it on any thread at once.
final class TLSContext: @unchecked Sendable {
    let context: OpaquePointer

    /// `trustedCertificatesFile`: PEM certificates to trust instead of the system's store (a private CA, tests).
    init(trustedCertificatesFile: String?) throws(HTTPClientError) {
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw .tls(TLSContext.lastError("cannot create a TLS context"))
        }
        self.context = context
        guard heroform_SSL_CTX_set_min_tls12(context) == 1 else {
            throw .tls(TLSContext.lastError("cannot require TLS 1.2"))
        }
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        if let file = trustedCertificatesFile {
            guard SSL_CTX_load_verify_locations(context, file, nil) == 1 else {
                throw .tls(TLSContext.lastError("cannot load trusted certificates from \(file)"))
            }
        } else {
            guard SSL_CTX_set_default_verify_paths(context) == 1 else {
                throw .tls(TLSContext.lastError("cannot load the system's trusted certificates"))
            }
        }
    }

    deinit { SSL_CTX_free(context) }

    /// A new connection's TLS state, bound to `fd`, checking the certificate against `endpoint.host`.
    func session(fd: Int32, for endpoint: Endpoint) throws(HTTPClientError) -> TLSSession {
        ERR_clear_error()
        guard let ssl = SSL_new(context) else { throw .tls(TLSContext.lastError("cannot create a TLS session")) }
        let session = TLSSession(ssl: ssl)
        guard SSL_set_fd(ssl, fd) == 1 else { throw .tls(TLSContext.lastError("cannot attach the socket")) }
        if endpoint.hostIsIPAddress {
            guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), endpoint.host) == 1 else {
                throw .tls("bad IP address")
            }
        } else {
            guard heroform_SSL_set_sni(ssl, endpoint.host) == 1, SSL_set1_host(ssl, endpoint.host) == 1 else {
                throw .tls(TLSContext.lastError("cannot set the host name"))
            }
        }
        return session
    }

    /// OpenSSL's reason for the last failure on this thread, after `prefix`.
    static func lastError(_ prefix: String) -> String {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0, let reason = ERR_reason_error_string(code) else { return prefix }
        return "\(prefix): \(String(cString: reason))"
    }
}

/// One connection's `SSL` object. Owned by one connection, which one thread at a time uses (see `ClientConnection`).
final class TLSSession {
    let ssl: OpaquePointer

    init(ssl: OpaquePointer) { self.ssl = ssl }

    deinit { SSL_free(ssl) }

    /// Why the handshake failed: the certificate check's own words when that was it.
    func handshakeFailure() -> String {
        let verify = SSL_get_verify_result(ssl)
        if verify != X509_V_OK, let text = X509_verify_cert_error_string(verify) {
            ERR_clear_error()
            return "certificate not accepted: \(String(cString: text))"
        }
        return TLSContext.lastError("handshake failed")
    }
}
