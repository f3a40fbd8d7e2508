package import FoundationEssentials
import Glibc
import HTTPClient

/// Sends one project to HERO's Lead API (`POST .../api/v1/Projects/create`, Bearer key, JSON both ways), and does
/// the file steps after it (`HeroFiles.swift`: project_match lookup, upload, attachment).
/// It never retries by itself: HERO creates a new project on every call, so retrying is the caller's decision.
package struct HeroClient: Sendable, CustomStringConvertible {
    /// Calls to HERO at the same time: at a remote API's latency this decides how fast a burst of leads gets through.
    package static let maxConcurrentCalls = 16

    package static let defaultEndpoint =
        URL(string: "https://login.hero-software.de/api/v1/Projects/create")
        ?? URL(fileURLWithPath: "/") // never taken: the literal is a valid URL
    package static let defaultGraphQLEndpoint =
        URL(string: "https://login.hero-software.de/api/external/v7/graphql")
        ?? URL(fileURLWithPath: "/") // never taken: the literal is a valid URL
    package static let defaultUploadEndpoint =
        URL(string: "https://login.hero-software.de/app/v8/FileUploads/upload")
        ?? URL(fileURLWithPath: "/") // never taken: the literal is a valid URL

    package let endpoint: URL
    package let graphQLEndpoint: URL
    package let uploadEndpoint: URL
    private(set) var apiKey: String
    /// For the Lead API and GraphQL calls.
    package let timeout: Duration
    /// For an upload, start to end: a file of some MB over an office uplink takes longer than a JSON call.
    package let uploadTimeout: Duration
    let http: HTTPClient

    /// HERO's certificate is checked against the system's trusted roots (OpenSSL's default paths; `SSL_CERT_FILE`
    /// points elsewhere).
    package init(
        endpoint: URL = HeroClient.defaultEndpoint, graphQLEndpoint: URL = HeroClient.defaultGraphQLEndpoint,
        uploadEndpoint: URL = HeroClient.defaultUploadEndpoint, apiKey: String, timeout: Duration = .seconds(10),
        uploadTimeout: Duration = .seconds(120)
    ) {
        self.endpoint = endpoint
        self.graphQLEndpoint = graphQLEndpoint
        self.uploadEndpoint = uploadEndpoint
        self.apiKey = apiKey
        self.timeout = timeout
        self.uploadTimeout = uploadTimeout
        var configuration = HTTPClient.Configuration()
        configuration.maxConcurrentRequests = Self.maxConcurrentCalls
        configuration.maxIdleConnectionsPerHost = Self.maxConcurrentCalls
        // An office network may only reach the internet through a proxy: curl's variables, as URLSession read them.
        configuration.proxies = .fromEnvironment(ProcessInfo.processInfo.environment)
        http = HTTPClient(configuration: configuration)
    }

    /// The same client, with its connections, for another account's key: one HERO host, one pool.
    package func withKey(_ apiKey: String) -> HeroClient {
        var client = self
        client.apiKey = apiKey
        return client
    }

    /// Never shows the key.
    package var description: String {
        "HeroClient(\(endpoint.absoluteString), \(graphQLEndpoint.absoluteString), \(uploadEndpoint.absoluteString))"
    }

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
