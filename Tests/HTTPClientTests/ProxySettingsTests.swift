import Testing
@testable import HTTPClient

/// curl's proxy variables and rules, without a network.
@Suite struct ProxySettingsTests {
    @Test func proxyURLsAreRead() throws {
        let proxy = try #require(HTTPProxy(url: "http://user:p%40ss@proxy.example:3128"))
        #expect(proxy.host == "proxy.example" && proxy.port == 3128)
        #expect(proxy.authorization == "Basic dXNlcjpwQHNz")
        // Printed or logged, it never shows the credentials.
        for text in ["\(proxy)", String(reflecting: proxy), "\(ProxySettings(http: proxy, https: proxy, noProxy: []))"] {
            #expect(!text.contains("p@ss") && !text.contains("dXNlcjpwQHNz") && !text.contains("user"), "\(text)")
        }
        // No scheme means http; no port means curl's 1080.
        #expect(HTTPProxy(url: "proxy.example")?.port == 1080)
        #expect(HTTPProxy(url: "http://[fd00::1]:8080")?.host == "fd00::1")
        for bad in ["https://proxy.example:443", "socks5://proxy.example", "http://", "http://proxy.example:0", ""] {
            #expect(HTTPProxy(url: bad) == nil, "\(bad)")
        }
    }

    @Test func unusableProxyVariablesAreNamedWithoutTheirValue() {
        #expect(ProxySettings.problems(inEnvironment: [:]).isEmpty)
        #expect(ProxySettings.problems(inEnvironment: [
            "https_proxy": "http://user:secret@proxy.example:3128", "http_proxy": "proxy.example:8080",
            "HTTP_PROXY": "https://ignored.example", "no_proxy": "*", "https_proxy_extra": "x",
        ]).isEmpty, "usable ones, and HTTP_PROXY which is never read")
        #expect(ProxySettings.problems(inEnvironment: ["https_proxy": "https://user:secret@proxy.example:443"]) == [
            "https_proxy: heroform cannot use a https:// proxy; it tunnels through an http:// proxy only (http://[user:password@]host[:port], TLS still end to end)",
        ])
        #expect(ProxySettings.problems(inEnvironment: ["HTTPS_PROXY": "socks5://proxy.example"]).first?
            .hasPrefix("HTTPS_PROXY: heroform cannot use a socks5:// proxy") == true)
        let garbled = ProxySettings.problems(inEnvironment: ["http_proxy": "http://proxy.example:0", "https_proxy": "user:secret@:80"])
        #expect(garbled == [
            "http_proxy: not a proxy address heroform can read (http://[user:password@]host[:port])",
            "https_proxy: not a proxy address heroform can read (http://[user:password@]host[:port])",
        ])
        // The lowercase spelling is the one read when both are set, so it is the one checked.
        #expect(ProxySettings.problems(inEnvironment: ["https_proxy": "http://ok:1", "HTTPS_PROXY": "https://bad"]).isEmpty)
        #expect(!ProxySettings.problems(inEnvironment: ["https_proxy": "ftp://user:secret@x"]).joined().contains("secret"))
    }

    @Test func theEnvironmentIsReadAsCurlReadsIt() {
        let settings = ProxySettings.fromEnvironment([
            "HTTPS_PROXY": "http://upper:1", "https_proxy": "http://lower:2",
            // A CGI program's HTTP_PROXY comes from a client's "Proxy:" header: never used.
            "HTTP_PROXY": "http://attacker:3",
            "NO_PROXY": " example.org, .intern.example ,", "no_proxy": "",
        ])
        #expect(settings.https == HTTPProxy(url: "http://lower:2"))
        #expect(settings.http == nil)
        #expect(settings.noProxy == ["example.org", ".intern.example"])
        #expect(ProxySettings.fromEnvironment(["HTTPS_PROXY": "http://upper:1"]).https == HTTPProxy(url: "http://upper:1"))
        #expect(ProxySettings.fromEnvironment([:]) == .none)
    }

    @Test(arguments: [
        ("login.hero-software.de", true, true),
        ("example.org", true, false),
        ("www.example.org", true, false),
        ("notexample.org", true, true),
        ("a.intern.example", true, false),
        ("intern.example", true, false),
        ("other.example", false, true),
        ("localhost", true, false),
        ("127.0.0.1", true, false),
        ("::1", true, false),
    ])
    func whichHostsTakeTheProxy(host: String, secure: Bool, proxied: Bool) {
        let proxy = HTTPProxy(url: "http://proxy:3128")
        let settings = ProxySettings(http: proxy, https: proxy, noProxy: ["example.org", ".intern.example:443"])
        #expect((settings.proxy(for: Origin(secure: secure, host: host, port: 443)) != nil) == proxied)
    }

    @Test func anAsteriskSendsEverythingDirectly() {
        let proxy = HTTPProxy(url: "http://proxy:3128")
        let settings = ProxySettings(http: proxy, https: proxy, noProxy: ["*"])
        #expect(settings.proxy(for: Origin(secure: true, host: "login.hero-software.de", port: 443)) == nil)
    }
}
