import FormCore
import Foundation
import HeroClient
import Logging

/// What became of a lead handed over for delivery.
public enum DeliveryResult: Sendable, Equatable {
    /// In HERO now (or, in dry-run mode, would be).
    case delivered
    /// Stored safely; it goes to HERO as soon as HERO takes it.
    case queued
    /// Not in HERO, and not kept either: the visitor must be told to try again.
    case notDelivered
}

/// Hands a mapped lead to HERO. The app chooses live or dry-run once at start-up.
public protocol LeadDelivery: Sendable {
    func deliver(_ payload: HeroPayload, reference: String, formID: String) async -> DeliveryResult
}

/// Sends to HERO directly, once.
struct DirectDelivery: LeadDelivery {
    let client: HeroClient
    let logger: Logger

    func deliver(_ payload: HeroPayload, reference: String, formID: String) async -> DeliveryResult {
        let outcome = await client.createProject(payload: payload.jsonData())
        switch outcome {
        case .created(let id):
            logger.info("lead \(reference) (form \(formID)) delivered to HERO as project \(id.map(String.init) ?? "?")")
            return .delivered
        case .unauthorized(let status, _):
            logger.error("lead \(reference) (form \(formID)): HERO refused the API key (HTTP \(status)); check HERO_API_KEY")
            return .notDelivered
        case .unavailable(let reason):
            logger.warning("lead \(reference) (form \(formID)): HERO unavailable (\(reason))")
            return .notDelivered
        case .rejected(let status, let message):
            // HERO's message may quote what the visitor typed; it is personal data, so only at debug.
            logger.error("lead \(reference) (form \(formID)): HERO rejected it (HTTP \(status))")
            logger.debug("lead \(reference): HERO said: \(message)")
            return .notDelivered
        }
    }
}

/// Dry-run mode (no API key): everything works, nothing is sent.
struct DryRunDelivery: LeadDelivery {
    let logger: Logger

    func deliver(_ payload: HeroPayload, reference: String, formID: String) async -> DeliveryResult {
        logger.info("dry-run: lead \(reference) (form \(formID), measure \(payload.measure)) not sent to HERO")
        logger.debug("dry-run: lead \(reference) payload \(String(decoding: payload.jsonData(), as: UTF8.self))")
        return .delivered
    }
}
