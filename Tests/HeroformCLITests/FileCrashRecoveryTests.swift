import Foundation
import HeroStandIn
import HTTPTesting
import Testing

/// A lead's files with a real process killed (SIGKILL) while HERO holds up one step of sending them: after a
/// restart the files reach the one project, each attached once.
@Suite struct FileCrashRecoveryTests {
    enum Step: String, CaseIterable {
        case lookUp, upload, attach
    }

    /// Two real 1×1 grey PNGs, pixel 0 and pixel 1 (the server takes only files that read as what they claim).
    static let pngs: [[UInt8]] = [
        [
            0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
            0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x3A, 0x7E, 0x9B,
            0x55, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x60, 0x00, 0x00, 0x00,
            0x02, 0x00, 0x01, 0x48, 0xAF, 0xA4, 0x71, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
            0x42, 0x60, 0x82,
        ],
        [
            0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
            0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x3A, 0x7E, 0x9B,
            0x55, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x60, 0x04, 0x00, 0x00,
            0x03, 0x00, 0x02, 0x4B, 0xF5, 0xDD, 0xEA, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
            0x42, 0x60, 0x82,
        ],
    ]
    static let boundary = "----crash"

    static func body(token: String) -> [UInt8] {
        var body: [UInt8] = []
        for (name, value) in [("email", "kill@example.org"), ("last_name", "Kill"), ("zipcode", "30449"),
                              ("consent", "on"), ("_token", token)] {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        for (number, name) in ["eins.png", "zwei.png"].enumerated() {
            body += Array(("--\(boundary)\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"\(name)\"\r\n"
                + "Content-Type: image/png\r\n\r\n").utf8) + Self.pngs[number] + Array("\r\n".utf8)
        }
        return body + Array("--\(boundary)--\r\n".utf8)
    }

    @Test(arguments: Step.allCases)
    func filesReachTheOneProjectOnceAfterAKillWhileHEROHoldsUp(_ step: Step) async throws {
        let hero = HeroStandIn(apiKey: "crash-test-key")
        let endpoint = try hero.start()
        try await hero.runThenStop {
            switch step {
            case .lookUp: hero.setGraphQLMode(.failing(status: 503, message: "Wartung"), for: [.projectMatches])
            case .upload: hero.uploadMode = .failing(status: 503, message: "Wartung")
            case .attach: hero.setGraphQLMode(.failing(status: 503, message: "Wartung"), for: [.uploadImage])
            }
            let config = #"{"server": {"port": 0}, "hero": {"endpoint": "\#(endpoint.absoluteString)", "#
                + #""graphql_endpoint": "\#(hero.graphQLEndpoint.absoluteString)", "#
                + #""upload_endpoint": "\#(hero.uploadEndpoint.absoluteString)", "timeout_seconds": 5}, "#
                + #""storage": {"data_dir": "data"}, "security": {"min_fill_seconds": 0}, "#
                + #""forms": {"default": {"measure": "DOG", "partner_source": "Website", "attachments": true}}}"#
            let workspace = try Workspace(config: config)
            let environment = ["HERO_API_KEY": "crash-test-key"]

            let first = try ServerProcess(["serve"], directory: workspace.url, environment: environment)
            let port = try #require(await first.listeningPort(), "\(first.text)")
            let client = try await RawClient.connect(port: port)
            try await client.send("GET /token HTTP/1.1\r\nHost: a\r\n\r\n")
            let answer = try await client.readResponse()
            let token = try #require(
                (try? JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: String])?["token"])
            let body = Self.body(token: token)
            try await client.send(
                Array(("POST /leads HTTP/1.1\r\nHost: a\r\nAccept: application/json\r\n"
                    + "Content-Type: multipart/form-data; boundary=\(Self.boundary)\r\n"
                    + "Content-Length: \(body.count)\r\n\r\n").utf8) + body)
            let response = try await client.readResponse()
            #expect(response.status == 200, "\(String(decoding: response.body, as: UTF8.self))")
            // Killed once HERO has held up the step.
            for _ in 0..<200 {
                let tried: Bool
                switch step {
                case .lookUp: tried = !hero.graphQLCalls.isEmpty
                case .upload: tried = !hero.uploadCalls.isEmpty
                case .attach: tried = !hero.graphQLCalls.filter { $0.status == 503 }.isEmpty
                }
                if tried { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            first.signal(SIGKILL)
            _ = await first.exitCode()
            #expect(hero.createdProjects.count == 1)
            #expect(hero.attachments.isEmpty)

            hero.uploadMode = .up
            hero.setGraphQLMode(.up)
            let second = try ServerProcess(["serve"], directory: workspace.url, environment: environment)
            #expect(await second.listeningPort() != nil)
            for _ in 0..<150 where hero.attachments.count < 2 { try await Task.sleep(for: .milliseconds(100)) }
            try await Task.sleep(for: .milliseconds(500))
            #expect(hero.createdProjects.count == 1)
            let match = hero.projectMatches.first?.id
            #expect(hero.attachments.map(\.upload.filename) == ["eins.png", "zwei.png"])
            #expect(hero.attachments.allSatisfy { $0.projectMatch == match })
            // An upload whose handle was recorded before the kill is not sent again.
            #expect(hero.uploadCalls.filter { $0.status == 200 }.count == 2)
            second.signal(SIGTERM)
            #expect(await second.exitCode() == 0)
            let (_, list) = try await ServerProcess.run(["outbox", "list"], directory: workspace.url)
            #expect(list.contains("2/2"), "\(list)")
            // Sent, so deleted; and nothing left of the staging.
            let attachments = workspace.url.appendingPathComponent("data/attachments").path
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: attachments).filter { $0 != ".incoming" }.isEmpty)
        }
    }
}
