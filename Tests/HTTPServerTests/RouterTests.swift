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
