import HeroClient
import Outbox

/// The outbox's sender of files for HERO: finds the project's project_match (HERO attaches files there, not to the
/// project id the Lead API answered with), uploads each file (`FileUploads/upload`) and attaches it as an image or,
/// for a PDF, as a document of the account's document type (`hero.document_type_id`).
struct HeroAttachmentSender: AttachmentSender {
    let client: HeroClient
    let documentTypeID: Int?

    func target(forExternalID externalID: Int?) async -> StepOutcome<AttachmentTarget> {
        guard let externalID else {
            return .refused(
                reason: "HERO named no project id for the lead, so its files have nowhere to go", detail: "")
        }
        return Self.outcome(await client.projectMatch(forProject: externalID)) {
            AttachmentTarget(id: $0.id, label: $0.projectNumber)
        }
    }

    func upload(_ file: AttachmentRecord, at path: String) async -> StepOutcome<String> {
        let name = file.filename ?? "datei-\(file.number)"
        return Self.outcome(await client.upload(file: path, filename: name, contentType: file.mediaType)) { $0 }
    }

    func attach(_ file: AttachmentRecord, uploadID: String, to target: AttachmentTarget) async -> StepOutcome<Int?> {
        switch file.kind {
        case .image:
            return Self.outcome(await client.attachImage(uuid: uploadID, projectMatch: target.id)) { $0 }
        case .document:
            // check-config refuses PDFs without a document type; a config changed since the file came still lands
            // here, and the file waits for the operator rather than being lost.
            guard let documentTypeID else {
                return .refused(reason: "hero.document_type_id is not set, so HERO cannot file the PDF", detail: "")
            }
            return Self.outcome(
                await client.attachDocument(uuid: uploadID, projectMatch: target.id, documentTypeID: documentTypeID)
            ) { $0 }
        }
    }

    /// HERO's answer in the outbox's terms; the reasons are what the operator reads as the file's last error.
    static func outcome<Value, Result>(
        _ answer: HeroFileOutcome<Value>, _ value: (Value) -> Result
    ) -> StepOutcome<Result> {
        switch answer {
        case .success(let found):
            return .done(value(found))
        case .unauthorized(let status, _):
            return .keyRejected(reason: "HERO refused the API key (HTTP \(status))")
        case .unavailable(let reason):
            return .unavailable(reason: reason)
        case .rejected(let status, let message):
            return .refused(reason: "HERO refused the file (HTTP \(status))", detail: message)
        case .fileUnreadable(let reason):
            return .refused(reason: "the stored file cannot be read", detail: reason)
        }
    }
}
