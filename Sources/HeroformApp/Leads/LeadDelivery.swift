package import FormCore
import FoundationEssentials
import Glibc
import HeroClient
import Logging
import Outbox
import Synchronization

/// A validated lead on its way: everything the outbox needs to store it once and build HERO's payload.
package struct Submission: Sendable {
    package var formID: String
    /// The normalized fields, for recognising the same submission again.
    package var fields: [String: String]
    package var idempotencyKey: String?
    /// The files that came with it, staged; the outbox takes them along, or they are discarded.
    var files: AttachmentIntake.Staged?
    /// HERO's payload for the reference the outbox settles on.
    package var payload: @Sendable (String) -> HeroPayload
    /// The form token and proof-of-work solution to spend once the outbox knows the lead is not a duplicate; nil
    /// when there is nothing to spend.
    package var spending: GuardSpending?
    /// The HERO account (`forms.ID.hero_account`) it goes to; nil: the default key.
    package var account: String? = nil
}

/// What became of a submission.
package enum DeliveryResult: Sendable, Equatable {
    /// In HERO now (or, in dry-run mode, would be).
    case delivered(reference: String)
    /// Stored safely; it goes to HERO as soon as HERO takes it.
    case queued(reference: String)
    /// The same submission came before; this is its reference and whether it is in HERO yet.
    case duplicate(reference: String, delivered: Bool)
    /// Not stored: the visitor must be told to try again.
    case notStored
    /// The Idempotency-Key belongs to another submission.
    case keyConflict
    /// Not a duplicate, and its form token or solution was spent on another lead already (`Submission.spending`
    /// says which): nothing was stored.
    case notAdmitted
}

package protocol LeadDelivery: Sendable {
    func submit(_ submission: Submission) async -> DeliveryResult
}

/// Stores first (a synced commit), then tries HERO inline for at most `deadline`.
struct OutboxDelivery: LeadDelivery {
    let store: OutboxStore
    let worker: DeliveryWorker
    let deadline: Duration
    let maxAge: TimeInterval
    let logger: Logger
    let now: @Sendable () -> Date

    func submit(_ submission: Submission) async -> DeliveryResult {
        // The same fields with other photos are another submission.
        var fields = submission.fields
        if let files = submission.files {
            fields["\0attachments"] = files.attachments.map(\.sha256).joined(separator: ",")
        }
        let lead = OutboxStore.NewLead(
            formID: submission.formID, payload: Data(),
            fingerprint: Fingerprint.of(formID: submission.formID, fields: fields),
            idempotencyKey: submission.idempotencyKey, account: submission.account)
        let attachments = submission.files?.attachments ?? []
        let staged = submission.files?.folder
        let instant = now()
        let maxAge = self.maxAge
        let makePayload = submission.payload
        // HERO's payload is made before the store's turn, not inside it: the store's work is done one caller after
        // another, and encoding the JSON was over half of it. Only a clash of references makes another one.
        let prepared = PreparedPayload(makePayload)
        let spending = submission.spending
        let inserted: OutboxStore.InsertResult
        do {
            inserted = try await store.perform { session in
                try session.insert(
                    lead, reference: { prepared.nextReference() },
                    payloadFor: { prepared.payload(for: $0) }, now: instant, maxAge: maxAge, claim: true,
                    attachments: attachments, staged: staged, admit: { spending?.spend() ?? true })
            }
        } catch {
            // Not stored (the commit may have failed after the token was spent): the visitor may send again with it.
            spending?.undo()
            logger.critical("cannot store a lead", metadata: ["form": "\(submission.formID)", "error": "\(error)"])
            return .notStored
        }
        switch inserted {
        case .keyConflict:
            return .keyConflict // the endpoint logs the refusal (and discards the files)
        case .notAdmitted:
            return .notAdmitted // the endpoint logs the refusal (and discards the files)
        case .duplicate(let record):
            staged?.discard() // the first submission has its own
            logger.info(
                "lead submitted again; nothing new stored",
                metadata: ["reference": "\(record.reference)", "form": "\(record.formID)"])
            return .duplicate(reference: record.reference, delivered: record.status == .delivered)
        case .inserted(let record):
            logger.info("lead stored", metadata: ["reference": "\(record.reference)", "form": "\(record.formID)"])
            switch await worker.deliverClaimed(record, deadline: deadline) {
            case .delivered: return .delivered(reference: record.reference)
            case .retryLater, .failed: return .queued(reference: record.reference)
            }
        }
    }
}

/// HERO's payload for a new lead, made for a reference drawn up front; another reference (the store found the first
/// one taken) gets a payload of its own.
final class PreparedPayload: Sendable {
    let reference = Reference.generate()
    let payload: Data
    private let make: @Sendable (String) -> HeroPayload
    private let firstHandedOut = Atomic<Bool>(false)

    init(_ make: @escaping @Sendable (String) -> HeroPayload) {
        self.make = make
        payload = make(reference).jsonData()
    }

    func nextReference() -> String {
        firstHandedOut.exchange(true, ordering: .acquiringAndReleasing) ? Reference.generate() : reference
    }

    func payload(for reference: String) -> Data {
        reference == self.reference ? payload : make(reference).jsonData()
    }
}
