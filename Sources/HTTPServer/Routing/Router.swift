/// Routes requests by method and path, runs middleware around them, and falls back to a handler
/// (static files, typically) for GET and HEAD requests no route claims.
///
/// Build it at start-up, then hand it to the server; it is an immutable value from then on.
public struct Router: HTTPResponder {
    struct Route: Sendable {
        let method: HTTPMethod
        let pattern: PathPattern
        let bodyLimit: Int?
        let handler: HTTPHandler
        /// The same handler, staged: it answers at once where it can (for the immediate path).
        var staged: HTTPStagedHandler?
    }

    private var routes: [Route] = []
    private var middleware: [any HTTPMiddleware] = []
    /// The middleware again, as filters, when every one of them is a filter (else the immediate path is off).
    private var filters: [any HTTPFilter] = []
    private var allFilters = true
    private var fallback: HTTPHandler?
    private var immediateFallback: HTTPImmediateHandler?
    private typealias Staged = () -> HTTPAnswer
    public var defaultBodyLimit: Int

    public init(defaultBodyLimit: Int = 64 * 1024) {
        self.defaultBodyLimit = defaultBodyLimit
    }

    /// Adds a route. `bodyLimit` overrides the default body limit for it.
    public mutating func on(_ method: HTTPMethod, _ path: String, bodyLimit: Int? = nil, _ handler: @escaping HTTPHandler) {
        routes.append(Route(method: method, pattern: PathPattern(path), bodyLimit: bodyLimit, handler: handler))
    }

    public mutating func get(_ path: String, _ handler: @escaping HTTPHandler) { on(.get, path, handler) }

    /// A GET route whose handler never waits: it can answer on the connection's queue, without a task.
    /// (A trailing closure that does not `await` picks this one by itself, which is what it should do.)
    public mutating func get(_ path: String, immediate handler: @escaping HTTPImmediateHandler) {
        routes.append(Route(method: .get, pattern: PathPattern(path), bodyLimit: nil, handler: { handler($0) },
                            staged: { .now(handler($0)) }))
    }

    public mutating func post(_ path: String, bodyLimit: Int? = nil, _ handler: @escaping HTTPHandler) {
        on(.post, path, bodyLimit: bodyLimit, handler)
    }

    /// A POST route that answers at once when it can (a refusal, say) and hands back only the work that waits.
    public mutating func post(_ path: String, bodyLimit: Int? = nil, staged handler: @escaping HTTPStagedHandler) {
        routes.append(Route(method: .post, pattern: PathPattern(path), bodyLimit: bodyLimit,
                            handler: { await handler($0).response() }, staged: handler))
    }

    /// Middleware run in the order added, the first one outermost, around routes and fallback alike.
    public mutating func use(_ middleware: any HTTPMiddleware) {
        self.middleware.append(middleware)
        if let filter = middleware as? any HTTPFilter { filters.append(filter) } else { allFilters = false }
    }

    /// Answers GET and HEAD requests that match no route.
    public mutating func fallback(_ handler: @escaping HTTPHandler) {
        fallback = handler
        immediateFallback = nil
    }

    public mutating func fallback(immediate handler: @escaping HTTPImmediateHandler) {
        fallback = { handler($0) }
        immediateFallback = handler
    }

    /// Answers without a task as far as the route (or fallback) and every middleware allow; else the whole request
    /// is work for later. Same answers as `respond`: filters run in the same order, around the same handler.
    public func answer(to request: HTTPRequest) -> HTTPAnswer {
        guard allFilters, let inner = stagedHandler(for: request) else { return .later { await respond(to: request) } }
        var early: HTTPResponse?
        var outer = filters.count
        for (depth, filter) in filters.enumerated() {
            if let answer = filter.before(request) {
                early = answer
                outer = depth
                break
            }
        }
        let afters = filters[..<outer].reversed()
        let finish: @Sendable (HTTPResponse) -> HTTPResponse = { [self] response in
            var answer = response
            for filter in afters { answer = filter.after(request, answer) }
            if answer.route == nil { answer.route = routeLabel(for: request) }
            return answer
        }
        if let early { return .now(finish(early)) }
        return inner().map(finish)
    }

    /// What would answer the request when it can start without waiting: a route's staged handler, the immediate
    /// fallback, or an answer the router gives itself (404, 405, OPTIONS).
    private func stagedHandler(for request: HTTPRequest) -> Staged? {
        let canFallBack = (request.method == .get || request.method == .head) && fallback != nil
        if request.path == "*" { return nil }
        guard let segments = PathPattern.segments(of: request.path) else {
            guard canFallBack else { return nil }
            guard let immediateFallback else { return nil }
            return {
                var response = immediateFallback(request)
                response.route = Self.fallbackRoute
                return .now(response)
            }
        }
        if let (route, parameters) = find(request.method, segments) {
            guard let staged = route.staged else { return nil }
            var routed = request
            routed.parameters = parameters
            let label = route.pattern.description
            return {
                staged(routed).map { response in
                    var labelled = response
                    labelled.route = label
                    return labelled
                }
            }
        }
        guard canFallBack, let immediateFallback else { return nil }
        return {
            var response = immediateFallback(request)
            response.route = Self.fallbackRoute
            return .now(response)
        }
    }

    public func bodyLimit(for head: HTTPRequestHead) -> Int {
        guard let segments = PathPattern.segments(of: head.path),
              let (route, _) = find(head.method, segments) else { return defaultBodyLimit }
        return route.bodyLimit ?? defaultBodyLimit
    }

    public func respond(to request: HTTPRequest) async -> HTTPResponse {
        let chain = middleware.reversed().reduce(Next { await self.dispatch($0) }) { next, middleware in
            Next { await middleware.respond(to: $0, next: next) }
        }
        var response = await chain(request)
        // A middleware that answered itself (a 403, a preflight) still counts for the route it guarded.
        if response.route == nil { response.route = routeLabel(for: request) }
        return response
    }

    /// The pattern of the route a request is for, whatever its method; nil when none matches.
    private func routeLabel(for request: HTTPRequest) -> String? {
        guard let segments = PathPattern.segments(of: request.path) else { return nil }
        return routes.first { $0.pattern.match(segments) != nil }?.pattern.description
    }

    private func dispatch(_ request: HTTPRequest) async -> HTTPResponse {
        if request.path == "*" {
            return allowResponse(Self.implementedMethods)
        }
        guard let segments = PathPattern.segments(of: request.path) else {
            // No route has such a path (an encoded slash, NUL or broken escape); files decide for themselves.
            if (request.method == .get || request.method == .head), let fallback {
                var response = await fallback(request)
                response.route = Self.fallbackRoute
                return response
            }
            return .error(.notFound)
        }
        if let (route, parameters) = find(request.method, segments) {
            var request = request
            request.parameters = parameters
            var response = await route.handler(request)
            response.route = route.pattern.description
            return response
        }
        var allowed = Set(routes.filter { $0.pattern.match(segments) != nil }.map(\.method))
        if (request.method == .get || request.method == .head), let fallback {
            var response = await fallback(request)
            response.route = Self.fallbackRoute
            return response
        }
        if fallback != nil { allowed.formUnion([.get, .head]) }
        if allowed.contains(.get) { allowed.insert(.head) }
        if request.method == .options && !allowed.isEmpty {
            allowed.insert(.options)
            return allowResponse(allowed)
        }
        if allowed.isEmpty { return .error(.notFound) }
        var response = HTTPResponse.error(.methodNotAllowed)
        response.headers.set("Allow", Self.allowValue(allowed.union([.options])))
        return response
    }

    /// HEAD is answered by the GET route (the connection drops the body).
    private func find(_ method: HTTPMethod, _ segments: [String]) -> (Route, [String: String])? {
        let lookup = method == .head ? HTTPMethod.get : method
        for route in routes where route.method == lookup {
            if let parameters = route.pattern.match(segments) { return (route, parameters) }
        }
        return nil
    }

    /// The route label of answers from the fallback handler.
    public static let fallbackRoute = "(files)"

    private static let implementedMethods: Set<HTTPMethod> = [.get, .head, .post, .options]

    private func allowResponse(_ methods: Set<HTTPMethod>) -> HTTPResponse {
        HTTPResponse(status: .noContent, headers: ["Allow": Self.allowValue(methods)])
    }

    private static func allowValue(_ methods: Set<HTTPMethod>) -> String {
        methods.map(\.rawValue).sorted().joined(separator: ", ")
    }
}
