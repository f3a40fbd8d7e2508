import FoundationEssentials
import Logging

/// One round of sending a delivered lead's files: where they go, then per file its upload and its attachment, each
/// result recorded before the next step starts. A file the receiver refuses fails alone; an unreachable receiver
/// or a refused key ends the round, and the next round (after the lead's file backoff) starts where this one
/// stopped. Only a step whose answer was lost is repeated: a lost upload answer costs an unused upload at the
/// receiver; a lost attach answer may show the file twice there (at least once, as for the lead itself).
extension DeliveryWorker {
    func sendFiles(_ record: LeadRecord) async {
        let reference = record.reference
        var metadata: Logger.Metadata = ["reference": "\(reference)", "form": "\(record.formID)"]
        if let account = record.account { metadata["account"] = "\(account)" }
        guard let sender = senders(for: record.account).files else {
            _ = try? await store.perform { try $0.releaseFiles(reference) }
            return
        }
        do {
            let target: AttachmentTarget
            if let known = record.filesTarget {
                target = known
            } else {
                switch await sender.target(forExternalID: record.externalID) {
                case .done(let found):
                    try await store.perform { try $0.recordFilesTarget(reference, found) }
                    target = found
                case .refused(let reason, let detail):
                    // Without a place to attach to, no file can go: each fails, and the operator hears why.
                    for file in record.attachments where file.state == .pending || file.state == .uploaded {
                        try await fileFailed(record, file, reason: reason, detail: detail)
                    }
                    try await store.perform { try $0.markFilesDone(reference) }
                    return
                case .keyRejected(let reason):
                    return try await wait(record, at: record.attachments.first, reason: reason, keyRejected: true)
                case .unavailable(let reason):
                    return try await wait(record, at: record.attachments.first, reason: reason, keyRejected: false)
                }
            }
            var attached = 0
            for file in record.attachments where file.state == .pending || file.state == .uploaded {
                var uploadID = file.uploadID
                if uploadID == nil {
                    let outcome = await sender.upload(file, at: files.path(of: reference, number: file.number))
                    onUpload?(Self.report(outcome, size: file.size))
                    switch outcome {
                    case .done(let handle):
                        try await store.perform {
                            try $0.recordUpload(reference, number: file.number, uploadID: handle)
                        }
                        uploadID = handle
                    case .refused(let reason, let detail):
                        try await fileFailed(record, file, reason: reason, detail: detail)
                        continue
                    case .keyRejected(let reason):
                        return try await wait(record, at: file, reason: reason, keyRejected: true)
                    case .unavailable(let reason):
                        return try await wait(record, at: file, reason: reason, keyRejected: false)
                    }
                }
                guard let uploadID else { continue }
                switch await sender.attach(file, uploadID: uploadID, to: target) {
                case .done(let id):
                    let instant = now()
                    try await store.perform {
                        try $0.recordAttached(reference, number: file.number, externalID: id, now: instant)
                    }
                    // Only now that the outbox says "attached" for good: a crash before leaves the file to send.
                    files.remove(reference: reference, number: file.number)
                    attached += 1
                case .refused(let reason, let detail):
                    try await fileFailed(record, file, reason: reason, detail: detail)
                case .keyRejected(let reason):
                    return try await wait(record, at: file, reason: reason, keyRejected: true)
                case .unavailable(let reason):
                    return try await wait(record, at: file, reason: reason, keyRejected: false)
                }
            }
            try await store.perform { try $0.markFilesDone(reference) }
            setFilesKeyRejected(false, account: record.account)
            metadata["files"] = "\(attached)"
            logger.info("files attached", metadata: metadata)
        } catch {
            // A result could not be recorded; the claim stays until restart, so no second round races this one.
            metadata["error"] = "\(error)"
            logger.critical("cannot record how sending files went", metadata: metadata)
        }
    }

    /// The receiver cannot take files now: the round ends and the next starts after the lead's file backoff, unless
    /// the lead is past its time, when what is left fails.
    private func wait(
        _ record: LeadRecord, at file: AttachmentRecord?, reason: String, keyRejected: Bool
    ) async throws {
        let instant = now()
        let failures = record.filesAttempts + 1
        let delay =
            keyRejected ? policy.keyRejectedDelay : policy.delay(afterFailures: failures, random: random())
        let next = instant.addingTimeInterval(delay)
        let reference = record.reference
        var metadata: Logger.Metadata = [
            "reference": "\(reference)", "form": "\(record.formID)", "reason": "\(reason)",
            "attempt": "\(failures)",
        ]
        if let account = record.account { metadata["account"] = "\(account)" }
        let wasRejected = setFilesKeyRejected(keyRejected, account: record.account)
        // A refused key never costs files (as for leads): they wait until it is fixed.
        if !keyRejected, let giveUpAt = record.filesGiveUpAt, next > giveUpAt {
            let error = "gave up after \(failures) attempts: \(reason)"
            for left in record.attachments where left.state == .pending || left.state == .uploaded {
                try await fileFailed(record, left, reason: error, detail: "")
            }
            try await store.perform { try $0.markFilesDone(reference) }
            return
        }
        try await store.perform { session in
            if let file { try session.recordFileWaiting(reference, number: file.number, reason: reason) }
            try session.markFilesRetry(reference, next: next)
        }
        metadata["retry_in_seconds"] = "\(Int(delay))"
        logger.warning("files not sent yet; retrying later", metadata: metadata)
        if keyRejected && !wasRejected { await alerts?.send(.keyRejected(reason: reason, account: record.account)) }
    }

    static func report(_ outcome: StepOutcome<String>, size: Int) -> UploadReport {
        switch outcome {
        case .done: .sent(bytes: size)
        case .keyRejected: .keyRejected
        case .unavailable: .unavailable
        case .refused: .refused
        }
    }

    private func fileFailed(
        _ record: LeadRecord, _ file: AttachmentRecord, reason: String, detail: String
    ) async throws {
        let error = detail.isEmpty ? reason : "\(reason): \(detail)"
        let instant = now()
        try await store.perform {
            try $0.recordFileFailed(record.reference, number: file.number, error: error, now: instant)
        }
        logger.error(
            "file failed",
            metadata: [
                "reference": "\(record.reference)", "form": "\(record.formID)", "file": "\(file.number)",
                "reason": "\(reason)", "hint": "heroform outbox show \(record.reference)",
            ])
        if !detail.isEmpty {
            // The receiver's message may quote what was sent: personal data, so only at debug level.
            logger.debug(
                "file refused; the receiver's message",
                metadata: ["reference": "\(record.reference)", "detail": "\(detail)"])
        }
        await alerts?.send(
            .fileFailed(reference: record.reference, formID: record.formID, number: file.number, reason: reason))
    }
}

extension DeliveryWorker {
    /// At start-up, before the server takes requests: deletes what a crash left of files — submissions' staging
    /// folders, folders of leads never committed, files whose lead no longer needs them. Returns how many files went.
    @discardableResult
    package func removeLeftoverFiles() async -> Int {
        let files = self.files
        do {
            let leftovers = try await store.perform { session in
                files.unkept(keep: try session.filesToKeep(), staging: true)
            }
            return files.remove(leftovers)
        } catch {
            logger.error("cannot clean up the attachments folder", metadata: ["error": "\(error)"])
            return 0
        }
    }
}
