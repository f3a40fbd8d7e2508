import FoundationEssentials

/// An HTTP proxy to tunnel through with `CONNECT` (RFC 9110 §9.3.6), as curl and URLSession do: the proxy only
/// relays bytes, so TLS still runs end to end with the real server and its certificate is checked as without one.
package struct HTTPProxy: Sendable, Equatable {
    package let host: String
    package let port: UInt16
    /// `Proxy-Authorization` for a user and password in the proxy's URL (Basic).
    let authorization: String?

    /// From `http://[user:password@]host[:port]` (curl's default port, 1080, when none is given); nil for anything
    /// else, `https://` proxies included.
    package init?(url text: String) {
        let text = text.contains("://") ? text : "http://" + text
        guard let components = URLComponents(string: text), components.scheme?.lowercased() == "http",
            let written = components.host, !written.isEmpty
        else { return nil }
        let host = withoutBrackets(written) ?? written
        guard let port = UInt16(exactly: components.port ?? 1080), port > 0 else { return nil }
        self.host = host
        self.port = port
        if let user = components.user {
            let credentials = "\(user):\(components.password ?? "")"
            authorization = "Basic " + Data(credentials.utf8).base64EncodedString()
        } else {
            authorization = nil
        }
    }
}

extension HTTPProxy: CustomStringConvertible, CustomReflectable {
    /// Never the credentials.
    package var description: String { "http://\(bracketedHost(host)):\(port)" }
    package var customMirror: Mirror { Mirror(self, children: ["proxy": description]) }
}

/// Which requests go through which proxy: curl's environment variables and rules.
package struct ProxySettings: Sendable, Equatable {
    package var http: HTTPProxy?
    package var https: HTTPProxy?
    /// Hosts reached directly: a name matches itself and its subdomains, `*` matches all. Loopback addresses and
    /// `localhost` never go through a proxy.
    package var noProxy: [String]

    package static let none = ProxySettings(http: nil, https: nil, noProxy: [])

    package init(http: HTTPProxy?, https: HTTPProxy?, noProxy: [String]) {
        self.http = http
        self.https = https
        self.noProxy = noProxy
    }

    /// `https_proxy` (or `HTTPS_PROXY`), `http_proxy` (lowercase only: a CGI program gets a client's `Proxy:`
    /// header as `HTTP_PROXY`, so curl ignores that spelling), and `no_proxy` (or `NO_PROXY`), comma-separated.
    package static func fromEnvironment(_ environment: [String: String]) -> ProxySettings {
        func value(_ names: String...) -> String? {
            names.lazy.compactMap { environment[$0] }.first { !$0.isEmpty }
        }
        let noProxy = (value("no_proxy", "NO_PROXY") ?? "").split(separator: ",").map {
            String($0.filter { $0 != " " && $0 != "\t" }).lowercased()
        }.filter { !$0.isEmpty }
        return ProxySettings(
            http: value("http_proxy").flatMap(HTTPProxy.init(url:)),
            https: value("https_proxy", "HTTPS_PROXY").flatMap(HTTPProxy.init(url:)),
            noProxy: noProxy)
    }

    /// What is wrong with the proxy variables that are set, one line each naming the variable (never its value, which
    /// may hold a password). `fromEnvironment` skips a value it cannot use — an `https://` or `socks5://` proxy, or
    /// text that is no address — and requests would then go out directly where the operator meant them to go
    /// through the proxy; so heroform refuses to start with one instead.
    package static func problems(inEnvironment environment: [String: String]) -> [String] {
        var problems: [String] = []
        for names in [["http_proxy"], ["https_proxy", "HTTPS_PROXY"]] {
            guard let name = names.first(where: { !(environment[$0] ?? "").isEmpty }), let value = environment[name],
                HTTPProxy(url: value) == nil
            else { continue }
            // Only a scheme is named, and only when it really is one (the text before the first "://").
            let head = value.prefix { $0 != ":" }
            let scheme = value.dropFirst(head.count).hasPrefix("://") ? head.lowercased() : nil
            if let scheme, scheme != "http", !scheme.isEmpty, scheme.count <= 10,
                scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "-") })
            {
                problems.append(
                    "\(name): heroform cannot use a \(scheme):// proxy; it tunnels through an http:// proxy only "
                        + "(http://[user:password@]host[:port], TLS still end to end)")
            } else {
                problems.append("\(name): not a proxy address heroform can read (http://[user:password@]host[:port])")
            }
        }
        return problems
    }

    /// The proxy for a request to `origin`, if any.
    func proxy(for origin: Origin) -> HTTPProxy? {
        guard let proxy = origin.secure ? https : http else { return nil }
        let host = origin.host.lowercased()
        if host == "localhost" || host == "::1" || host.hasPrefix("127.") { return nil }
        for entry in noProxy {
            if entry == "*" { return nil }
            // "example.com", ".example.com" and "example.com:443" all name example.com and its subdomains.
            var name = Substring(entry)
            if name.hasPrefix(".") { name = name.dropFirst() }
            if let colon = name.lastIndex(of: ":"), !name.contains("["), name.filter({ $0 == ":" }).count == 1 {
                name = name[..<colon]
            }
            if host == name || host.hasSuffix("." + name) { return nil }
        }
        return proxy
    }
}
