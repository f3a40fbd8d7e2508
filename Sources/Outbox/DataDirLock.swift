import FoundationEssentials

#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on a data dir (`flock` on `heroform.lock`), held by the process that delivers from it. Two
/// servers on one outbox could each believe the other's call had died and send a lead twice; the second one
/// therefore refuses to start. The operator CLI does not take it: it only changes rows.
package final class DataDirLock: Sendable {
    private let fd: Int32

    package struct Busy: Error, CustomStringConvertible {
        package let path: String
        package var description: String { "another heroform process is using \(path); one data dir per running server" }
    }

    package struct CannotOpen: Error, CustomStringConvertible {
        package let path: String
        package let reason: String
        package var description: String { "cannot open \(path): \(reason)" }
    }

    package init(dataDir: String) throws {
        let path = dataDir.joiningPath("heroform.lock")
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CannotOpen(path: path, reason: String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw Busy(path: dataDir)
        }
        self.fd = fd
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
