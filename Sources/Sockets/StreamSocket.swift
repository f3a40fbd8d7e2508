import Dispatch

/// A connected, non-blocking socket driven by Dispatch read and write sources on its own serial queue.
///
/// Writes are buffered: what the kernel does not take at once is sent when the socket becomes writable,
/// so a slow reader never blocks a thread. Every method and callback runs on `queue`.
///
/// `@unchecked Sendable`: all mutable state is read and written only on `queue`: the Dispatch sources' handlers run
/// there, and every public method must be called there (callers hop with `queue.async`), so no two threads ever
/// touch it at once.
public final class StreamSocket: @unchecked Sendable {
    public let socket: Socket
    public let peer: SocketAddress
    public let queue: DispatchQueue

    /// Callbacks are dropped when the socket closes, which breaks any cycle through what they capture; during a
    /// call the socket holds its own reference to the callback, so closing from inside one is safe.
    /// Bytes as they arrive. The buffer is only valid during the call.
    public var onRead: ((UnsafeRawBufferPointer) -> Void)?
    /// The peer sent FIN: no more bytes will come, but answers can still be sent. Reading stops.
    /// When nil, the socket closes at end of input.
    public var onEndOfInput: (() -> Void)?
    /// The socket was closed, by `close()` or because the connection failed. Called once.
    public var onClose: (() -> Void)?
    /// Everything queued with `write` has reached the kernel.
    public var onDrained: (() -> Void)?

    private let readSource: DispatchSourceRead
    private let writeSource: DispatchSourceWrite
    private var readSuspended = true
    private var writeSuspended = true
    private var output: [UInt8] = []
    private var outputOffset = 0
    private var shutdownAfterDrain = false
    private var closed = false

    public static let readChunkSize = 16 * 1024

    public init(socket: Socket, peer: SocketAddress, queue: DispatchQueue) {
        self.socket = socket
        self.peer = peer
        self.queue = queue
        self.readSource = DispatchSource.makeReadSource(fileDescriptor: socket.fd, queue: queue)
        self.writeSource = DispatchSource.makeWriteSource(fileDescriptor: socket.fd, queue: queue)
        installHandlers()
    }

    /// Starts reading. Call once, on `queue`.
    public func start() {
        resumeReading()
    }

    /// Installed at once, so that even a socket closed before `start()` closes its descriptor.
    private func installHandlers() {
        readSource.setEventHandler { [weak self] in self?.readAvailable() }
        writeSource.setEventHandler { [weak self] in self?.flush() }
        // The descriptor is closed only after both sources are cancelled, as Dispatch requires;
        // closing it earlier could let a new connection reuse the number under a live source.
        let cancelled = DispatchGroup()
        cancelled.enter()
        cancelled.enter()
        readSource.setCancelHandler { cancelled.leave() }
        writeSource.setCancelHandler { cancelled.leave() }
        cancelled.notify(queue: queue) { [socket] in socket.close() }
    }

    public var isClosed: Bool { closed }
    public var pendingOutputBytes: Int { output.count - outputOffset }

    public func pauseReading() {
        guard !readSuspended, !closed else { return }
        readSuspended = true
        readSource.suspend()
    }

    public func resumeReading() {
        guard readSuspended, !closed else { return }
        readSuspended = false
        readSource.resume()
    }

    /// Queues bytes for sending and sends as much as the kernel takes now.
    public func write(_ bytes: [UInt8]) {
        guard !closed, !bytes.isEmpty else { return }
        if pendingOutputBytes == 0 {
            output = bytes
            outputOffset = 0
        } else {
            output.append(contentsOf: bytes)
        }
        flush()
    }

    /// Sends FIN once all queued bytes are out; reading goes on so the peer's late bytes do not cause a reset.
    public func shutdownWriteAfterDrain() {
        guard !closed else { return }
        shutdownAfterDrain = true
        if pendingOutputBytes == 0 { socket.shutdownWrite() }
    }

    /// Closes at once; queued output is dropped.
    public func close() {
        guard !closed else { return }
        closed = true
        output = []
        outputOffset = 0
        onRead = nil
        onDrained = nil
        onEndOfInput = nil
        // A suspended source never runs its cancel handler, so resume before cancelling.
        if readSuspended { readSuspended = false; readSource.resume() }
        if writeSuspended { writeSuspended = false; writeSource.resume() }
        readSource.cancel()
        writeSource.cancel()
        let handler = onClose
        onClose = nil
        handler?()
    }

    private func readAvailable() {
        guard !closed else { return }
        withUnsafeTemporaryAllocation(byteCount: Self.readChunkSize, alignment: 1) { buffer in
            switch socket.read(into: buffer) {
            case .bytes(let count):
                // Held for the call: the handler may close the socket, which drops `onRead` (and what it keeps alive).
                let handler = onRead
                handler?(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            case .wouldBlock:
                break
            case .endOfStream:
                if let handler = onEndOfInput {
                    // The read source stays readable at EOF; stop it or it would fire forever.
                    pauseReading()
                    handler()
                } else {
                    close()
                }
            case .failed:
                close()
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
                if writeSuspended { writeSuspended = false; writeSource.resume() }
                return
            case .failed:
                close()
                return
            }
        }
        output = []
        outputOffset = 0
        if !writeSuspended { writeSuspended = true; writeSource.suspend() }
        if shutdownAfterDrain { socket.shutdownWrite() }
        let drained = onDrained
        drained?()
    }
}
