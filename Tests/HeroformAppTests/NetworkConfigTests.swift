import Foundation
import HTTPServer
import Logging
import Sockets
import Testing
@testable import HeroformApp

/// The config keys and checks of the network hardening (issue 17): where secrets may be sent, connections per
/// client.
@Suite struct NetworkConfigTests {
    let minimalForms = #""forms": {"default": {"measure": "DOG", "partner_source": "Website"}}"#

    func problems(_ sections: String) -> [String] {
        do {
            _ = try AppConfig.parse(Data("{\(minimalForms), \(sections)}".utf8), path: "test.json")
            return []
        } catch {
            return error.problems
        }
    }

    static let secretCarriers = [
        ("hero", "endpoint"), ("hero", "graphql_endpoint"), ("hero", "upload_endpoint"), ("alerts", "webhook_url"),
    ]

    @Test(arguments: secretCarriers)
    func plainHTTPToAnotherMachineIsRefused(section: String, key: String) {
        for url in [
            "http://login.hero-software.de/api", "http://192.0.2.10:8080/x", "http://[2001:db8::1]/x",
            "HTTP://example.de/", "http://127.0.0.1.evil.example/", "http://localhost.evil.example/",
            "http://[::2]/x", "http://128.0.0.1/",
        ] {
            let found = problems("\"\(section)\": {\"\(key)\": \"\(url)\"}")
            #expect(found.count == 1, "\(url): \(found)")
            #expect(found.first?.hasPrefix("\(section).\(key): must be an https URL (plain http only to a loopback") == true,
                    "\(url): \(found)")
        }
    }

    @Test(arguments: secretCarriers)
    func httpsAndLoopbackStandInsAreAccepted(section: String, key: String) throws {
        for url in [
            "https://login.hero-software.de/api", "https://192.0.2.10:8443/x", "http://127.0.0.1:9/x",
            "http://127.5.6.7/x", "http://[::1]:8080/x", "http://localhost:8080/x", "http://LOCALHOST/x",
        ] {
            let config = try AppConfig.parse(Data("{\(minimalForms), \"\(section)\": {\"\(key)\": \"\(url)\"}}".utf8))
            let taken: String? = switch key {
            case "endpoint": config.hero.endpoint
            case "graphql_endpoint": config.hero.graphQLEndpoint
            case "upload_endpoint": config.hero.uploadEndpoint
            default: config.alerts.webhookURL
            }
            #expect(taken == url)
        }
    }

    @Test func notAURLAtAllIsNamedToo() {
        #expect(problems(#""hero": {"endpoint": "ftp://x/y", "upload_endpoint": "login.hero-software.de"}"#) == [
            "hero.endpoint: must be an https URL", "hero.upload_endpoint: must be an https URL",
        ])
    }

    @Test func loopbackHostsAreRecognised() {
        for host in ["localhost", "127.0.0.1", "127.255.255.254", "::1", "[::1]", "::ffff:127.0.0.1"] {
            #expect(AppConfig.isLoopback(host: host), "\(host)")
        }
        for host in ["localhost.example", "10.0.0.1", "::", "::2", "0.0.0.0", "example.de", ""] {
            #expect(!AppConfig.isLoopback(host: host), "\(host)")
        }
    }

    @Test func connectionsPerClientDefaultToSixtyFourAndTrustedProxiesAreExempt() throws {
        let defaults = try AppConfig.parse(Data("{\(minimalForms)}".utf8))
        #expect(defaults.server.maxConnectionsPerClient == 64)
        #expect(defaults.httpConfiguration.maxConnectionsPerClient == 64)
        #expect(defaults.httpConfiguration.perClientLimitExempt.isEmpty)
        let set = try AppConfig.parse(Data((#"{"server": {"max_connections_per_client": 0, "trusted_proxies": ["10.0.0.0/8", "::1"]}, "# + minimalForms + "}").utf8))
        #expect(set.server.maxConnectionsPerClient == 0)
        #expect(set.httpConfiguration.maxConnectionsPerClient == 0)
        #expect(set.httpConfiguration.perClientLimitExempt == ["10.0.0.0/8", "::1"].compactMap(IPRange.init))
        #expect(problems(#""server": {"max_connections_per_client": -1}"#) == [
            "server.max_connections_per_client: must be between 0 and 1000000",
        ])
        #expect(problems(#""server": {"max_connections_per_client": "64"}"#) == [
            "server.max_connections_per_client: must be a whole number",
        ])
    }

    @Test func aReloadHandsTheServerItsNewTrustedProxies() throws {
        var config = testConfig()
        defer { try? FileManager.default.removeItem(atPath: config.storage.dataDir) }
        config.server.port = 0
        let app = try HeroformApplication(config: config, apiKey: nil, logger: Logger(label: "test"),
                                          environment: ["HEROFORM_SECRET": testSecret])
        let server = app.makeServer(logger: Logger(label: "test"))
        #expect(server.configuration.maxConnectionsPerClient == 64)
        #expect(server.perClientLimitExempt.isEmpty)
        var reloaded = config
        reloaded.server.trustedProxies = ["192.0.2.0/24"]
        reloaded.server.maxConnectionsPerClient = 5
        let needsRestart = try app.reload(reloaded)
        #expect(server.perClientLimitExempt == ["192.0.2.0/24"].compactMap(IPRange.init))
        #expect(needsRestart == ["server timeouts and limits"], "the limit itself is the listener's")
    }

    @Test func anUnusableProxyVariableStopsStartUpAndCheckConfig() throws {
        let config = testConfig()
        defer { try? FileManager.default.removeItem(atPath: config.storage.dataDir) }
        let environment = ["HEROFORM_SECRET": testSecret, "https_proxy": "https://proxy.example:443"]
        do {
            _ = try HeroformApplication(config: config, apiKey: "key", logger: Logger(label: "test"), environment: environment)
            Issue.record("started with an https:// proxy")
        } catch let invalid as AppConfig.Invalid {
            #expect(invalid.problems.count == 1)
            #expect(invalid.problems.first?.hasPrefix("https_proxy: heroform cannot use a https:// proxy") == true)
        }
        #expect(throws: AppConfig.Invalid.self) { try HeroformApplication.check(config, environment: environment) }
        // A usable one is taken.
        try HeroformApplication.checkProxies(environment: ["https_proxy": "http://proxy.example:3128"], path: "x")
    }
}
