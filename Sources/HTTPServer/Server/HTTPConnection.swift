import Dispatch
import Logging
import Sockets
import Synchronization

/// One client connection: parses requests as bytes arrive, answers them in order, and enforces the
/// timeouts and limits. Runs entirely on its socket's serial queue. A body past the spool threshold is written to a
/// temporary file as it arrives (`RequestBodyCollector`), on that queue too.
///
/// `@unchecked Sendable`: every stored `var` is touched only on `stream.queue` — socket callbacks and the
/// timer run there, and the handler's result is sent back there with `queue.async` before use.
final class HTTPConnection: @unchecked Sendable {
    private enum State {
        case awaitingHead
        case readingBody(HTTPRequestHead, body: RequestBodyCollector, limit: Int)
        case responding
        case draining(keepAlive: Bool)
        case lingering
        case closed
    }

    private enum TimerPurpose { case idle, head, body, write, linger }

    let stream: StreamSocket
    private let configuration: HTTPServerConfiguration
    private let spoolBudget: SpoolBudget?
    private let responder: any HTTPResponder
    private let logger: Logger
    private let observer: (any HTTPObserver)?
    private let timer: any DispatchSourceTimer
    private var parser: HTTPRequestParser
    private var state: State = .awaitingHead
    private var timerPurpose: TimerPurpose = .head
    /// When the current purpose times out (nil: nothing to time out).
    private var deadline: DispatchTime?
    /// When the Dispatch timer fires next (nil: not scheduled).
    private var scheduledFor: DispatchTime?
    /// The peer's address as text, made once per connection rather than per request.
    private lazy var peerHost = stream.peer.host
    private var headStarted = true
    /// Set while `processInput` runs: an answer sent from inside it lets its loop read the next pipelined request,
    /// instead of recursing into it.
    private var processing = false
    private var requestStart = ContinuousClock.now
    private var inputEnded = false
    private var shuttingDown = false
    private var lingerDeadline = ContinuousClock.now
    private var bodyDeadline = ContinuousClock.now
    var onClosed: (() -> Void)?

    init(
        stream: StreamSocket, configuration: HTTPServerConfiguration, spoolBudget: SpoolBudget?,
        responder: any HTTPResponder, logger: Logger, observer: (any HTTPObserver)?
    ) {
        self.stream = stream
        self.spoolBudget = spoolBudget
        self.observer = observer
        self.configuration = configuration
        self.responder = responder
        self.logger = logger
        self.parser = HTTPRequestParser(limits: configuration.limits)
        self.timer = DispatchSource.makeTimerSource(queue: stream.queue)
    }

    /// Starts reading; on the socket's queue.
    func start() {
        timer.setEventHandler { [weak self] in self?.timerFired() }
        arm(.head, after: configuration.headTimeout)
        timer.resume()
        // Strong captures: the connection must live while one of its callbacks runs, even if that callback closes
        // it and the server lets go of it. The cycle through the socket ends when the socket closes.
        stream.start(
            StreamSocket.Callbacks(
                onRead: { [self] bytes in self.received(bytes) },
                onEndOfInput: { [self] in self.inputDidEnd() },
                onClose: { [self] in self.didClose() },
                onDrained: { [self] in self.outputDrained() }))
    }

    /// Stops taking new requests: an idle connection closes now, a busy one after its current answer.
    func beginShutdown() {
        shuttingDown = true
        switch state {
        case .awaitingHead where parser.isAtMessageBoundary:
            close()
        case .lingering:
            lingerDeadline = min(lingerDeadline, .now + Self.shutdownLinger)
            arm(.linger, after: Self.shutdownLinger)
        default:
            break
        }
    }

    /// While the server stops, a closing connection waits only briefly for the client's last bytes.
    private static let shutdownLinger = Duration.milliseconds(500)

    func close() {
        stream.close()
    }

    // MARK: - Input

    private func received(_ bytes: UnsafeRawBufferPointer) {
        switch state {
        case .closed:
            return
        case .lingering:
            // Dropped: the answer is out, these only keep the close from turning into a reset.
            arm(.linger, after: min(configuration.lingerTimeout, lingerDeadline - .now))
            return
        case .awaitingHead, .readingBody, .responding, .draining:
            parser.append(bytes)
        }
        if case .awaitingHead = state, !headStarted, !parser.isAtMessageBoundary {
            headStarted = true
            requestStart = .now
            arm(.head, after: configuration.headTimeout)
        }
        processInput()
        if case .responding = state, parser.bufferedByteCount > configuration.maxBufferedInput {
            stream.pauseReading()
        } else if case .draining = state, parser.bufferedByteCount > configuration.maxBufferedInput {
            stream.pauseReading()
        }
    }

    /// Turns buffered bytes into requests until one is complete and handed off, more bytes are needed,
    /// or the connection is done.
    private func processInput() {
        processing = true
        defer { processing = false }
        while true {
            switch state {
            case .awaitingHead, .readingBody: break
            default: return
            }
            guard let event = parser.next() else { return }
            switch event {
            case .head(let head):
                requestStart = .now
                let limit = responder.bodyLimit(for: head)
                if case .length(let length) = head.framing, length > limit {
                    return fail(.contentTooLarge, "request body larger than \(limit) bytes", head: head)
                }
                let body: RequestBodyCollector
                do {
                    var expectedLength: Int?
                    if case .length(let length) = head.framing { expectedLength = length }
                    body = try RequestBodyCollector(
                        spoolDirectory: configuration.bodySpoolDirectory,
                        threshold: configuration.bodySpoolThreshold, expectedLength: expectedLength,
                        budget: spoolBudget)
                } catch {
                    return spoolFailed(error, head: head)
                }
                if head.expectsContinue && head.framing != .none && head.framing != .length(0) {
                    stream.write(ResponseEncoder.continueResponse)
                }
                state = .readingBody(head, body: body, limit: limit)
                bodyDeadline = .now + configuration.bodyTotalTimeout
                armBodyTimer()

            case .body(let bytes):
                guard case .readingBody(let head, var body, let limit) = state else { return }
                if body.count + bytes.count > limit {
                    return fail(.contentTooLarge, "request body larger than \(limit) bytes", head: head)
                }
                state = .responding // releases `body`'s storage from `state`, so the append does not copy
                do {
                    // Once spooling, a blocking write to a local file, right here on the connection's queue: it
                    // returns in microseconds, and when the disk does hold it back, the upload should wait for it
                    // (see `RequestBodyCollector`).
                    try body.append(bytes)
                } catch {
                    return spoolFailed(error, head: head)
                }
                state = .readingBody(head, body: body, limit: limit)
                armBodyTimer()

            case .end(let trailers):
                guard case .readingBody(let head, let body, _) = state else { return }
                // An answer given without waiting may be out (and the connection back to `.awaitingHead`) when
                // this returns.
                dispatch(HTTPRequest(head: head, body: body.finish(), trailers: trailers, remoteAddress: peerHost))

            case .error(let error):
                return fail(error.status, error.description, head: nil)
            }
        }
    }

    private func inputDidEnd() {
        inputEnded = true
        switch state {
        case .responding, .draining:
            return // answered first, then closed
        case .awaitingHead, .readingBody, .lingering, .closed:
            // Nothing complete to answer: a half-sent request can never be finished now.
            close()
        }
    }

    // MARK: - Answering

    /// Starts the responder in a task that runs right here, on the connection's queue, until it first has to wait:
    /// an answer that needs no waiting (a page, a refusal) is sent without a hop to another thread.
    private func dispatch(_ request: HTTPRequest) {
        state = .responding
        disarm()
        let queue = stream.queue
        let handoff = InlineHandoff()
        let responder = self.responder
        Task.immediate {
            let response = await responder.respond(to: request)
            if !handoff.keep(response) { queue.async { self.finish(request.head, response) } }
        }
        if let response = handoff.take() { finish(request.head, response) }
    }

    private func finish(_ head: HTTPRequestHead, _ response: HTTPResponse) {
        guard case .responding = state else { return }
        // The client's FIN counts only once this queue has read it, and the loop hands it over on its own schedule:
        // one read after the answer was made still closes the connection, once the answer is out (`inputDidEnd`).
        let keepAlive = head.keepAlive && !shuttingDown && !inputEnded
        send(response, for: head, keepAlive: keepAlive)
    }

    /// Answers a request that cannot be read on, then closes: the framing of what follows is unknown.
    private func fail(_ status: HTTPStatus, _ detail: String, head: HTTPRequestHead?) {
        send(.error(status, detail), for: head, keepAlive: false)
    }

    /// The body's spool file could not be made or written (directory gone, disk full, no permission): answered with
    /// `BodySpoolError.response` (503), then closed. Logged here, once per request, with the system's reason and
    /// nothing from the request. The partial file goes with the collector, dropped with the state.
    private func spoolFailed(_ error: BodySpoolError, head: HTTPRequestHead) {
        // A full budget is the bound doing its work (many uploads at once, or a flood of them), not a fault.
        logger.log(
            level: error.budget == nil ? .error : .warning,
            "request body could not be spooled",
            metadata: [
                "error": "\(error)", "directory": "\(configuration.bodySpoolDirectory ?? "-")",
            ])
        send(BodySpoolError.response, for: head, keepAlive: false)
    }

    private func send(_ response: HTTPResponse, for head: HTTPRequestHead?, keepAlive: Bool) {
        let includeBody = head?.method != .head
        let (bytesHead, body) = ResponseEncoder.encode(
            response, includeBody: includeBody, keepAlive: keepAlive,
            version: head?.version ?? .http1_1)
        logAccess(head, response)
        state = .draining(keepAlive: keepAlive)
        arm(.write, after: configuration.writeTimeout)
        stream.write(bytesHead, body) // may call outputDrained() before it returns
    }

    private func outputDrained() {
        guard case .draining(let keepAlive) = state else { return }
        if keepAlive {
            nextRequest()
        } else if inputEnded {
            close()
        } else {
            startLingering()
        }
    }

    private func nextRequest() {
        state = .awaitingHead
        stream.resumeReading()
        if parser.isAtMessageBoundary {
            headStarted = false
            arm(.idle, after: configuration.keepAliveTimeout)
            if inputEnded || shuttingDown { close() }
        } else {
            headStarted = true
            arm(.head, after: configuration.headTimeout)
            if !processing { processInput() } // else its loop goes on with the next request
        }
    }

    private func startLingering() {
        state = .lingering
        stream.shutdownWriteAfterDrain()
        stream.resumeReading()
        lingerDeadline = .now + (shuttingDown ? Self.shutdownLinger : configuration.lingerLimit)
        arm(.linger, after: min(configuration.lingerTimeout, lingerDeadline - .now))
    }

    private func didClose() {
        state = .closed
        timer.cancel()
        let handler = onClosed
        onClosed = nil
        handler?()
    }

    // MARK: - Timers

    /// Sets the one deadline that matters now. The Dispatch timer is rescheduled only when the deadline moves
    /// earlier than its next firing: each reschedule costs a system call, and a busy keep-alive connection moves
    /// its deadline on every request. A timer that fires early finds the later deadline and sleeps on.
    private func arm(_ purpose: TimerPurpose, after duration: Duration) {
        timerPurpose = purpose
        let (seconds, attoseconds) = duration.components
        let nanoseconds = max(0, Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
        let next = DispatchTime.now() + .nanoseconds(nanoseconds)
        deadline = next
        if scheduledFor.map({ next < $0 }) ?? true { schedule(next) }
    }

    private func schedule(_ time: DispatchTime) {
        scheduledFor = time
        timer.schedule(deadline: time, leeway: .milliseconds(50))
    }

    /// The body timer: the pause allowed until the next piece, but never past the whole body's deadline.
    private func armBodyTimer() {
        arm(.body, after: min(configuration.bodyTimeout, bodyDeadline - .now))
    }

    private func disarm() {
        deadline = nil
    }

    private func timerFired() {
        scheduledFor = nil
        guard let due = deadline else { return }
        guard DispatchTime.now() >= due else {
            schedule(due)
            return
        }
        deadline = nil
        switch (timerPurpose, state) {
        case (.idle, .awaitingHead):
            close()
        case (.head, .awaitingHead):
            fail(.requestTimeout, "request head not received in time", head: nil)
        case (.body, .readingBody(let head, _, _)):
            fail(.requestTimeout, "request body not received in time", head: head)
        case (.write, .draining), (.linger, .lingering):
            close()
        default:
            break
        }
    }

    private func logAccess(_ head: HTTPRequestHead?, _ response: HTTPResponse) {
        let status = response.status
        let duration = ContinuousClock.now - requestStart
        observer?.requestCompleted(
            method: head?.method, route: response.route ?? "-", status: status, duration: duration)
        let elapsed = duration.components
        let tenths = elapsed.seconds * 10_000 + elapsed.attoseconds / 100_000_000_000_000
        // The path only: a query may carry personal data. Built only when the line is logged.
        logger.info(
            "request",
            metadata: [
                "method": "\(head?.method.rawValue ?? "-")",
                "path": "\(head.map { String($0.path.prefix(200)) } ?? "-")",
                "status": "\(status.code)", "duration_ms": "\(tenths / 10).\(tenths % 10)",
            ])
    }
}

/// Hands an answer from the responder's task back to `dispatch` when the task finished before `dispatch` returned
/// (it never had to wait); otherwise the task sends it to the connection's queue itself.
private final class InlineHandoff: Sendable {
    private enum State {
        case waiting
        case answered(HTTPResponse)
        case returned
    }

    private let state = Mutex(State.waiting)

    /// Keeps the answer for `take()`; false when `dispatch` has already returned without one.
    func keep(_ response: HTTPResponse) -> Bool {
        state.withLock { state in
            guard case .waiting = state else { return false }
            state = .answered(response)
            return true
        }
    }

    /// The answer when the task already finished; else marks that the task must send it itself.
    func take() -> HTTPResponse? {
        state.withLock { state in
            if case .answered(let response) = state { return response }
            state = .returned
            return nil
        }
    }
}
