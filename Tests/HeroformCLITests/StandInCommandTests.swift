import Foundation
import HTTPTesting
import Sockets
import Testing

/// `hero-stand-in`, the stand-in as a process for benchmarks: its optional delay, and a bad one refused.
@Suite struct StandInCommandTests {
    @Test func answersAfterTheGivenDelay() async throws {
        let standIn = try ServerProcess(["0", "delay-key", "300"], program: "hero-stand-in")
        let output = try #require(await standIn.waitFor("/api/v1/Projects/create"), "\(standIn.text)")
        let port = try #require(output.split(separator: ":").compactMap { UInt16($0.prefix { $0.isNumber }) }.last)
        let client = try await RawClient.connect(port: port)
        let body = #"{"measure":"DOG","customer":{"email":"a@example.org"},"address":{"zipcode":"30449"}}"#
        let started = ContinuousClock.now
        try await client.send("POST /api/v1/Projects/create HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer delay-key\r\n"
                              + "Content-Type: application/json\r\nAccept: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        let response = try await client.readResponse()
        #expect(response.status == 200)
        #expect(ContinuousClock.now - started >= .milliseconds(300))
        standIn.signal(SIGTERM)
        #expect(await standIn.exitCode() == 0)
    }

    @Test func refusesADelayThatIsNoNumber() async throws {
        let (status, output) = try await ServerProcess.run(["0", "key", "soon"], program: "hero-stand-in")
        #expect(status == 2)
        #expect(output.contains("the delay must be a whole number of milliseconds, not soon"))
    }
}
