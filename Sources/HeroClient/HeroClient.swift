package import FoundationEssentials
import Glibc
import HTTPClient

/// Sends one project to HERO's Lead API (`POST .../api/v1/Projects/create`, Bearer key, JSON both ways).
/// It never retries by itself: HERO creates a new project on every call, so retrying is the caller's decision.
package struct HeroClient: Sendable, CustomStringConvertible {
    /// Calls to HERO at the same time: at a remote API's latency this decides how fast a burst of leads gets through.
    package static let maxConcurrentCalls = 16

    package static let defaultEndpoint =
        URL(string: "https://login.hero-software.de/api/v1/Projects/create")
        ?? URL(fileURLWithPath: "/") // never taken: the literal is a valid URL

    package let endpoint: URL
    private let apiKey: String
    package let timeout: Duration
    private let http: HTTPClient

    /// HERO's certificate is checked against the system's trusted roots (OpenSSL's default paths; `SSL_CERT_FILE`
    /// points elsewhere).
    package init(endpoint: URL = HeroClient.defaultEndpoint, apiKey: String, timeout: Duration = .seconds(10)) {
        self.endpoint = endpoint
        self.apiKey = apiKey
        self.timeout = timeout
        var configuration = HTTPClient.Configuration()
        configuration.maxConcurrentRequests = Self.maxConcurrentCalls
        configuration.maxIdleConnectionsPerHost = Self.maxConcurrentCalls
        // An office network may only reach the internet through a proxy: curl's variables, as URLSession read them.
        configuration.proxies = .fromEnvironment(ProcessInfo.processInfo.environment)
        http = HTTPClient(configuration: configuration)
    }

    /// Never shows the key.
    package var description: String { "HeroClient(\(endpoint.absoluteString))" }

    /// Posts `payload` (the JSON body) and classifies the answer.
    package func createProject(payload: Data) async -> HeroOutcome {
        let request = HTTPClientRequest(
            method: "POST", url: endpoint,
            headers: [
                ("Authorization", "Bearer \(apiKey)"),
                ("Content-Type", "application/json"),
                ("Accept", "application/json"),
                ("User-Agent", "heroform"),
            ], body: Array(payload))
        do {
            let response = try await http.send(request, timeout: timeout)
            return HeroOutcome.classify(status: response.status, body: response.body)
        } catch {
            // The client's reasons never hold what was sent; a key with a line break is refused before sending.
            return .unavailable(error == .timedOut ? "timed out" : error.description)
        }
    }
}
