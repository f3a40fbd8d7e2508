import FormCore
import Glibc
import HeroClient
import Outbox

/// The outbox's sender of files for HERO: finds the project's project_match (HERO attaches files there, not to the
/// project id the Lead API answered with), uploads each file (`FileUploads/upload`) and attaches it as an image or,
/// for a PDF, as a document of the account's document type (`hero.accounts.NAME.document_type_id`, else
/// `hero.document_type_id`).
struct HeroAttachmentSender: AttachmentSender {
    let client: HeroClient
    /// The type of the account whose key `client` has; another account's is unknown to HERO there.
    let documentTypeID: Int?

    func target(forExternalID externalID: Int?) async -> StepOutcome<AttachmentTarget> {
        guard let externalID else {
            return .refused(
                reason: "HERO named no project id for the lead, so its files have nowhere to go", detail: "")
        }
        let found = Self.outcome(await client.projectMatch(forProject: externalID)) {
            AttachmentTarget(id: $0.id, label: $0.projectNumber)
        }
        // The project exists (HERO said so when it made it): an answer without its project_match is HERO's lag or
        // hiccup, not the files' fault, so the files wait and try again (until they run out of time).
        if case .refused(let reason, let detail) = found {
            return .unavailable(reason: detail.isEmpty ? reason : "\(reason): \(detail)")
        }
        return found
    }

    func upload(_ file: AttachmentRecord, at path: String) async -> StepOutcome<String> {
        var status = stat()
        guard stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            return .refused(reason: "the stored file is missing", detail: "")
        }
        let name = Self.uploadName(file)
        let answer = await client.upload(
            file: path, filename: name, contentType: file.mediaType, timeout: Self.uploadTimeout(bytes: file.size))
        if case .fileUnreadable(let reason) = answer {
            // The file is there (checked above): a read that failed now (too many open files, I/O) may work later.
            return .unavailable(reason: "cannot read the stored file: \(reason)")
        }
        return Self.outcome(answer) { $0 }
    }

    /// The visitor's name with the extension of what the file is (its first bytes decided): `angebot.pdf` that is a
    /// JPEG goes as `angebot.jpg`, so HERO and the office open it with the right program.
    static func uploadName(_ file: AttachmentRecord) -> String {
        let name = file.filename ?? "datei-\(file.number)"
        guard let type = AttachmentType.allCases.first(where: { $0.mimeType == file.mediaType }) else { return name }
        let stem = name.lastIndex(of: ".").map { String(name[..<$0]) } ?? name
        let known = [type.fileExtension] + (type == .jpeg ? ["jpeg", "jpe"] : [])
        let current = name.lastIndex(of: ".").map { name[name.index(after: $0)...].lowercased() }
        if let current, known.contains(current) { return name }
        return (stem.isEmpty ? "datei-\(file.number)" : stem) + "." + type.fileExtension
    }

    /// Two minutes, or longer for a large file: at least 256 KB/s, what a slow office uplink manages.
    static func uploadTimeout(bytes: Int) -> Duration {
        .seconds(max(120, bytes / (256 * 1024)))
    }

    func attach(_ file: AttachmentRecord, uploadID: String, to target: AttachmentTarget) async -> StepOutcome<Int?> {
        switch file.kind {
        case .image:
            return Self.outcome(await client.attachImage(uuid: uploadID, projectMatch: target.id)) { $0 }
        case .document:
            // check-config refuses PDFs without a document type; a config changed since the file came still lands
            // here, and the file waits for the operator rather than being lost.
            guard let documentTypeID else {
                return .refused(
                    reason: "no document type is set for the account, so HERO cannot file the PDF", detail: "")
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
