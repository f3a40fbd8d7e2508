import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Sends one project to HERO's Lead API (`POST .../api/v1/Projects/create`, Bearer key, JSON both ways).
/// It never retries by itself: HERO creates a new project on every call, so retrying is the caller's decision.
public struct HeroClient: Sendable, CustomStringConvertible {
    /// Calls to HERO at the same time. URLSession's default on Linux is 6, which, at a remote API's latency,
    /// held a burst of leads to about 60 a second behind a stand-in that took 100 ms per call.
    public static let maxConcurrentCalls = 16

    public static let defaultEndpoint = URL(string: "https://login.hero-software.de/api/v1/Projects/create")
        ?? URL(fileURLWithPath: "/") // never taken: the literal is a valid URL

    public let endpoint: URL
    private let apiKey: String
    public let timeout: Duration
    private let session: URLSession

    public init(endpoint: URL = HeroClient.defaultEndpoint, apiKey: String, timeout: Duration = .seconds(10)) {
        self.endpoint = endpoint
        self.apiKey = apiKey
        // URLSession on Linux cut a timeout under a second to a few milliseconds; the config only has whole seconds.
        let timeout = max(timeout, .seconds(1))
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        configuration.timeoutIntervalForRequest = seconds
        configuration.timeoutIntervalForResource = seconds
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.httpMaximumConnectionsPerHost = Self.maxConcurrentCalls
        self.session = URLSession(configuration: configuration)
    }

    /// Never shows the key.
    public var description: String { "HeroClient(\(endpoint.absoluteString))" }

    /// Posts `payload` (the JSON body) and classifies the answer.
    public func createProject(payload: Data) async -> HeroOutcome {
        var request = URLRequest(url: endpoint)
        request.httpMethod = "POST"
        request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        request.setValue("heroform", forHTTPHeaderField: "User-Agent")
        request.httpBody = payload
        do {
            let (body, response) = try await session.data(for: request)
            guard let http = response as? HTTPURLResponse else { return .unavailable("not an HTTP answer") }
            return HeroOutcome.classify(status: http.statusCode, body: body)
        } catch let error as URLError {
            return .unavailable(error.code == .timedOut ? "timed out" : "network error \(error.code.rawValue)")
        } catch {
            return .unavailable("network error")
        }
    }
}
