import Dispatch
import Foundation
import Synchronization
import Testing
@testable import HTTPClient

@Suite struct BlockingThreadsTests {
    @Test func runsWorkOnThreadsOfItsOwnAndReturnsItsResult() async throws {
        let threads = BlockingThreads(limit: 2, name: "test.blocking")
        let name = await threads.run { Thread.current.name ?? "" }
        #expect(name == "test.blocking")
        #expect(await threads.run { 42 } == 42)
        await #expect(throws: HTTPClientError.timedOut) {
            try await threads.run { () throws(HTTPClientError) -> Int in throw .timedOut }
        }
    }

    @Test func blockedWorkLeavesSwiftsCooperativeThreadsFree() async throws {
        // Three jobs wait for a signal that only an async task sends. Had they run on the cooperative pool (as many
        // threads as cores), they would hold it and the signal would never come: each would time out.
        let threads = BlockingThreads(limit: 3, name: "test.blocking")
        let signal = DispatchSemaphore(value: 0)
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<3 {
                group.addTask { await threads.run { signal.wait(timeout: .now() + 10) == .success } ?? false }
            }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(100))
                for _ in 0..<3 { signal.signal() }
                return true
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results == [true, true, true, true])
    }

    @Test func refusesWorkBeyondTheWaitingLimitAtOnce() async throws {
        // One thread, held by a job that waits for a signal; two more jobs may wait, the fourth is refused.
        let threads = BlockingThreads(limit: 1, name: "test.blocking", maxWaiting: 2)
        let release = DispatchSemaphore(value: 0)
        let started = Mutex(false)
        async let first = threads.run { () -> Int in
            started.withLock { $0 = true }
            _ = release.wait(timeout: .now() + 30)
            return 1
        }
        for _ in 0..<3000 where !started.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
        async let second = threads.run { 2 }
        async let third = threads.run { 3 }
        for _ in 0..<3000 where threads.waitingJobs < 2 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(threads.waitingJobs == 2)
        let refused = await threads.run { 4 }
        #expect(refused == nil, "a job beyond the waiting limit is refused at once, not queued")
        release.signal()
        #expect(await first == 1)
        #expect(await second == 2)
        #expect(await third == 3)
        #expect(await threads.run { 5 } == 5, "with the queue drained, work is taken again")
    }

    @Test func neverRunsMoreThanTheLimitAtOnce() async throws {
        let threads = BlockingThreads(limit: 3, name: "test.blocking")
        let running = Peak()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<12 {
                group.addTask {
                    await threads.run {
                        running.enter()
                        Thread.sleep(forTimeInterval: 0.05)
                        running.leave()
                    }
                }
            }
        }
        #expect(running.peak == 3)
        #expect(threads.threadCount == 3)
    }

    @Test func idleThreadsEndAndNewWorkStartsOneAgain() async throws {
        let threads = BlockingThreads(limit: 4, name: "test.blocking", idleTimeout: .milliseconds(300))
        // Four jobs that each wait until all four run: four threads must have started.
        let running = Peak()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    await threads.run {
                        running.enter()
                        for _ in 0..<1000 where running.peak < 4 { Thread.sleep(forTimeInterval: 0.01) }
                    }
                }
            }
        }
        #expect(running.peak == 4)
        for _ in 0..<500 where threads.threadCount > 0 { try await Task.sleep(for: .milliseconds(20)) }
        #expect(threads.threadCount == 0)
        // Counted from inside the job: after it, the new thread may already have idled out under load.
        #expect(await threads.run { threads.threadCount } == 1)
    }

    @Test func workStillRunsWhenTheSystemRefusesThreads() async throws {
        struct Refused: Error {}
        let threads = BlockingThreads(limit: 2, name: "test.blocking", startThread: { _, _ in throw Refused() })
        #expect(await threads.run { 42 } == 42)
        #expect(threads.threadCount == 0)
    }
}

/// How many ran at once, at most.
final class Peak: Sendable {
    private let state = Mutex((now: 0, peak: 0))
    func enter() { state.withLock { $0.now += 1; $0.peak = max($0.peak, $0.now) } }
    func leave() { state.withLock { $0.now -= 1 } }
    var peak: Int { state.withLock { $0.peak } }
}
