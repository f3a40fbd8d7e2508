package import FoundationEssentials

/// Whether the receiver (HERO) is worth calling now: closed while it answers; open after consecutive "unavailable"
/// outcomes for a few different leads, so new leads are stored and answered at once instead of each waiting out a
/// timeout; half-open while one probe (a real pending lead) finds out whether it answers again. Failures of one lead
/// alone never open it: that may be the lead's own problem, and its own backoff handles it.
///
/// Each opening and closing starts a new generation. A failure reported by a call that started in an earlier one
/// (a timeout of a call from before the circuit opened, or from the outage after it closed) says nothing about now and
/// is ignored; an answer from any call proves the receiver reachable.
///
/// Any answer of the receiver closes the circuit, a refusal too: it proves the receiver is reachable. The backlog an
/// outage left is made due again only by a delivered lead (`Closing.flush`), so a receiver that answers but refuses
/// the key does not get every waiting lead at once.
///
/// A pure state machine; the delivery worker holds it under its lock and acts on the transitions it returns.
package struct ReceiverCircuit: Sendable, Equatable {
    package enum State: String, Sendable {
        case closed
        case open
        case halfOpen = "half-open"
    }

    package struct Settings: Sendable, Equatable {
        /// Different leads that must find the receiver unavailable in a row to open the circuit. More than one, so a
        /// single lost connection (or one lead the receiver fails on) does not turn the next visitors' calls away.
        package var failuresToOpen = 3
        /// The first probe comes this long after the circuit opened; each failed probe doubles the wait, up to
        /// `maxProbeDelay`, so a recovered receiver is noticed within that long.
        package var firstProbeDelay: TimeInterval = 2
        package var maxProbeDelay: TimeInterval = 30

        package init() {}
    }

    /// What a closing means for the worker.
    package struct Closing: Sendable, Equatable {
        /// When the circuit opened; nil when it was closed already (it closed on a refusal, and this delivery
        /// only flushes).
        package var openedAt: Date?
        /// Make every lead and file the outage pushed out due now: a lead was delivered, so the receiver takes them.
        package var flush: Bool
    }

    package private(set) var state = State.closed
    /// The leads that found the receiver unavailable since its last answer.
    private var failingLeads: Set<String> = []
    /// Counts openings and closings; a call notes it when it starts.
    package private(set) var generation = 0
    /// When the circuit opened, while it is open or half-open.
    package private(set) var openedAt: Date?
    /// The latest "unavailable" reason (for the log and alerts; never personal data).
    package private(set) var lastReason: String?
    private(set) var nextProbeAt: Date?
    private var probeDelay: TimeInterval
    /// The circuit opened and no lead was delivered since: the next delivery flushes the backlog.
    private var flushOwed = false
    let settings: Settings

    package init(settings: Settings = Settings()) {
        self.settings = settings
        probeDelay = settings.firstProbeDelay
    }

    /// Inline and background calls go only while closed; otherwise only the probe does.
    package var allowsCalls: Bool { state == .closed }

    /// An "unavailable" outcome (network error, timeout, 429, 5xx) for `lead`, of a call that started in
    /// `startedIn` (the generation then). Returns true when it opened the circuit.
    package mutating func recordUnavailable(reason: String, lead: String, startedIn: Int, now: Date) -> Bool {
        guard startedIn == generation else { return false }
        lastReason = reason
        switch state {
        case .closed:
            failingLeads.insert(lead)
            guard failingLeads.count >= settings.failuresToOpen else { return false }
            state = .open
            generation += 1
            failingLeads = []
            openedAt = now
            flushOwed = true
            probeDelay = settings.firstProbeDelay
            nextProbeAt = now.addingTimeInterval(probeDelay)
            return true
        case .halfOpen:
            // The probe failed: wait longer before the next.
            state = .open
            probeDelay = min(settings.maxProbeDelay, probeDelay * 2)
            nextProbeAt = now.addingTimeInterval(probeDelay)
            return false
        case .open:
            // Only the probe calls while open, and it makes the circuit half-open first.
            return false
        }
    }

    /// The receiver answered (`delivered`: it took a lead). Returns the closing when this closed the circuit, or
    /// when it is the first delivery since an outage whose circuit closed on a refusal.
    package mutating func recordAnswer(delivered: Bool, now: Date) -> Closing? {
        failingLeads = []
        let opened = openedAt
        let wasClosed = state == .closed
        if !wasClosed { generation += 1 }
        state = .closed
        openedAt = nil
        nextProbeAt = nil
        probeDelay = settings.firstProbeDelay
        let flush = delivered && flushOwed
        if flush { flushOwed = false }
        if wasClosed { return flush ? Closing(openedAt: nil, flush: true) : nil }
        return Closing(openedAt: opened, flush: flush)
    }

    /// While open: whether a probe may go now. If so the circuit is half-open until the probe's outcome comes.
    package mutating func takeProbe(now: Date) -> Bool {
        guard state == .open, let next = nextProbeAt, now >= next else { return false }
        state = .halfOpen
        return true
    }

    /// The probe ended without an outcome for the circuit (no lead to send, or its result could not be recorded):
    /// open again, and probe again after the same wait. Nothing happens when its outcome already moved the circuit.
    package mutating func probeEnded(now: Date) {
        guard state == .halfOpen else { return }
        state = .open
        nextProbeAt = now.addingTimeInterval(probeDelay)
    }

    /// When the next probe may go, while open.
    package var probeDue: Date? { state == .open ? nextProbeAt : nil }
}
