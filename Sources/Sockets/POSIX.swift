// heroform runs on Linux (glibc): the Docker image and the servers it is deployed to.
@_exported import Glibc

let sockStream = Int32(SOCK_STREAM.rawValue)
/// Sockets are never inherited by child processes: a child holding a copy would keep a closed connection open
/// (no FIN reaches the peer) for as long as it lives.
package let socketStreamCloseOnExec = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
/// Per-call protection against SIGPIPE, on top of ignoring the signal process-wide.
let noSignalFlag = Int32(MSG_NOSIGNAL)

/// Process-wide settings a socket server needs before it opens its first socket.
package enum ProcessSetup {
    /// A peer that resets its connection must never kill the process: writes then fail with EPIPE instead.
    package static func ignoreSIGPIPE() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// Raises the soft limit on open files to the hard limit, so thousands of idle connections fit.
    /// Returns the limit now in effect.
    @discardableResult
    package static func raiseFileDescriptorLimit() -> Int {
        var limit = rlimit()
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        guard getrlimit(resource, &limit) == 0 else { return 0 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(resource, &raised) == 0 { return Int(raised.rlim_cur) }
        }
        return Int(limit.rlim_cur)
    }
}
