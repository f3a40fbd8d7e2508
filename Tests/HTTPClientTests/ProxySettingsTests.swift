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
