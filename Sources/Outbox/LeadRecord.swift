import FoundationEssentials
import Glibc

/// One lead as the outbox keeps it.
public struct LeadRecord: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        /// Waiting for (another) delivery attempt.
        case pending
        /// In HERO.
        case delivered
        /// Given up on: HERO refused it, or it could not be delivered in time. Kept until handled.
        case failed
    }

    public var reference: String
    public var formID: String
    /// The JSON body for HERO; nil once personal data has been erased.
    public var payload: Data?
    public var status: Status
    public var attempts: Int
    public var nextAttemptAt: Date
    /// The last failure as the operator should read it (HERO's own message where it gave one).
    public var lastError: String?
    public var heroID: Int?
    public var createdAt: Date
    public var deliveredAt: Date?
    public var erasedAt: Date?
    /// After this, a lead that still cannot be delivered becomes `failed`.
    public var giveUpAt: Date
    /// Set while a delivery call runs.
    public var inFlightSince: Date?
}
