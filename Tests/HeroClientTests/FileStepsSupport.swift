import Foundation
import HTTPClient
import HeroClient
import HeroStandIn
import JSON
import Testing

/// A started stand-in and a client pointed at its three endpoints. Generous timeouts: the suite runs in parallel
/// on two cores, and only the timeout tests are about timeouts.
func startHero(
    apiKey: String = "file-key", clientKey: String? = nil, timeout: Duration = .seconds(30),
    uploadBodyLimit: Int = 64 * 1024 * 1024
) throws -> (HeroStandIn, HeroClient) {
    let hero = HeroStandIn(apiKey: apiKey, uploadBodyLimit: uploadBodyLimit)
    try hero.start()
    let client = HeroClient(
        endpoint: hero.endpoint, graphQLEndpoint: hero.graphQLEndpoint, uploadEndpoint: hero.uploadEndpoint,
        apiKey: clientKey ?? apiKey, timeout: timeout, uploadTimeout: timeout)
    return (hero, client)
}

/// A raw request to the stand-in, for what HeroClient never sends (other headers, other bodies).
func rawPost(
    _ url: URL, headers: [(name: String, value: String)], body: [UInt8]
) async throws -> (status: Int, json: JSONValue?) {
    let response = try await HTTPClient().send(
        HTTPClientRequest(method: "POST", url: url, headers: headers, body: body), timeout: .seconds(30))
    return (response.status, try? JSONValue.parse(response.body))
}

/// A raw GraphQL request with the right key.
func rawGraphQL(_ hero: HeroStandIn, query: String, variables: JSONValue) async throws -> (Int, JSONValue?) {
    let body: JSONValue = ["query": .string(query), "variables": variables]
    return try await rawPost(
        hero.graphQLEndpoint,
        headers: [("Authorization", "Bearer \(hero.apiKey)"), ("Content-Type", "application/json")],
        body: body.serializedBytes())
}

/// The first GraphQL error message of an answer.
func errorMessage(_ json: JSONValue?) -> String? {
    guard case .array(let errors)? = json?["errors"] else { return nil }
    return errors.first?["message"]?.string
}

/// A file of `count` pseudo-random bytes in a folder of its own; `removeTestFile` removes both.
func makeTestFile(_ count: Int, name: String = "photo.jpg", seed: UInt64 = 1) throws -> (path: String, bytes: [UInt8]) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("heroform-files-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    var state = seed
    let bytes = (0..<count).map { _ -> UInt8 in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt8(truncatingIfNeeded: state >> 56)
    }
    let path = directory.appendingPathComponent(name).path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return (path, bytes)
}

func removeTestFile(_ path: String) {
    try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
}

extension HeroClient {
    /// Creates a project through the Lead API and returns its id.
    func createTestProject() async throws -> Int {
        let outcome = await createProject(payload: minimalPayload)
        guard case .created(let id?) = outcome else { throw TestFailure("expected a project, got \(outcome)") }
        return id
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
