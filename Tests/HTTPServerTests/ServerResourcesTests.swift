import HTTPServer
import HTTPTesting
import Logging
import Synchronization
import Testing

/// A server that was shut down gives back every thread and descriptor it held: its loops' threads and epoll sets,
/// its listener's thread and sockets. Each is checked as the very object the server held (see `KernelObject`), so
/// other tests starting and stopping servers meanwhile neither hide a leak nor make one up.
@Suite struct ServerResourcesTests {
    private static func server(_ router: Router) -> HTTPServer {
        var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: 0)
        // The suite's load must not turn a request into a 408: these tests are about what shutdown gives back.
        configuration.headTimeout = .seconds(60)
        configuration.keepAliveTimeout = .seconds(60)
        var quiet = Logger(label: "test")
        quiet.logLevel = .critical
        return HTTPServer(configuration: configuration, responder: router, logger: quiet)
    }

    @Test func aShutDownServerLeavesNoThreadOrDescriptorBehind() async throws {
        let server = Self.server(testRouter())
        try server.start()
        // A keep-alive connection left open puts a socket on one of the loops too.
        let client = try await RawClient.connect(port: server.port)
        try await client.send("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try await client.readResponse().text == "hello")
        let loops = server.eventLoops.count
        let held = try await KernelObject.held(by: server)
        #expect(loops >= 2)
        #expect(held.filter { $0.kind == .thread }.count == loops + 1, "\(held)")
        #expect(held.filter { !$0.exists }.isEmpty, "\(held)")

        #expect(await server.shutdown(gracePeriod: .seconds(10)))
        // The server is still referenced here: shutdown itself, not the last reference, must give them back.
        // Descriptors are closed when it returns; the threads have ended, and the kernel removes them a moment later.
        let open = held.filter { $0.kind == .descriptor && $0.exists }
        #expect(open.isEmpty, "left open: \(open)")
        let left = await KernelObject.left(of: held)
        #expect(left.isEmpty, "left behind: \(left)")
        #expect(server.eventLoops.isEmpty)
        #expect(await client.isClosedByServer())
    }

    @Test func aRequestThatOutlivesTheGracePeriodHoldsNoThreadOrDescriptor() async throws {
        // The handler's task holds its connection, and the connection its loop, for a minute after shutdown.
        var router = Router()
        let started = Atomic<Bool>(false)
        router.get("/forever") { _ in
            started.store(true, ordering: .relaxed)
            try? await Task.sleep(for: .seconds(60))
            return .text("late")
        }
        let server = Self.server(router)
        try server.start()
        let client = try await RawClient.connect(port: server.port)
        try await client.send("GET /forever HTTP/1.1\r\nHost: a\r\n\r\n")
        for _ in 0..<6000 where !started.load(ordering: .relaxed) { try await Task.sleep(for: .milliseconds(10)) }
        let reached = started.load(ordering: .relaxed)
        #expect(reached, "the request reached its handler")
        let held = try await KernelObject.held(by: server)
        #expect(held.filter { !$0.exists }.isEmpty, "\(held)")

        #expect(await server.shutdown(gracePeriod: .milliseconds(300)) == false)
        let open = held.filter { $0.kind == .descriptor && $0.exists }
        #expect(open.isEmpty, "left open: \(open)")
        let left = await KernelObject.left(of: held)
        #expect(left.isEmpty, "left behind: \(left)")
        #expect(await client.isClosedByServer())
    }
}
