import Foundation
import Testing
@testable import Outbox

/// Every state change of the circuit, with the clock given by the test.
@Suite struct ReceiverCircuitTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    func opened(_ settings: ReceiverCircuit.Settings = .init()) -> ReceiverCircuit {
        var circuit = ReceiverCircuit(settings: settings)
        for _ in 0..<settings.failuresToOpen { _ = circuit.recordUnavailable(reason: "HTTP 503", now: start) }
        return circuit
    }

    @Test func opensOnlyAfterConsecutiveFailures() {
        var circuit = ReceiverCircuit()
        let opened1 = circuit.recordUnavailable(reason: "HTTP 503", now: start)
        #expect(opened1 == false)
        let opened2 = circuit.recordUnavailable(reason: "HTTP 503", now: start)
        #expect(opened2 == false)
        // An answer in between starts the count again: one lost connection now and then never opens it.
        let closing3 = circuit.recordAnswer(delivered: true, now: start)
        #expect(closing3 == nil)
        let opened4 = circuit.recordUnavailable(reason: "HTTP 503", now: start)
        #expect(opened4 == false)
        let opened5 = circuit.recordUnavailable(reason: "timed out", now: start)
        #expect(opened5 == false)
        #expect(circuit.allowsCalls)
        let opened6 = circuit.recordUnavailable(reason: "timed out", now: start)
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
            let opened10 = circuit.recordUnavailable(reason: "HTTP 503", now: now)
            #expect(opened10 == false)
            #expect(circuit.state == .open)
            #expect(circuit.probeDue == now.addingTimeInterval(expected))
            now = now.addingTimeInterval(expected)
            let probing11 = circuit.takeProbe(now: now)
            #expect(probing11)
        }
    }

    @Test func aCallThatStartedBeforeItOpenedChangesNothing() {
        var circuit = opened()
        let due = circuit.probeDue
        let opened12 = circuit.recordUnavailable(reason: "timed out", now: start.addingTimeInterval(1))
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
        circuit.probeFoundNothing(now: start.addingTimeInterval(2))
        #expect(circuit.state == .open)
        #expect(circuit.probeDue == start.addingTimeInterval(4))
    }

    @Test func reopensWithTheFirstProbeDelayAfterRecovering() {
        var circuit = opened()
        let probing19 = circuit.takeProbe(now: start.addingTimeInterval(2))
        #expect(probing19)
        _ = circuit.recordUnavailable(reason: "HTTP 503", now: start.addingTimeInterval(2))
        _ = circuit.recordAnswer(delivered: true, now: start.addingTimeInterval(5))
        let later = start.addingTimeInterval(100)
        for _ in 0..<3 { _ = circuit.recordUnavailable(reason: "HTTP 503", now: later) }
        #expect(circuit.state == .open)
        #expect(circuit.probeDue == later.addingTimeInterval(2))
    }
}
