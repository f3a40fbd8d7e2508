package import Dispatch

/// A connected, non-blocking socket on an `EventLoop`: its descriptor sits in the loop's edge-triggered epoll set
/// from `start(_:)` to `close()`, and every callback runs on the loop's serial queue.
///
/// Writes are buffered: what the kernel does not take at once is sent when the socket becomes writable,
/// so a slow reader never blocks a thread.
///
/// `@unchecked Sendable`: all mutable state is read and written only on `queue`: the loop delivers readiness
/// there, and every public method must be called there (callers hop with `queue.async`), so no two threads ever
/// touch it at once.
package final class StreamSocket: @unchecked Sendable {
    package let socket: Socket
    package let peer: SocketAddress
    package let loop: EventLoop
    package var queue: DispatchQueue { loop.queue }

    /// What the socket reports to its owner, all on `queue`. Given once, to `start`; no one can change them after.
    package struct Callbacks {
        /// Bytes as they arrive. The buffer is only valid during the call.
        package var onRead: ((UnsafeRawBufferPointer) -> Void)?
        /// The peer sent FIN: no more bytes will come, but answers can still be sent. Reading stops.
        /// When nil, the socket closes at end of input.
        package var onEndOfInput: (() -> Void)?
        /// The socket was closed, by `close()` or because the connection failed. Called once.
        package var onClose: (() -> Void)?
        /// Everything queued with `write` has reached the kernel.
        package var onDrained: (() -> Void)?

        package init(
            onRead: ((UnsafeRawBufferPointer) -> Void)? = nil, onEndOfInput: (() -> Void)? = nil,
            onClose: (() -> Void)? = nil, onDrained: (() -> Void)? = nil
        ) {
            self.onRead = onRead
            self.onEndOfInput = onEndOfInput
            self.onClose = onClose
            self.onDrained = onDrained
        }
    }

    /// Set by `start`, dropped at close, which breaks any cycle through what the callbacks capture. During a call
    /// the socket holds its own reference to the callback, so closing from inside one is safe.
    private var callbacks = Callbacks()
    private var started = false
    /// Set by `start`; nil before, or when the loop refused the descriptor.
    private var token: UInt64?
    private var readPaused = true
    /// Edge-triggered epoll reports a change once: whether unread input (or the peer's FIN) may be waiting is
    /// remembered here until a read finds the buffer empty.
    private var mayHaveInput = false
    private var peerClosed = false
    private var readScheduled = false
    private var output: [UInt8] = []
    private var outputOffset = 0
    private var shutdownAfterDrain = false
    private var closed = false

    package static let readChunkSize = 16 * 1024

    package init(socket: Socket, peer: SocketAddress, loop: EventLoop) {
        self.socket = socket
        self.peer = peer
        self.loop = loop
    }

    /// Joins the loop's epoll set and starts reading, reporting to `callbacks`. Call once, on `queue`; a second call
    /// changes nothing. A socket closed before its start reports `onClose` from here, so its owner still learns it.
    package func start(_ callbacks: Callbacks) {
        guard !started else { return }
        started = true
        guard !closed else {
            callbacks.onClose?()
            return
        }
        self.callbacks = callbacks
        guard let token = loop.register(self) else {
            close()
            return
        }
        self.token = token
        resumeReading()
    }

    package var isClosed: Bool { closed }
    package var pendingOutputBytes: Int { output.count - outputOffset }

    package func pauseReading() {
        readPaused = true
    }

    package func resumeReading() {
        guard readPaused, !closed else { return }
        readPaused = false
        // Input that arrived while paused raised its edge then: read it now, from a fresh turn of the queue so the
        // caller is not re-entered.
        if mayHaveInput && !readScheduled {
            readScheduled = true
            queue.async { [self] in
                readScheduled = false
                readAvailable()
            }
        }
    }

    /// Queues bytes for sending and sends as much as the kernel takes now.
    package func write(_ bytes: [UInt8]) {
        write(bytes, [])
    }

    /// Queues `head` then `body` and sends as much as the kernel takes now, in one system call when nothing else
    /// is waiting; only what the kernel did not take is copied into the output buffer.
    package func write(_ head: [UInt8], _ body: [UInt8]) {
        guard !closed, !(head.isEmpty && body.isEmpty) else { return }
        guard pendingOutputBytes == 0 else {
            output.append(contentsOf: head)
            output.append(contentsOf: body)
            flush()
            return
        }
        let result = head.withUnsafeBytes { first in body.withUnsafeBytes { second in socket.write(first, second) } }
        var sent = 0
        switch result {
        case .written(let count): sent = count
        case .wouldBlock: break
        case .failed:
            close()
            return
        }
        output = []
        outputOffset = 0
        if sent < head.count {
            output.append(contentsOf: head[sent...])
            output.append(contentsOf: body)
        } else if sent < head.count + body.count {
            output.append(contentsOf: body[(sent - head.count)...])
        }
        flush()
    }

    /// Sends FIN once all queued bytes are out; reading goes on so the peer's late bytes do not cause a reset.
    package func shutdownWriteAfterDrain() {
        guard !closed else { return }
        shutdownAfterDrain = true
        if pendingOutputBytes == 0 { socket.shutdownWrite() }
    }

    /// Closes at once; queued output is dropped.
    package func close() {
        guard !closed else { return }
        closed = true
        output = []
        outputOffset = 0
        let onClose = callbacks.onClose
        callbacks = Callbacks()
        if let token { loop.unregister(token) }
        // Closing the descriptor also takes it out of the epoll set; the token is gone first, so an event for it
        // still in the batch being handled finds nothing.
        socket.close()
        onClose?()
    }

    /// Readiness reported by the loop.
    func handle(events: UInt32) {
        let readiness = Readiness(events: events)
        if readiness.readable {
            mayHaveInput = true
            if readiness.peerClosed { peerClosed = true }
            if !readPaused { readAvailable() }
        }
        if readiness.writable && pendingOutputBytes > 0 && !closed { flush() }
    }

    private func readAvailable() {
        withUnsafeTemporaryAllocation(byteCount: Self.readChunkSize, alignment: 1) { buffer in
            reading: while mayHaveInput && !readPaused && !closed {
                switch socket.read(into: buffer) {
                case .bytes(let count):
                    // A short read emptied the kernel's buffer (new input raises a new edge) — unless the FIN is
                    // still queued behind it, which only another read reports.
                    if count < buffer.count && !peerClosed { mayHaveInput = false }
                    // Held for the call: the handler may close the socket, which drops `onRead` (and what it keeps
                    // alive).
                    let handler = callbacks.onRead
                    handler?(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                case .wouldBlock:
                    mayHaveInput = false
                case .endOfStream:
                    // `mayHaveInput` stays set: reading again after a resume reports the end again.
                    if let handler = callbacks.onEndOfInput {
                        pauseReading()
                        handler()
                        // Even if the handler resumed reading, the end is reported again only on a later turn of
                        // the queue, so a handler that always resumes cannot spin here.
                        break reading
                    } else {
                        close()
                    }
                case .failed:
                    close()
                }
            }
        }
    }

    private func flush() {
        guard !closed else { return }
        while pendingOutputBytes > 0 {
            let result = output.withUnsafeBytes { raw in
                socket.write(UnsafeRawBufferPointer(rebasing: raw[outputOffset...]))
            }
            switch result {
            case .written(let count):
                outputOffset += count
            case .wouldBlock:
                return // the loop calls again when the socket turns writable
            case .failed:
                close()
                return
            }
        }
        output = []
        outputOffset = 0
        if shutdownAfterDrain { socket.shutdownWrite() }
        let drained = callbacks.onDrained
        drained?()
    }
}
