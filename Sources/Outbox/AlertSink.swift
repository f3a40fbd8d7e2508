/// Something an operator should hear about without reading logs. It names no personal data, only what points the
/// operator to `heroform outbox show`.
package enum Alert: Sendable, Equatable {
    case leadFailed(reference: String, formID: String, reason: String)
    /// The receiver refused the API key; `reason` says how (e.g. "HERO refused the API key (HTTP 401)"), `account`
    /// whose key it was (nil: the default one).
    case keyRejected(reason: String, account: String? = nil)
    /// One of a delivered lead's files could not be attached; `number` is its place among the lead's files.
    case fileFailed(reference: String, formID: String, number: Int, reason: String)
    /// The receiver has been unreachable this long (`reason`: the latest failure); `waiting` leads are stored.
    case receiverUnreachable(unreachableSeconds: Int, reason: String, waiting: Int)
    /// The receiver answers again after an outage that was alerted; `waiting` leads are on their way now.
    case receiverRecovered(unreachableSeconds: Int, waiting: Int)
}

/// Where alerts go: the app wires a webhook in, tests a recorder.
package protocol AlertSink: Sendable {
    func send(_ alert: Alert) async
}
