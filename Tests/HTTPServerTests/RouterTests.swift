import Synchronization
import HTTPTesting
import HTTPServer
import Testing

@Suite struct RouterTests {
    func request(_ method: HTTPMethod, _ target: String, headers: HTTPHeaders = ["Host": "a"]) -> HTTPRequest {
        var parser = HTTPRequestParser()
        parser.append(Array("\(method.rawValue) \(target) HTTP/1.1\r\n".utf8))
        for field in headers { parser.append(Array("\(field.name): \(field.value)\r\n".utf8)) }
        parser.append(Array("\r\n".utf8))
        guard case .head(let head) = parser.next() else { return HTTPRequest(head: HTTPRequestHead(method: method, target: target)) }
        return HTTPRequest(head: head)
    }

    @Test func matchesPathParameters() async {
        var router = Router()
        router.get("/forms/{id}") { .text("form \($0.parameters["id"] ?? "")") }
        router.get("/forms/{id}/fields/{field}") { .text("\($0.parameters["id"] ?? "")/\($0.parameters["field"] ?? "")") }
        #expect(await router.respond(to: request(.get, "/forms/roof")).body == Array("form roof".utf8))
        #expect(await router.respond(to: request(.get, "/forms/b%C3%A4r")).body == Array("form bär".utf8))
        #expect(await router.respond(to: request(.get, "/forms/a/fields/email")).body == Array("a/email".utf8))
        #expect(await router.respond(to: request(.get, "/forms")).status == .notFound)
        #expect(await router.respond(to: request(.get, "/forms/a/b")).status == .notFound)
    }

    @Test func encodedSlashOrBrokenEscapeInAPathMatchesNoRoute() async {
        var router = Router()
        router.get("/forms/{id}") { _ in .text("ok") }
        #expect(await router.respond(to: request(.get, "/forms/a%2Fb")).status == .notFound)
        #expect(await router.respond(to: request(.get, "/forms/a%zz")).status == .notFound)
        #expect(await router.respond(to: request(.post, "/forms/a%00")).status == .notFound)
        router.fallback { _ in .text("fallback") }
        #expect(await router.respond(to: request(.get, "/forms/a%2Fb")).body == Array("fallback".utf8))
    }

    @Test func wrongMethodGets405WithAllow() async {
        var router = Router()
        router.post("/leads") { _ in .text("ok") }
        router.get("/leads") { _ in .text("list") }
        router.on(.delete, "/other") { _ in .text("x") }
        let response = await router.respond(to: request(.put, "/leads"))
        #expect(response.status == .methodNotAllowed)
        #expect(response.headers["Allow"] == "GET, HEAD, OPTIONS, POST")
        let options = await router.respond(to: request(.options, "/leads"))
        #expect(options.status == .noContent)
        #expect(options.headers["Allow"] == "GET, HEAD, OPTIONS, POST")
        #expect(await router.respond(to: request(.options, "*")).headers["Allow"] != nil)
    }

    @Test func headUsesTheGetRoute() async {
        var router = Router()
        router.get("/page") { _ in .text("page") }
        #expect(await router.respond(to: request(.head, "/page")).status == .ok)
    }

    @Test func fallbackAnswersGetAndHeadOnly() async {
        var router = Router()
        router.post("/leads") { _ in .text("lead") }
        router.fallback { _ in .text("file") }
        #expect(await router.respond(to: request(.get, "/style.css")).body == Array("file".utf8))
        #expect(await router.respond(to: request(.head, "/style.css")).body == Array("file".utf8))
        let post = await router.respond(to: request(.post, "/style.css"))
        #expect(post.status == .methodNotAllowed)
        #expect(post.headers["Allow"] == "GET, HEAD, OPTIONS")
    }

    @Test func middlewareRunsInOrderAroundRoutes() async {
        struct Tag: HTTPMiddleware {
            let name: String
            func respond(to request: HTTPRequest, next: Next) async -> HTTPResponse {
                var response = await next(request)
                response.headers.add("X-Order", name)
                return response
            }
        }
        struct Block: HTTPMiddleware {
            func respond(to request: HTTPRequest, next: Next) async -> HTTPResponse {
                request.path == "/secret" ? .error(.forbidden) : await next(request)
            }
        }
        var router = Router()
        router.use(Tag(name: "outer"))
        router.use(Tag(name: "inner"))
        router.use(Block())
        router.get("/page") { _ in .text("page") }
        router.get("/secret") { _ in .text("secret") }
        let response = await router.respond(to: request(.get, "/page"))
        #expect(response.headers.values("X-Order") == ["inner", "outer"])
        let blocked = await router.respond(to: request(.get, "/secret"))
        #expect(blocked.status == .forbidden)
        #expect(blocked.headers.values("X-Order") == ["inner", "outer"])
    }

    @Test func bodyLimitComesFromTheRoute() {
        var router = Router(defaultBodyLimit: 100)
        router.post("/big", bodyLimit: 1000) { _ in .text("") }
        router.post("/small") { _ in .text("") }
        #expect(router.bodyLimit(for: request(.post, "/big").head) == 1000)
        #expect(router.bodyLimit(for: request(.post, "/small").head) == 100)
        #expect(router.bodyLimit(for: request(.post, "/nowhere").head) == 100)
    }
}

/// Counts calls from any thread.
final class Counter: Sendable {
    private let value = Mutex(0)
    func bump() { value.withLock { $0 += 1 } }
    var count: Int { value.withLock { $0 } }
}

/// The immediate path gives the same answers as the asynchronous one, without a task.
@Suite struct ImmediateRouterTests {
    struct Mark: HTTPFilter {
        let name: String
        var refuse: String? = nil
        func before(_ request: HTTPRequest) -> HTTPResponse? {
            request.path == refuse ? .error(.forbidden) : nil
        }
        func after(_ request: HTTPRequest, _ response: HTTPResponse) -> HTTPResponse {
            var marked = response
            marked.headers.add("X-Order", name)
            return marked
        }
    }

    func request(_ method: HTTPMethod, _ target: String) -> HTTPRequest {
        HTTPRequest(head: HTTPRequestHead(method: method, target: target, headers: ["Host": "a"]))
    }

    func router() -> Router {
        var router = Router()
        router.use(Mark(name: "outer"))
        router.use(Mark(name: "inner", refuse: "/secret"))
        router.get("/page/{id}", immediate: { .text("page \($0.parameters["id"] ?? "")") })
        router.get("/secret", immediate: { _ in .text("secret") })
        router.get("/slow") { _ in
            try? await Task.sleep(for: .milliseconds(1))
            return .text("slow")
        }
        router.fallback(immediate: { _ in .text("file") })
        return router
    }

    /// The answer when the router gives it at once; nil when it is work for later.
    private func now(_ router: Router, _ request: HTTPRequest) -> HTTPResponse? {
        if case .now(let response) = router.answer(to: request) { return response }
        return nil
    }

    @Test func sameAnswersAsTheAsynchronousPath() async throws {
        let router = router()
        for target in ["/page/7", "/secret", "/style.css"] {
            let immediate = try #require(now(router, request(.get, target)), "\(target)")
            let awaited = await router.respond(to: request(.get, target))
            #expect(immediate.status == awaited.status, "\(target)")
            #expect(immediate.body == awaited.body, "\(target)")
            #expect(immediate.headers.values("X-Order") == awaited.headers.values("X-Order"), "\(target)")
            #expect(immediate.route == awaited.route, "\(target)")
        }
        let page = try #require(now(router, request(.get, "/page/7")))
        #expect(page.body == Array("page 7".utf8))
        #expect(page.headers.values("X-Order") == ["inner", "outer"])
        #expect(page.route == "/page/{id}")
        // A filter's own early answer skips its own `after`, but the outer ones see it.
        let secret = try #require(now(router, request(.get, "/secret")))
        #expect(secret.status == .forbidden)
        #expect(secret.headers.values("X-Order") == ["outer"])
    }

    @Test func waitingHandlersAndOtherMiddlewareTakeTheAsynchronousPath() {
        let router = router()
        #expect(now(router, request(.get, "/slow")) == nil)
        #expect(now(router, request(.post, "/page/1")) == nil)
        struct Plain: HTTPMiddleware {
            func respond(to request: HTTPRequest, next: Next) async -> HTTPResponse { await next(request) }
        }
        var mixed = self.router()
        mixed.use(Plain())
        #expect(now(mixed, request(.get, "/page/1")) == nil)
    }

    /// A staged route: `/form/ok` needs to wait, anything else is refused at once. Counts how often it runs, so a
    /// test can tell the work done at once is not done again later.
    func stagedRouter(runs: Counter) -> Router {
        var router = Router()
        router.use(Mark(name: "outer"))
        router.use(Mark(name: "inner", refuse: "/form/secret"))
        router.post("/form/{id}", staged: { request in
            runs.bump()
            guard request.parameters["id"] == "ok" else { return .now(.error(.unprocessableContent)) }
            return .later {
                try? await Task.sleep(for: .milliseconds(1))
                return .text("stored")
            }
        })
        return router
    }

    @Test func stagedRoutesAnswerRefusalsAtOnceAndHandBackOnlyTheWaitingWork() async throws {
        let runs = Counter()
        let router = stagedRouter(runs: runs)
        let refused = try #require(now(router, request(.post, "/form/bad")))
        #expect(refused.status == .unprocessableContent)
        #expect(refused.headers.values("X-Order") == ["inner", "outer"])
        #expect(refused.route == "/form/{id}")

        guard case .later(let work) = router.answer(to: request(.post, "/form/ok")) else {
            Issue.record("a lead that must be stored was answered at once")
            return
        }
        #expect(runs.count == 2)
        let stored = await work()
        // The filters' `after` and the route label apply to the answer that came later, and the handler's
        // first part did not run again.
        #expect(stored.body == Array("stored".utf8))
        #expect(stored.headers.values("X-Order") == ["inner", "outer"])
        #expect(stored.route == "/form/{id}")
        #expect(runs.count == 2)

        // A filter's early answer skips the handler entirely.
        let secret = try #require(now(router, request(.post, "/form/secret")))
        #expect(secret.status == .forbidden)
        #expect(secret.headers.values("X-Order") == ["outer"])
        #expect(runs.count == 2)
    }

    @Test func stagedRoutesGiveTheSameAnswersOnTheAsynchronousPath() async {
        let runs = Counter()
        let router = stagedRouter(runs: runs)
        for target in ["/form/bad", "/form/ok", "/form/secret"] {
            let staged = await router.answer(to: request(.post, target)).response()
            let awaited = await router.respond(to: request(.post, target))
            #expect(staged.status == awaited.status, "\(target)")
            #expect(staged.body == awaited.body, "\(target)")
            #expect(staged.headers.values("X-Order") == awaited.headers.values("X-Order"), "\(target)")
            #expect(staged.route == awaited.route, "\(target)")
        }
    }

    @Test func stagedRoutesOverTheWire() async throws {
        let runs = Counter()
        try await TestServer.with(stagedRouter(runs: runs)) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("POST /form/bad HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"
                                  + "POST /form/ok HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n")
            let first = try await client.readResponse()
            let second = try await client.readResponse()
            #expect(first.status == 422)
            #expect(second.status == 200)
            #expect(second.body == Array("stored".utf8))
            #expect(runs.count == 2)
        }
    }

    @Test func manyPipelinedImmediateRequestsAreAnsweredInOrder() async throws {
        try await TestServer.with(router()) { server in
            let client = try await RawClient.connect(port: server.port)
            let count = 2000
            try await client.send(String(repeating: "GET /page/1 HTTP/1.1\r\nHost: a\r\n\r\n", count: count - 1)
                                  + "GET /page/2 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            for index in 0..<count {
                let response = try await client.readResponse()
                #expect(response.text == (index == count - 1 ? "page 2" : "page 1"))
            }
        }
    }
}
