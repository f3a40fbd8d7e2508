import FoundationEssentials
import HeroClient
import Outbox

/// The outbox's sender for HERO: creates the lead as a project through `HeroClient` and tells the worker what HERO's
/// answer means for the lead.
struct HeroProjectSender: LeadSender {
    let client: HeroClient

    func send(_ payload: Data) async -> SendOutcome {
        Self.outcome(await client.createProject(payload: payload))
    }

    /// HERO's answer in the outbox's terms; the reasons are what the operator reads as the lead's last error.
    static func outcome(_ answer: HeroOutcome) -> SendOutcome {
        switch answer {
        case .created(let id):
            return .delivered(externalID: id)
        case .unauthorized(let status, _):
            return .keyRejected(reason: "HERO refused the API key (HTTP \(status))")
        case .unavailable(let reason):
            return .unavailable(reason: reason)
        case .rejected(let status, let message):
            return .refused(reason: "HERO rejected it (HTTP \(status))", detail: message)
        }
    }
}
