import Synchronization
import Testing
@testable import Outbox

@Suite struct DeadlineTests {
    @Test func theWorksValueWhenItIsInTime() async {
        #expect(await withDeadline(.seconds(30)) { 42 } == 42)
    }

    @Test func nilWhenTimeRunsOutAndTheWorkGoesOn() async throws {
        // The work cannot end before the deadline has answered, however the parallel suite schedules tasks.
        let release = Flag(), finished = Flag()
        let value = await withDeadline(.milliseconds(50)) { () -> Int in
            while !release.isSet { try? await Task.sleep(for: .milliseconds(10)) }
            finished.set()
            return 1
        }
        #expect(value == nil)
        release.set()
        for _ in 0..<500 where !finished.isSet {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(finished.isSet, "the work was not cancelled by the deadline")
    }

    @Test func theTimerEndsWithTheWork() async throws {
        // A timer that slept on for the whole timeout after every lead held memory for it.
        let timerEnded = Flag()
        let value = await withDeadline(.seconds(3600), sleep: { duration in
            defer { timerEnded.set() }
            try await Task.sleep(for: duration)
        }) { 7 }
        #expect(value == 7)
        for _ in 0..<100 where !timerEnded.isSet {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(timerEnded.isSet)
    }

    @Test func aTimerThatEndsWithoutCancellationStillEndsTheWait() async {
        // A sleep that ends early, by returning or throwing, but not cancelled, is time run out.
        let release = Flag()
        let value = await withDeadline(.seconds(1), sleep: { _ in }) { () -> Int in
            while !release.isSet { try? await Task.sleep(for: .milliseconds(10)) }
            return 1
        }
        #expect(value == nil)
        release.set()
    }
}

private final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .acquiring) }
    func set() { value.store(true, ordering: .releasing) }
}
