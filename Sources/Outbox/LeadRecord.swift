package import FoundationEssentials
import Glibc

/// One lead as the outbox keeps it.
package struct LeadRecord: Sendable, Equatable {
    package enum Status: String, Sendable, CaseIterable {
        /// Waiting for (another) delivery attempt.
        case pending
        /// The receiver (HERO) has it.
        case delivered
        /// Given up on: the receiver refused it, or it could not be delivered in time. Kept until handled.
        case failed
    }

    package var reference: String
    package var formID: String
    /// Which of the receiver's accounts the lead goes to (a name the app gives one of its keys); nil: the default
    /// account. The outbox only keeps it; the worker asks for that account's senders.
    package var account: String? = nil
    /// The body the sender sends (HERO's JSON); nil once personal data has been erased.
    package var payload: Data?
    package var status: Status
    package var attempts: Int
    package var nextAttemptAt: Date
    /// The last failure as the operator should read it (the receiver's own message where it gave one).
    package var lastError: String?
    /// The receiver's id for the lead once delivered (HERO's project id), if it named one.
    package var externalID: Int?
    package var createdAt: Date
    package var deliveredAt: Date?
    package var erasedAt: Date?
    /// After this, a lead that still cannot be delivered becomes `failed`.
    package var giveUpAt: Date
    /// Set while a delivery call runs.
    package var inFlightSince: Date?
    /// The lead's files still have to go (`true`) or are done with (`false`); nil when it came without files.
    package var filesPending: Bool?
    /// Where the lead's files go at the receiver, once looked up.
    package var filesTarget: AttachmentTarget?
    /// Failed rounds of sending the lead's files so far (for their backoff).
    package var filesAttempts = 0
    /// After this, files that still cannot be sent fail (unless the receiver refuses the key: then they wait).
    package var filesGiveUpAt: Date?
    /// The lead's files, where the operation that gave this record loaded them (`find`, `list`, file claims).
    package var attachments: [AttachmentRecord] = []
}
