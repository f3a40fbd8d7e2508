import Foundation
import Testing
@testable import Outbox

/// Every state change of the circuit, with the clock given by the test.
@Suite struct ReceiverCircuitTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    func opened(_ settings: ReceiverCircuit.Settings = .init()) -> ReceiverCircuit {
        var circuit = ReceiverCircuit(settings: settings)
        for index in 0..<settings.failuresToOpen { _ = circuit.fail(lead: "LEAD-\(index)", now: start) }
        return circuit
    }

    @Test func opensOnlyAfterConsecutiveFailures() {
        var circuit = ReceiverCircuit()
        let opened1 = circuit.fail("HTTP 503", now: start)
        #expect(opened1 == false)
        let opened2 = circuit.fail("HTTP 503", now: start)
        #expect(opened2 == false)
        // An answer in between starts the count again: one lost connection now and then never opens it.
        let closing3 = circuit.recordAnswer(delivered: true, now: start)
        #expect(closing3 == nil)
        let opened4 = circuit.fail("HTTP 503", now: start)
        #expect(opened4 == false)
        let opened5 = circuit.fail("timed out", now: start)
        #expect(opened5 == false)
        #expect(circuit.allowsCalls)
        let opened6 = circuit.fail("timed out", now: start)
        #expect(opened6 == true)
        #expect(circuit.state == .open)
        #expect(!circuit.allowsCalls)
        #expect(circuit.openedAt == start)
        #expect(circuit.lastReason == "timed out")
    }

    @Test func probesGoOneAtATimeAndWaitLongerAfterEachFailure() {
        var circuit = opened()
        #expect(circuit.probeDue == start.addingTimeInterval(2))
        let probing7 = circuit.takeProbe(now: start.addingTimeInterval(1.9))
        #expect(!probing7)
        let probing8 = circuit.takeProbe(now: start.addingTimeInterval(2))
        #expect(probing8)
        #expect(circuit.state == .halfOpen)
        let probing9 = circuit.takeProbe(now: start.addingTimeInterval(100))
        #expect(!probing9, "a second probe waits for the first")
        #expect(!circuit.allowsCalls)
        // Failed probes: 4, 8, 16, then 30 s at most.
        var now = start.addingTimeInterval(2)
        for expected in [4.0, 8, 16, 30, 30] {
            let opened10 = circuit.fail("HTTP 503", now: now)
            #expect(opened10 == false)
            #expect(circuit.state == .open)
            #expect(circuit.probeDue == now.addingTimeInterval(expected))
            now = now.addingTimeInterval(expected)
            let probing11 = circuit.takeProbe(now: now)
            #expect(probing11)
        }
    }

    @Test func oneLeadFailingAgainAndAgainNeverOpensIt() {
        var circuit = ReceiverCircuit()
        for minute in 0..<10 {
            let opened = circuit.fail("HTTP 500", lead: "AAA-AAA-AAA", now: start.addingTimeInterval(Double(minute) * 60))
            #expect(!opened)
        }
        #expect(circuit.allowsCalls, "one lead's own trouble is for its backoff")
        let second = circuit.fail("HTTP 500", lead: "BBB-BBB-BBB", now: start)
        let third = circuit.fail("HTTP 500", lead: "CCC-CCC-CCC", now: start)
        #expect(!second && third, "three different leads in a row: the receiver is down")
    }

    @Test func aFailureOfACallFromAnEarlierGenerationIsIgnored() {
        var circuit = ReceiverCircuit()
        let before = circuit.generation
        for lead in ["A", "B", "C"] { _ = circuit.fail(lead: lead, now: start) }
        #expect(circuit.state == .open)
        let probing = circuit.takeProbe(now: start.addingTimeInterval(2))
        #expect(probing)
        // A call from before the circuit opened times out now: not the probe's failure.
        let stale = circuit.recordUnavailable(reason: "timed out", lead: "D", startedIn: before, now: start)
        #expect(!stale)
        #expect(circuit.state == .halfOpen)
        let closing = circuit.recordAnswer(delivered: true, now: start.addingTimeInterval(3))
        #expect(closing?.flush == true)
        // Calls from the outage that end after the close cannot reopen it.
        let outageGeneration = circuit.generation - 1
        for lead in ["E", "F", "G"] {
            _ = circuit.recordUnavailable(reason: "timed out", lead: lead, startedIn: outageGeneration, now: start)
        }
        #expect(circuit.state == .closed)
    }

    @Test func aCallThatStartedBeforeItOpenedChangesNothing() {
        var circuit = opened()
        let due = circuit.probeDue
        let opened12 = circuit.fail("timed out", now: start.addingTimeInterval(1))
        #expect(opened12 == false)
        #expect(circuit.state == .open)
        #expect(circuit.probeDue == due)
    }

    @Test func aDeliveryClosesItAndAsksForTheFlush() {
        var circuit = opened()
        let probing13 = circuit.takeProbe(now: start.addingTimeInterval(2))
        #expect(probing13)
        let closing = circuit.recordAnswer(delivered: true, now: start.addingTimeInterval(3))
        #expect(closing == ReceiverCircuit.Closing(openedAt: start, flush: true))
        #expect(circuit.state == .closed)
        #expect(circuit.allowsCalls)
        #expect(circuit.openedAt == nil)
        #expect(circuit.probeDue == nil)
        // Once: the next delivery is ordinary.
        let closing14 = circuit.recordAnswer(delivered: true, now: start.addingTimeInterval(4))
        #expect(closing14 == nil)
    }

    @Test func aRefusalClosesItButTheFlushWaitsForADelivery() {
        var circuit = opened()
        let probing15 = circuit.takeProbe(now: start.addingTimeInterval(2))
        #expect(probing15)
        // HERO answered (it refused the key, say): reachable, but the backlog would only be refused too.
        #expect(
            circuit.recordAnswer(delivered: false, now: start.addingTimeInterval(3))
                == ReceiverCircuit.Closing(openedAt: start, flush: false))
        #expect(circuit.allowsCalls)
        #expect(
            circuit.recordAnswer(delivered: true, now: start.addingTimeInterval(9))
                == ReceiverCircuit.Closing(openedAt: nil, flush: true))
        let closing16 = circuit.recordAnswer(delivered: true, now: start.addingTimeInterval(10))
        #expect(closing16 == nil)
    }

    @Test func aCallInFlightWhenItOpenedMayCloseIt() {
        var circuit = opened()
        let closing17 = circuit.recordAnswer(delivered: true, now: start.addingTimeInterval(1))
        #expect(closing17?.flush == true)
        #expect(circuit.state == .closed)
    }

    @Test func aProbeWithNothingToSendWaitsAsLongAgain() {
        var circuit = opened()
        let probing18 = circuit.takeProbe(now: start.addingTimeInterval(2))
        #expect(probing18)
        circuit.probeEnded(now: start.addingTimeInterval(2))
        #expect(circuit.state == .open)
        #expect(circuit.probeDue == start.addingTimeInterval(4))
    }

    @Test func reopensWithTheFirstProbeDelayAfterRecovering() {
        var circuit = opened()
        let probing19 = circuit.takeProbe(now: start.addingTimeInterval(2))
        #expect(probing19)
        _ = circuit.fail("HTTP 503", now: start.addingTimeInterval(2))
        _ = circuit.recordAnswer(delivered: true, now: start.addingTimeInterval(5))
        let later = start.addingTimeInterval(100)
        for _ in 0..<3 { _ = circuit.fail("HTTP 503", now: later) }
        #expect(circuit.state == .open)
        #expect(circuit.probeDue == later.addingTimeInterval(2))
    }
}

extension ReceiverCircuit {
    /// A failure of a call that started in the current generation, for `lead` (a new lead each time unless named).
    mutating func fail(_ reason: String = "HTTP 503", lead: String = UUID().uuidString, now: Date) -> Bool {
        recordUnavailable(reason: reason, lead: lead, startedIn: generation, now: now)
    }
}
