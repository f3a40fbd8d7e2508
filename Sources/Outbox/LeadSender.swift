import FoundationEssentials

/// Whatever takes a lead's payload to its receiver (HERO, through the app's wiring), or a dry-run stand-in.
package protocol LeadSender: Sendable {
    func send(_ payload: Data) async -> SendOutcome
}

/// What one sending came to, as far as the worker's retry decision goes. The reasons are for the operator (the
/// lead's last error, logs, alerts, /readyz) and hold no personal data; only `refused`'s `detail` may.
package enum SendOutcome: Sendable, Equatable {
    /// The receiver has the lead; `externalID` is its id there, if it named one.
    case delivered(externalID: Int?)
    /// The receiver refused the API key. Retrying will not help until the key is fixed, but the lead is fine:
    /// it waits, retried slowly.
    case keyRejected(reason: String)
    /// The receiver is unreachable, slow or failing: worth retrying later, with backoff.
    case unavailable(reason: String)
    /// The receiver refused this lead: sending it again would fail again, so it fails now. `detail` is the
    /// receiver's own message, which may quote the visitor's input: kept for the operator, logged only at debug.
    case refused(reason: String, detail: String)
}

/// Sends nothing and reports success: dry-run mode, where everything works and nothing leaves the machine.
package struct DryRunSender: LeadSender {
    package init() {}
    package func send(_ payload: Data) async -> SendOutcome { .delivered(externalID: nil) }
}
