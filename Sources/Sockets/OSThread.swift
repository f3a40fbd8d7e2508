import CEpoll

/// A detached POSIX thread of its own, for loops that block in system calls (`epoll_wait`, `accept`, `poll`) and
/// so must never hold one of the few threads Swift's concurrency or Dispatch share.
package enum OSThread {
    /// Starts `body` on a new thread named `name` (shown by `top -H`, perf and gdb; Linux keeps 15 bytes).
    /// Throws when the system refused a thread (out of memory, or over the process's thread limit).
    package static func start(name: String, _ body: @escaping @Sendable () -> Void) throws(SocketError) {
        let start = Unmanaged.passRetained(Start(name: name, body: body))
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, nil,
            { raw in
                guard let raw else { return nil }
                let start = Unmanaged<Start>.fromOpaque(raw).takeRetainedValue()
                _ = heroform_set_thread_name(start.name)
                start.body()
                return nil
            }, start.toOpaque())
        guard rc == 0 else {
            start.release()
            throw SocketError("pthread_create", code: rc)
        }
        pthread_detach(thread)
    }

    private final class Start: Sendable {
        let name: String
        let body: @Sendable () -> Void

        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }
}
