package import FoundationEssentials

/// Whatever takes a lead's payload to its receiver (HERO, through the app's wiring), or a dry-run stand-in.
package protocol LeadSender: Sendable {
    func send(_ payload: Data) async -> SendOutcome
    /// False for a sender that answers without asking the receiver (a missing key): its outcome says nothing about
    /// whether the receiver is up, so it neither closes the circuit nor counts as a call.
    var asksTheReceiver: Bool { get }
}

extension LeadSender {
    package var asksTheReceiver: Bool { true }
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

/// Takes a delivered lead's files to the receiver in three steps, each of which the worker records before the next:
/// where the lead's files go (once per lead), each file's bytes (an upload handle), each file attached there.
package protocol AttachmentSender: Sendable {
    /// Where the files of the lead the receiver knows as `externalID` go (nil: it named no id for the lead).
    func target(forExternalID externalID: Int?) async -> StepOutcome<AttachmentTarget>
    /// Sends the bytes at `path`; the answer is the receiver's handle for them.
    func upload(_ file: AttachmentRecord, at path: String) async -> StepOutcome<String>
    /// Attaches uploaded bytes to `target`; the answer is the receiver's id for the attached file, if it names one.
    func attach(_ file: AttachmentRecord, uploadID: String, to target: AttachmentTarget) async -> StepOutcome<Int?>
}

/// What one step of sending files came to, classified like `SendOutcome`.
package enum StepOutcome<Value: Sendable>: Sendable {
    case done(Value)
    /// The receiver refused the API key: the lead's files wait, retried slowly.
    case keyRejected(reason: String)
    /// The receiver is unreachable, slow or failing: the lead's files wait, with backoff.
    case unavailable(reason: String)
    /// The receiver refused this step: for a file, that file fails and the others still go. `detail` is the
    /// receiver's own message (may quote what was sent: logged only at debug).
    case refused(reason: String, detail: String)
}

/// What became of one file's upload, for metrics.
package enum UploadReport: Sendable, Equatable {
    case sent(bytes: Int)
    case keyRejected
    case unavailable
    case refused
}

/// The senders of one of the receiver's accounts (each with its own key): a lead goes through those of the account
/// it was stored for (`LeadRecord.account`).
package struct AccountSenders: Sendable {
    package let leads: any LeadSender
    /// nil: this account's leads' files stay where they are.
    package let files: (any AttachmentSender)?

    package init(leads: any LeadSender, files: (any AttachmentSender)?) {
        self.leads = leads
        self.files = files
    }
}

/// What a lead meets whose account has no key (the account left the config while leads of it were waiting, or a
/// form without an account where only named accounts have keys): a refused key, so the lead waits, retried slowly,
/// until the key is there, and is not lost.
package struct MissingKeySender: LeadSender, AttachmentSender {
    let reason: String

    package init(reason: String) { self.reason = reason }

    package var asksTheReceiver: Bool { false }

    package func send(_ payload: Data) async -> SendOutcome { .keyRejected(reason: reason) }
    package func target(forExternalID externalID: Int?) async -> StepOutcome<AttachmentTarget> {
        .keyRejected(reason: reason)
    }
    package func upload(_ file: AttachmentRecord, at path: String) async -> StepOutcome<String> {
        .keyRejected(reason: reason)
    }
    package func attach(
        _ file: AttachmentRecord, uploadID: String, to target: AttachmentTarget
    ) async -> StepOutcome<Int?> { .keyRejected(reason: reason) }
}

/// Sends nothing and reports success: dry-run mode, where everything works and nothing leaves the machine.
package struct DryRunSender: LeadSender, AttachmentSender {
    package init() {}
    package func send(_ payload: Data) async -> SendOutcome { .delivered(externalID: nil) }
    package func target(forExternalID externalID: Int?) async -> StepOutcome<AttachmentTarget> {
        .done(AttachmentTarget(id: externalID ?? 0, label: nil))
    }
    package func upload(_ file: AttachmentRecord, at path: String) async -> StepOutcome<String> {
        .done("dry-run-\(file.number)")
    }
    package func attach(
        _ file: AttachmentRecord, uploadID: String, to target: AttachmentTarget
    ) async -> StepOutcome<Int?> { .done(nil) }
}
