/// Routes requests by method and path, runs middleware around them, and falls back to a handler (static files,
/// typically) for GET and HEAD requests no route claims.
///
/// Middleware added with `use` runs around every answer; a `group` of routes has middleware of its own that runs
/// only for its routes (and for the router's 405/OPTIONS answers on their paths), so no middleware has to
/// recognise paths itself. Build it at start-up, then hand it to the server; it is an immutable value from then on.
package struct Router: HTTPResponder, RouteBuilder {
    /// A route as a builder adds it; made by `RouteBuilder.on`.
    package struct Route: Sendable {
        let method: HTTPMethod
        let pattern: PathPattern
        let bodyLimit: Int?
        /// The group's middleware, outermost first: it also guards the router's own answers on this path.
        let middleware: [any HTTPMiddleware]
        /// The handler inside the group's middleware, errors rendered at every step.
        let chain: Next
    }

    private var routes: [Route] = []
    private var middleware: [any HTTPMiddleware] = []
    private var fallback: Next?
    package var defaultBodyLimit: Int

    package init(defaultBodyLimit: Int = 64 * 1024) {
        self.defaultBodyLimit = defaultBodyLimit
    }

    package var groupMiddleware: [any HTTPMiddleware] { [] }

    package mutating func add(_ route: Route) { routes.append(route) }

    /// Middleware run in the order added, the first one outermost, around every answer: routes, groups, the
    /// fallback and the router's own 404/405.
    package mutating func use(_ middleware: any HTTPMiddleware) {
        self.middleware.append(middleware)
    }

    /// Answers GET and HEAD requests that match no route.
    package mutating func fallback(_ handler: @escaping HTTPHandler) {
        fallback = .rendering(handler)
    }

    /// The route label of answers from the fallback handler.
    package static let fallbackRoute = "(files)"

    package func bodyLimit(for head: HTTPRequestHead) -> Int {
        guard let segments = PathPattern.segments(of: head.path),
            let (route, _) = find(head.method, segments)
        else { return defaultBodyLimit }
        return route.bodyLimit ?? defaultBodyLimit
    }

    package func respond(to request: HTTPRequest) async -> HTTPResponse {
        let inner = Next { await self.dispatch($0) }
        return await (middleware.isEmpty ? inner : Next.chain(middleware, around: inner))(request)
    }

    /// The answer of the matching route, the fallback, or the router itself; labelled with the route's pattern
    /// for metrics.
    private func dispatch(_ request: HTTPRequest) async -> HTTPResponse {
        if request.path == "*" {
            return allowResponse(Self.implementedMethods)
        }
        let isRead = request.method == .get || request.method == .head
        guard let segments = PathPattern.segments(of: request.path) else {
            // No route has such a path (an encoded slash, NUL or broken escape); files decide for themselves.
            if isRead, let fallback { return Self.labelled(await fallback(request), Self.fallbackRoute) }
            return .error(.notFound)
        }
        if let (route, parameters) = find(request.method, segments) {
            var routed = request
            routed.parameters = parameters
            return Self.labelled(await route.chain(routed), route.pattern.description)
        }
        let onPath = routes.filter { $0.pattern.match(segments) != nil }
        if isRead, let fallback {
            // On a guarded path (a GET to a POST route) the files answer inside the guards, which may refuse first.
            guard let first = onPath.first else { return Self.labelled(await fallback(request), Self.fallbackRoute) }
            return Self.labelled(await Next.chain(first.middleware, around: fallback)(request), Self.fallbackRoute)
        }
        var allowed = Set(onPath.map(\.method))
        if fallback != nil { allowed.formUnion([.get, .head]) }
        if allowed.contains(.get) { allowed.insert(.head) }
        guard !allowed.isEmpty else { return .error(.notFound) }
        let answer = methodAnswer(request.method, allowed: allowed)
        guard let first = onPath.first else { return answer }
        // A wrong method on a guarded path is answered inside the guards, which may refuse it first.
        var routed = request
        routed.parameters = first.pattern.match(segments) ?? [:]
        let guarded = Next.chain(first.middleware, around: Next { _ in answer })
        return Self.labelled(await guarded(routed), first.pattern.description)
    }

    /// 204 with `Allow` for OPTIONS, else 405 with `Allow`.
    private func methodAnswer(_ method: HTTPMethod, allowed: Set<HTTPMethod>) -> HTTPResponse {
        if method == .options { return allowResponse(allowed.union([.options])) }
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

    private static func labelled(_ response: HTTPResponse, _ route: String) -> HTTPResponse {
        var labelled = response
        labelled.route = route
        return labelled
    }

    private static let implementedMethods: Set<HTTPMethod> = [.get, .head, .post, .options]

    private func allowResponse(_ methods: Set<HTTPMethod>) -> HTTPResponse {
        HTTPResponse(status: .noContent, headers: ["Allow": Self.allowValue(methods)])
    }

    private static func allowValue(_ methods: Set<HTTPMethod>) -> String {
        methods.map(\.rawValue).sorted().joined(separator: ", ")
    }
}

/// Routes with middleware of their own, added to a router with `group`.
package struct RouteGroup: RouteBuilder {
    package let groupMiddleware: [any HTTPMiddleware]
    var routes: [Router.Route] = []

    package mutating func add(_ route: Router.Route) { routes.append(route) }
}

/// What routes are added to: the router itself, or a group with its own middleware.
package protocol RouteBuilder {
    /// Middleware of this group (outermost first) that runs around each of its routes.
    var groupMiddleware: [any HTTPMiddleware] { get }
    mutating func add(_ route: Router.Route)
}

extension RouteBuilder {
    /// Adds a route. `bodyLimit` overrides the router's default body limit for it.
    package mutating func on(
        _ method: HTTPMethod, _ path: String, bodyLimit: Int? = nil,
        _ handler: @escaping HTTPHandler
    ) {
        add(
            Router.Route(
                method: method, pattern: PathPattern(path), bodyLimit: bodyLimit, middleware: groupMiddleware,
                chain: Next.chain(groupMiddleware, around: .rendering(handler))))
    }

    package mutating func get(_ path: String, _ handler: @escaping HTTPHandler) { on(.get, path, handler) }

    package mutating func post(_ path: String, bodyLimit: Int? = nil, _ handler: @escaping HTTPHandler) {
        on(.post, path, bodyLimit: bodyLimit, handler)
    }

    /// Routes added in `build` run inside `middleware` (the first outermost), within this builder's own.
    package mutating func group(_ middleware: any HTTPMiddleware..., routes build: (inout RouteGroup) -> Void) {
        var group = RouteGroup(groupMiddleware: groupMiddleware + middleware)
        build(&group)
        for route in group.routes { add(route) }
    }
}
