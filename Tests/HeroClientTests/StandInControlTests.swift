import Foundation
import HeroClient
import HeroStandIn
import HTTPClient
import Testing

/// The stand-in's control endpoints, which the soak and recovery scripts rely on: a mode set over HTTP changes
/// how the Lead API answers, and `/references` counts projects per heroform reference.
@Suite struct StandInControlTests {
    @Test func modesSetOverHTTPAndProjectsCountedPerReference() async throws {
        let hero = HeroStandIn(apiKey: "key")
        let endpoint = try hero.start(withControl: true)
        try await hero.runThenStop {
            let base = "http://127.0.0.1:\(endpoint.port ?? 0)"
            let http = HTTPClient()
            func control(_ method: String, _ path: String, _ body: String = "") async throws -> (Int, String) {
                let request = HTTPClientRequest(
                    method: method, url: try #require(URL(string: base + path)),
                    headers: [("Content-Type", "application/json")], body: Array(body.utf8))
                let response = try await http.send(request, timeout: .seconds(30))
                return (response.status, String(decoding: response.body, as: UTF8.self))
            }
            let client = HeroClient(endpoint: endpoint, apiKey: "key", timeout: .seconds(30))
            func lead(_ reference: String) -> Data {
                Data(
                    #"{"address":{"zipcode":"30449"},"customer":{"email":"a@b.de"},"measure":"DOG","project_match":{"partner_notes":"Quelle: Website\nReferenz: \#(reference)"}}"#
                        .utf8)
            }
            #expect(try await control("POST", "/mode", #"{"mode":"failing","status":503}"#).0 == 200)
            guard case .unavailable = await client.createProject(payload: lead("AAA-AAA-AAA")) else {
                Issue.record("the stand-in should fail now")
                return
            }
            #expect(try await control("POST", "/mode", #"{"mode":"up"}"#).0 == 200)
            for reference in ["AAA-AAA-AAA", "AAA-AAA-AAA", "BBB-BBB-BBB"] {
                guard case .created = await client.createProject(payload: lead(reference)) else {
                    Issue.record("the stand-in should be up again")
                    return
                }
            }
            let (status, references) = try await control("GET", "/references")
            #expect(status == 200)
            let counts = try JSONSerialization.jsonObject(with: Data(references.utf8)) as? [String: Int]
            #expect(counts == ["AAA-AAA-AAA": 2, "BBB-BBB-BBB": 1])
            #expect(try await control("POST", "/mode", #"{"mode":"sideways"}"#).0 == 400)
            #expect(try await control("POST", "/mode", #"{"mode":"slow","ms":-1}"#).0 == 400)
            #expect(hero.mode == .up)
            #expect(try await control("POST", "/mode", #"{"mode":"slow","ms":20}"#).0 == 200)
            #expect(hero.mode == .slow(.milliseconds(20)))
            #expect(try await control("POST", "/mode", #"{"mode":"hang"}"#).0 == 200)
            #expect(hero.mode == .hanging)
            // A stalled call is answered once the mode changes, as the new mode says.
            let stalled = Task { await client.createProject(payload: lead("CCC-CCC-CCC")) }
            for _ in 0..<3000 where hero.callsInFlight == 0 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(hero.callsInFlight == 1)
            #expect(hero.calls.count == 4, "the stalled call has no answer yet")
            hero.mode = .up
            guard case .created = await stalled.value else {
                Issue.record("the stalled call should be answered once the stand-in is up")
                return
            }
        }
    }
}
