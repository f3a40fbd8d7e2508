package import Foundation
import Synchronization

/// Starts child processes one at a time. Foundation's `Process.run()` on Linux is not safe to call from several
/// threads at once: the parallel suite (command-line tests, the browser's driver, the accessibility engine's lookup)
/// crashed inside it now and then (a bad pointer in its memcpy).
package enum ProcessLaunch {
    private static let lock = Mutex(())

    package static func run(_ process: Process) throws {
        try lock.withLock { _ in try process.run() }
    }
}
