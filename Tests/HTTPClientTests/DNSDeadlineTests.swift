import Dispatch
import Foundation
import Sockets
import Synchronization
import Testing
@testable import HTTPClient

/// Host names are looked up under the call's deadline: a resolver that hangs cannot hold a call past it.
@Suite struct DNSDeadlineTests {
    struct Refusal: Error, CustomStringConvertible {
        let description: String
    }

    /// A resolver that hangs until `release` (or, should a test fail, half a minute), then answers `127.0.0.1`.
    final class HangingResolver: Sendable {
        let gate = DispatchSemaphore(value: 0)
        let asked = Mutex<[String]>([])

        func resolver(maxPending: Int = 16) -> HostResolver {
            HostResolver(maxPendingLookups: maxPending) { [self] host, port in
                asked.withLock { $0.append(host) }
                _ = gate.wait(timeout: .now() + 30)
                return try SocketAddress.resolve(host: "127.0.0.1", port: port)
            }
        }

        func release(_ count: Int) { for _ in 0..<count { gate.signal() } }
    }

    @Test func aHangingLookupEndsTheConnectAtItsDeadline() throws {
        let hanging = HangingResolver()
        defer { hanging.release(1) }
        let endpoint = try Endpoint(URL(string: "http://hero.test:9/")!)
        // Timed here, on the test's own thread, not after an `await`: what is measured is the connect alone.
        let started = ContinuousClock.now
        #expect(throws: HTTPClientError.timedOut) {
            _ = try ClientConnection(
                to: endpoint, tls: nil, resolver: hanging.resolver(), deadline: .now + .milliseconds(300))
        }
        let took = ContinuousClock.now - started
        // Without the deadline it would wait the 30 s the lookup hangs; the margin is for a loaded machine.
        #expect(took < .seconds(20), "\(took)")
        #expect(hanging.asked.withLock { $0 } == ["hero.test"])
    }

    @Test func aClientCallWithAHangingLookupTimesOut() async throws {
        let hanging = HangingResolver()
        defer { hanging.release(1) }
        var configuration = HTTPClient.Configuration()
        configuration.resolver = hanging.resolver()
        let client = HTTPClient(configuration: configuration)
        let error = await failure {
            try await client.send(HTTPClientRequest(url: URL(string: "http://hero.test:9/")!), timeout: .milliseconds(300))
        }
        // Had it waited for the lookup, it would have connected to port 9 and been refused.
        #expect(error == .timedOut)
    }

    @Test func theLookupsAnswerIsUsed() async throws {
        let server = try TestServer { connection in
            guard connection.readRequest() != nil else { return }
            connection.answer("found")
        }
        defer { server.stop() }
        let names = HostResolver { host, port in
            guard host == "hero.test" else { throw Refusal(description: "unknown to the test") }
            return try SocketAddress.resolve(host: "127.0.0.1", port: port)
        }
        var configuration = HTTPClient.Configuration()
        configuration.resolver = names
        let client = HTTPClient(configuration: configuration)
        let response = try await client.send(
            HTTPClientRequest(url: URL(string: "http://hero.test:\(server.port)/")!), timeout: .seconds(10))
        #expect(String(decoding: response.body, as: UTF8.self) == "found")
        let error = await failure {
            try await client.send(HTTPClientRequest(url: URL(string: "http://other.test:\(server.port)/")!), timeout: .seconds(10))
        }
        #expect(error == .cannotResolve(host: "other.test", reason: "unknown to the test"))
    }

    @Test func numericAddressesNeedNoLookup() throws {
        let resolver = HostResolver { host, _ in throw Refusal(description: "must not be asked") }
        let deadline = ContinuousClock.now + .seconds(10)
        #expect(try resolver.addresses(of: "127.0.0.1", port: 80, deadline: deadline).map { $0.description } == ["127.0.0.1:80"])
        #expect(throws: HTTPClientError.cannotResolve(host: "hero.test", reason: "must not be asked")) {
            try resolver.addresses(of: "hero.test", port: 80, deadline: deadline)
        }
    }

    @Test func hangingLookupsAreBoundedAndFailAtOnceBeyond() async throws {
        let hanging = HangingResolver()
        let resolver = hanging.resolver(maxPending: 2)
        for _ in 0..<2 {
            #expect(throws: HTTPClientError.timedOut) {
                try resolver.addresses(of: "hero.test", port: 80, deadline: .now + .milliseconds(50))
            }
        }
        #expect(resolver.pendingLookups == 2)
        // A third would be one more thread hanging: refused without waiting (a long deadline it does not use).
        let started = ContinuousClock.now
        #expect(throws: HTTPClientError.cannotResolve(host: "hero.test", reason: "2 earlier lookups are still hanging")) {
            try resolver.addresses(of: "hero.test", port: 80, deadline: .now + .seconds(60))
        }
        #expect(ContinuousClock.now - started < .seconds(20))
        hanging.release(2)
        for _ in 0..<3000 where resolver.pendingLookups > 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(resolver.pendingLookups == 0)
        hanging.release(1)
        #expect(try resolver.addresses(of: "hero.test", port: 80, deadline: .now + .seconds(60)).count == 1)
    }
}
