/// An IPv4 or IPv6 address with a port, kept as the raw `sockaddr` bytes the kernel uses.
package struct SocketAddress: Hashable, Sendable, CustomStringConvertible {
    package enum Family: Sendable { case ipv4, ipv6 }

    let bytes: [UInt8]

    /// Wraps a `sockaddr` the kernel filled in; nil for families other than IPv4/IPv6.
    init?(storage: sockaddr_storage, length: socklen_t) {
        let family = Int32(storage.ss_family)
        guard family == AF_INET || family == AF_INET6 else { return nil }
        var copy = storage
        self.bytes = withUnsafeBytes(of: &copy) { Array($0.prefix(Int(length))) }
    }

    package var family: Family {
        bytes.withUnsafeBytes { raw in
            Int32(raw.load(fromByteOffset: 0, as: sockaddr.self).sa_family) == AF_INET6 ? .ipv6 : .ipv4
        }
    }

    /// The numeric host, e.g. `127.0.0.1` or `::1`.
    package var host: String {
        withSockaddr { pointer, length in
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            let rc = getnameinfo(pointer, length, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST)
            guard rc == 0 else { return "?" }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    package var port: UInt16 {
        bytes.withUnsafeBytes { raw in
            switch family {
            case .ipv4: return UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port)
            case .ipv6: return UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port)
            }
        }
    }

    package var description: String {
        family == .ipv6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The address as a `sockaddr` pointer and length, for system calls such as `connect`.
    package func withSockaddrPointer<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        withSockaddr(body)
    }

    func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { target in
            bytes.withUnsafeBytes { source in target.copyMemory(from: source) }
        }
        return withUnsafePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(bytes.count)) }
        }
    }

    /// Resolves a numeric or named host for listening. An empty host or `*` means every interface,
    /// on both IPv6 and IPv4.
    package static func resolve(host: String, port: UInt16) throws -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = sockStream
        var result: UnsafeMutablePointer<addrinfo>?
        let node: String? = (host.isEmpty || host == "*") ? nil : host
        let rc = getaddrinfo(node, String(port), &hints, &result)
        guard rc == 0, let first = result else {
            let reason = rc == 0 ? "no address" : String(cString: gai_strerror(rc))
            throw ResolveError(host: host, reason: reason)
        }
        defer { freeaddrinfo(first) }
        var addresses: [SocketAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            if let sa = info.pointee.ai_addr {
                var storage = sockaddr_storage()
                withUnsafeMutableBytes(of: &storage) { target in
                    target.copyMemory(from: UnsafeRawBufferPointer(start: sa, count: Int(info.pointee.ai_addrlen)))
                }
                if let address = SocketAddress(storage: storage, length: info.pointee.ai_addrlen),
                    !addresses.contains(address)
                {
                    addresses.append(address)
                }
            }
            cursor = info.pointee.ai_next
        }
        return addresses
    }
}

package struct ResolveError: Error, Equatable, Sendable, CustomStringConvertible {
    package let host: String
    package let reason: String
    package var description: String { "cannot resolve host '\(host)': \(reason)" }
}
