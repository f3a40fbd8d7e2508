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

/// Route groups with their own middleware, thrown errors rendered where they are thrown, and answers given with and
/// without waiting over the wire.
@Suite struct RouteGroupTests {
    struct Mark: HTTPMiddleware {
        let name: String
        var refuse: String? = nil
        func respond(to request: HTTPRequest, next: Next) async throws -> HTTPResponse {
            if let refuse, request.parameters["id"] == refuse { throw Refusal(status: .forbidden) }
            var marked = await next(request)
            marked.headers.add("X-Order", name)
            return marked
        }
    }

    /// A refusal that renders itself, naming the path it refused.
    struct Refusal: HTTPResponseError {
        let status: HTTPStatus
        func response(to request: HTTPRequest) -> HTTPResponse { .text("refused \(request.path)", status: status) }
    }

    struct Broken: Error {}

    func request(_ method: HTTPMethod, _ target: String) -> HTTPRequest {
        HTTPRequest(head: HTTPRequestHead(method: method, target: target, headers: ["Host": "a"]))
    }

    func router() -> Router {
        var router = Router()
        router.use(Mark(name: "outer"))
        router.get("/page/{id}") { .text("page \($0.parameters["id"] ?? "")") }
        router.group(Mark(name: "guard", refuse: "secret")) { group in
            group.get("/guarded/{id}") { request in
                if request.parameters["id"] == "refused" { throw Refusal(status: .unprocessableContent) }
                if request.parameters["id"] == "broken" { throw Broken() }
                return .text("guarded \(request.parameters["id"] ?? "")")
            }
            group.group(Mark(name: "inner")) { inner in
                inner.post("/guarded/{id}/post") { _ in .text("posted") }
            }
        }
        router.get("/slow") { _ in
            try await Task.sleep(for: .milliseconds(1))
            return .text("slow")
        }
        router.fallback { _ in .text("file") }
        return router
    }

    @Test func groupMiddlewareRunsOnlyForItsRoutes() async {
        let router = router()
        let page = await router.respond(to: request(.get, "/page/7"))
        #expect(page.body == Array("page 7".utf8))
        #expect(page.headers.values("X-Order") == ["outer"])
        #expect(page.route == "/page/{id}")
        let guarded = await router.respond(to: request(.get, "/guarded/7"))
        #expect(guarded.body == Array("guarded 7".utf8))
        #expect(guarded.headers.values("X-Order") == ["guard", "outer"])
        #expect(guarded.route == "/guarded/{id}")
        let file = await router.respond(to: request(.get, "/style.css"))
        #expect(file.headers.values("X-Order") == ["outer"])
        #expect(file.route == Router.fallbackRoute)
    }

    @Test func nestedGroupsRunOuterMiddlewareFirst() async {
        let posted = await router().respond(to: request(.post, "/guarded/1/post"))
        #expect(posted.body == Array("posted".utf8))
        #expect(posted.headers.values("X-Order") == ["inner", "guard", "outer"])
    }

    /// An encoded path reaches the same route, and so its group's middleware: no guard compares paths itself.
    @Test func anEncodedPathCannotSlipPastAGroupsMiddleware() async {
        let refused = await router().respond(to: request(.get, "/%67uarded/s%65cret"))
        #expect(refused.status == .forbidden)
        #expect(refused.route == "/guarded/{id}")
    }

    @Test func aThrownRefusalRendersItselfAndOuterMiddlewareStillSeesIt() async {
        let router = router()
        let refused = await router.respond(to: request(.get, "/guarded/refused"))
        #expect(refused.status == .unprocessableContent)
        #expect(refused.body == Array("refused /guarded/refused".utf8))
        #expect(refused.headers.values("X-Order") == ["guard", "outer"])
        #expect(refused.route == "/guarded/{id}")
        // A middleware's own refusal skips the handler and itself, but not the middleware outside it.
        let secret = await router.respond(to: request(.get, "/guarded/secret"))
        #expect(secret.status == .forbidden)
        #expect(secret.headers.values("X-Order") == ["outer"])
    }

    @Test func anyOtherErrorIsA500ThatSaysNothingOfItsCause() async {
        let broken = await router().respond(to: request(.get, "/guarded/broken"))
        #expect(broken.status == .internalServerError)
        #expect(!String(decoding: broken.body, as: UTF8.self).contains("Broken"))
        #expect(broken.headers.values("X-Order") == ["guard", "outer"])
    }

    /// The router's own 405 and OPTIONS answers on a group's path go through the group's middleware.
    @Test func methodAnswersOnAGroupsPathRunInsideItsMiddleware() async {
        let router = router()
        let wrong = await router.respond(to: request(.delete, "/guarded/1"))
        #expect(wrong.status == .methodNotAllowed)
        #expect(wrong.headers.values("X-Order") == ["guard", "outer"])
        let refused = await router.respond(to: request(.delete, "/guarded/secret"))
        #expect(refused.status == .forbidden)
        let options = await router.respond(to: request(.options, "/guarded/1/post"))
        #expect(options.status == .noContent)
        // The fallback answers GET and HEAD on every path.
        #expect(options.headers["Allow"] == "GET, HEAD, OPTIONS, POST")
        #expect(options.headers.values("X-Order") == ["inner", "guard", "outer"])
    }

    /// The files answer a GET on a POST route's path inside the route's group, so its guards see every method.
    @Test func theFallbackOnAGroupsPathRunsInsideItsMiddleware() async {
        let router = router()
        let get = await router.respond(to: request(.get, "/guarded/1/post"))
        #expect(get.body == Array("file".utf8))
        #expect(get.headers.values("X-Order") == ["inner", "guard", "outer"])
        #expect(get.route == Router.fallbackRoute)
        let elsewhere = await router.respond(to: request(.get, "/other/file"))
        #expect(elsewhere.headers.values("X-Order") == ["outer"])
    }

    @Test func answersWithAndWithoutWaitingArriveInOrderOverTheWire() async throws {
        try await TestServer.with(router()) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n"
                                  + "GET /guarded/refused HTTP/1.1\r\nHost: a\r\n\r\n"
                                  + "GET /slow HTTP/1.1\r\nHost: a\r\n\r\n"
                                  + "GET /page/3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            #expect(try await client.readResponse().text == "slow")
            #expect(try await client.readResponse().status == 422)
            #expect(try await client.readResponse().text == "slow")
            #expect(try await client.readResponse().text == "page 3")
        }
    }

    @Test func manyPipelinedRequestsAreAnsweredInOrder() async throws {
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
