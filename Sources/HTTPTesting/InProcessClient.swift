package import HTTPServer

/// Sends requests straight to a responder, without sockets or threads of its own, like HummingbirdTesting's
/// router mode. The request text is read by the server's own parser (the same limits and refusals, the body limit
/// from the responder) and the answer is framed by the server's own encoder, so a test sees what a client on a
/// socket would, and the observer (metrics) is told as the connection tells it. Timeouts, pipelining and
/// connection handling are not in play (nor `100 Continue`): those stay with the tests over real sockets.
/// Given a spool directory, it spools large bodies to temporary files as the server does, with the same collector.
package struct InProcessClient: Sendable {
    package let responder: any HTTPResponder
    package let observer: (any HTTPObserver)?
    /// The peer address the responder sees.
    package var remoteAddress: String
    /// As `HTTPServerConfiguration.bodySpoolDirectory`: nil keeps every body in memory.
    package var bodySpoolDirectory: String?
    /// As `HTTPServerConfiguration.bodySpoolThreshold`.
    package var bodySpoolThreshold: Int
    /// As `HTTPServer.spoolBudget`: shared by the requests this client sends.
    package let spoolBudget: SpoolBudget?

    package init(
        _ responder: any HTTPResponder, observer: (any HTTPObserver)? = nil,
        remoteAddress: String = "127.0.0.1", bodySpoolDirectory: String? = nil,
        bodySpoolThreshold: Int = HTTPServerConfiguration.defaultBodySpoolThreshold, bodySpoolLimit: Int? = nil
    ) {
        self.responder = responder
        self.observer = observer
        self.remoteAddress = remoteAddress
        self.bodySpoolDirectory = bodySpoolDirectory
        self.bodySpoolThreshold = bodySpoolThreshold
        spoolBudget = bodySpoolLimit.map(SpoolBudget.init)
    }

    /// Spooling bodies as a server with `configuration` does.
    package init(
        _ responder: any HTTPResponder, observer: (any HTTPObserver)? = nil, configuration: HTTPServerConfiguration
    ) {
        self.init(
            responder, observer: observer, bodySpoolDirectory: configuration.bodySpoolDirectory,
            bodySpoolThreshold: configuration.bodySpoolThreshold, bodySpoolLimit: configuration.bodySpoolLimit)
    }

    /// Sends one request, given as its exact bytes on the wire, and returns the answer.
    package func send(_ text: String) async throws -> RawResponse {
        try await send(Array(text.utf8))
    }

    package func send(_ bytes: [UInt8]) async throws -> RawResponse {
        let start = ContinuousClock.now
        var parser = HTTPRequestParser()
        parser.append(bytes)
        var head: HTTPRequestHead?
        var body: RequestBodyCollector?
        while let event = parser.next() {
            switch event {
            case .head(let next):
                head = next
                var expectedLength: Int?
                if case .length(let length) = next.framing {
                    if length > responder.bodyLimit(for: next) {
                        return try refuse(tooLarge(next), for: next, start: start)
                    }
                    expectedLength = length
                }
                do {
                    body = try RequestBodyCollector(
                        spoolDirectory: bodySpoolDirectory, threshold: bodySpoolThreshold,
                        expectedLength: expectedLength, budget: spoolBudget)
                } catch {
                    return try refuse(BodySpoolError.response, for: next, start: start)
                }
            case .body(let bytes):
                guard let head, var collector = body else {
                    throw RawClient.Failure(description: "the parser gave a body before a head")
                }
                if collector.count + bytes.count > responder.bodyLimit(for: head) {
                    return try refuse(tooLarge(head), for: head, start: start)
                }
                body = nil // releases the collector's storage, so the append does not copy
                do {
                    try collector.append(bytes)
                } catch {
                    return try refuse(BodySpoolError.response, for: head, start: start)
                }
                body = collector
            case .end(let trailers):
                guard let head, let body else {
                    throw RawClient.Failure(description: "the parser ended a request it never began")
                }
                // One request per call: what follows it (a smuggled second request) would go unanswered here.
                guard parser.bufferedByteCount == 0 else {
                    throw RawClient.Failure(description: "bytes after the request: send one request per call")
                }
                let request = HTTPRequest(
                    head: head, body: body.finish(), trailers: trailers, remoteAddress: remoteAddress)
                return try answer(await responder.respond(to: request), for: head, start: start)
            case .error(let error):
                // As the connection does: the head may be read, but the answer is for an unreadable request.
                return try refuse(.error(error.status, error.description), for: nil, start: start)
            }
        }
        throw RawClient.Failure(description: "the request is incomplete")
    }

    /// The connection's answer when it cannot read on: the framing of what follows is unknown, so it closes.
    private func refuse(
        _ response: HTTPResponse, for head: HTTPRequestHead?,
        start: ContinuousClock.Instant
    ) throws -> RawResponse {
        try answer(response, for: head, keepAlive: false, start: start)
    }

    private func tooLarge(_ head: HTTPRequestHead) -> HTTPResponse {
        .error(.contentTooLarge, "request body larger than \(responder.bodyLimit(for: head)) bytes")
    }

    private func answer(
        _ response: HTTPResponse, for head: HTTPRequestHead?, keepAlive: Bool? = nil,
        start: ContinuousClock.Instant
    ) throws -> RawResponse {
        observer?.requestCompleted(
            method: head?.method, route: response.route ?? "-", status: response.status,
            duration: .now - start)
        let (encodedHead, body) = ResponseEncoder.encode(
            response, includeBody: head?.method != .head,
            keepAlive: keepAlive ?? head?.keepAlive ?? false,
            version: head?.version ?? .http1_1)
        var raw = try RawResponse(head: String(decoding: encodedHead, as: UTF8.self))
        raw.body = body
        return raw
    }
}
