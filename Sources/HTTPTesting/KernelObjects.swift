import Foundation
package import HTTPServer
import Sockets

/// A thread or descriptor of this process, recorded with what /proc/self shows only while it is that very object:
/// a thread by its name and start time, a socket by its inode, an epoll set by the token of its loop's eventfd.
/// So a later check cannot take a newcomer given the same number (another test's, running in parallel) for it,
/// and counts nothing but what one server held.
package struct KernelObject: Hashable, Sendable, CustomStringConvertible {
    package enum Kind: Sendable { case thread, descriptor }

    package let kind: Kind
    package let number: Int32
    /// For a thread its name and start time; for a descriptor its link and, where given, an fdinfo line.
    private let mark: String

    package var description: String { "\(kind == .thread ? "thread" : "descriptor") \(number): \(mark)" }

    /// Whether it still exists: the same thread, the same descriptor, not a newcomer with its number.
    package var exists: Bool {
        switch kind {
        case .thread: Self.threadMark(number) == mark
        case .descriptor: Self.descriptorMark(number, containing: fdinfoLine) == mark
        }
    }

    private var fdinfoLine: String? {
        mark.split(separator: "\n", maxSplits: 1).dropFirst().first.map(String.init)
    }

    /// The thread with task id `id` as it is now; nil when there is none.
    package static func thread(_ id: Int32) -> KernelObject? {
        threadMark(id).map { KernelObject(kind: .thread, number: id, mark: $0) }
    }

    /// The descriptor `fd` as it is now; nil when it is closed, or `containing` is not in its fdinfo.
    package static func descriptor(_ fd: Int32, containing: String? = nil) -> KernelObject? {
        descriptorMark(fd, containing: containing).map { KernelObject(kind: .descriptor, number: fd, mark: $0) }
    }

    private static func threadMark(_ id: Int32) -> String? {
        guard let name = read("/proc/self/task/\(id)/comm"), let stat = read("/proc/self/task/\(id)/stat"),
            let end = stat.lastIndex(of: ")")
        else { return nil }
        // Field 22, the start time, is the 20th after the name (which may hold spaces, so it is skipped first).
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        guard fields.count > 19 else { return nil }
        return name.trimmingCharacters(in: .whitespacesAndNewlines) + " started " + fields[19]
    }

    private static func descriptorMark(_ fd: Int32, containing: String?) -> String? {
        guard let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)") else {
            return nil
        }
        guard let containing else { return link }
        let lines = read("/proc/self/fdinfo/\(fd)")?.split(separator: "\n") ?? []
        guard let line = lines.first(where: { $0.contains(containing) }) else { return nil }
        return link + "\n" + line
    }

    private static func read(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}

extension KernelObject {
    /// What a started server holds: each loop's thread and epoll set, the listener's thread and sockets. Waits
    /// until every thread has run (it records its task id then). Their eventfds are left out: /proc shows nothing
    /// unique to an eventfd (the kernel hands its id on at once), and each is closed in the same step as the epoll
    /// set or listening sockets beside it.
    package static func held(by server: HTTPServer) async throws -> [KernelObject] {
        let loops = server.eventLoops
        guard let listener = server.listener else { throw Missing(what: "the listener of a server not started") }
        var objects: [KernelObject] = []
        for loop in loops {
            objects.append(try runningThread(await threadID { loop.threadID }))
            // The loop's eventfd is in its epoll set under a token unique in the process (fdinfo prints it in hex).
            let token = "data: " + String(loop.wakeToken, radix: 16)
            guard let epoll = descriptor(loop.epollDescriptor, containing: token) else {
                throw Missing(what: "epoll set \(loop.epollDescriptor) with \(token)")
            }
            objects.append(epoll)
        }
        objects.append(try runningThread(await threadID { listener.threadID }))
        for fd in listener.socketDescriptors {
            guard let socket = descriptor(fd) else { throw Missing(what: "listening socket \(fd)") }
            objects.append(socket)
        }
        return objects
    }

    /// Those of `objects` that still exist after up to `timeout`. A thread that has done its last work is removed
    /// by the kernel a moment later: a stopped server's threads are given that moment, a leaked one never goes.
    package static func left(of objects: [KernelObject], within timeout: Duration = .seconds(30)) async
        -> [KernelObject]
    {
        let deadline = ContinuousClock.now + timeout
        var left = objects.filter(\.exists)
        while !left.isEmpty && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
            left = left.filter(\.exists)
        }
        return left
    }

    private static func runningThread(_ id: Int32?) throws -> KernelObject {
        guard let id, let found = thread(id) else { throw Missing(what: "thread \(id ?? 0)") }
        return found
    }

    /// A thread's task id once it has run; a minute allows for a loaded machine.
    private static func threadID(_ id: () -> Int32?) async -> Int32? {
        for _ in 0..<6000 {
            if let id = id() { return id }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return id()
    }

    struct Missing: Error, CustomStringConvertible {
        let what: String
        var description: String { "not found under /proc/self: \(what)" }
    }
}
