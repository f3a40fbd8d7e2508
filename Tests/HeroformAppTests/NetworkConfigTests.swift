import Foundation
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
}
