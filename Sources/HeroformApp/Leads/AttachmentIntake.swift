import FormCore
import HTTPServer
import Outbox
import Sockets

/// Reads a `multipart/form-data` submission in two passes over its body (in memory or spooled to a file): the first
/// collects the fields and describes the files (`MultipartFormReader`), so every check runs before a byte is
/// stored; the second, once the submission has passed them, writes the form's files to a staging folder of the
/// outbox — photos without their location and camera data (`PhotoMetadataStripper`), PDFs as sent.
///
/// Both passes read the body in pieces and run on a thread of their own when the body is a file: reading megabytes
/// and syncing files would otherwise hold up one of Swift's few cooperative threads for every other request.
enum AttachmentIntake {
    /// The fields (every value of each name), and the files sent under the form's file input in body order.
    struct Described: Sendable {
        var values: [String: [String]]
        var files: [MultipartFormReader.FilePart]
    }

    /// The form's files, written and synced, ready to be stored with the lead.
    struct Staged: Sendable {
        let folder: StagedAttachments
        let attachments: [NewAttachment]

        var photos: Int { attachments.filter { $0.kind == .image }.count }
        var documents: Int { attachments.filter { $0.kind == .document }.count }
    }

    enum Failure: Error {
        case unreadable(DecodeError)
        /// The body's file could not be read, or a file could not be written: the lead cannot be taken now.
        case storage(String)
        /// A file that looked like a photo (or any kind, by its first bytes) cannot be read as one: its name, and
        /// why, for the log.
        case unreadableFile(filename: String, reason: String)
    }

    /// The first pass.
    static func describe(
        _ body: RequestBody, boundary: String?, maxTextBytes: Int
    ) async throws(Failure) -> Described {
        try await onFileThread(if: body.isSpooled) { () throws(Failure) -> Described in
            var reader: MultipartFormReader
            do throws(DecodeError) {
                reader = try MultipartFormReader(boundary: boundary, maxTextBytes: maxTextBytes)
            } catch {
                throw .unreadable(error)
            }
            var pieces = body.reader()
            while let piece = try next(&pieces) {
                do throws(DecodeError) {
                    try reader.feed(piece)
                } catch {
                    throw .unreadable(error)
                }
            }
            do throws(DecodeError) {
                try reader.finish()
            } catch {
                throw .unreadable(error)
            }
            return Described(
                values: reader.lists, files: reader.files.filter { $0.field == AttachmentPolicy.fieldName })
        }
    }

    /// The second pass: writes the files the first pass described (all of them passed the form's policy) into a
    /// staging folder. On a failure nothing stays staged.
    static func stage(
        _ body: RequestBody, boundary: String?, into files: AttachmentFiles
    ) async throws(Failure) -> Staged {
        try await onFileThread(if: true) { () throws(Failure) -> Staged in
            let folder: StagedAttachments
            do throws(AttachmentFileError) {
                folder = try files.stage()
            } catch {
                throw .storage(error.description)
            }
            do throws(Failure) {
                return Staged(folder: folder, attachments: try write(body, boundary: boundary, into: folder))
            } catch {
                folder.discard()
                throw error
            }
        }
    }

    /// One file being written: its writer, and for a photo the metadata stripper in front of it.
    private struct OpenFile: ~Copyable {
        var writer: AttachmentFileWriter
        var stripper: PhotoMetadataStripper?
        let number: Int
        let filename: String
        let type: AttachmentType
    }

    private static func write(
        _ body: RequestBody, boundary: String?, into folder: StagedAttachments
    ) throws(Failure) -> [NewAttachment] {
        var parser: MultipartStreamParser
        do throws(DecodeError) {
            parser = try MultipartStreamParser(boundary: boundary)
        } catch {
            throw .unreadable(error)
        }
        var pieces = body.reader()
        var attachments: [NewAttachment] = []
        var head: MultipartPartHead?
        var prefix: [UInt8] = []
        var open: OpenFile?
        while let piece = try next(&pieces) {
                let events: [MultipartEvent]
                do throws(DecodeError) {
                    events = try parser.feed(piece)
                } catch {
                    throw .unreadable(error)
                }
                for event in events {
                    switch event {
                    case .partStart(let part):
                        head = part.name == AttachmentPolicy.fieldName && part.filename != nil ? part : nil
                        prefix = []
                    case .partData(let bytes):
                        guard let part = head else { continue }
                        if open == nil {
                            // The kind is known once the first bytes are in: they decide, as in the first pass.
                            prefix += bytes
                            guard prefix.count >= AttachmentType.sniffLength else { continue }
                            open = try openFile(part, prefix: prefix, number: attachments.count + 1, in: folder)
                            try append(prefix[...], to: &open)
                        } else {
                            try append(bytes, to: &open)
                        }
                    case .partEnd:
                        guard let part = head else { continue }
                        if open == nil && !prefix.isEmpty {
                            open = try openFile(part, prefix: prefix, number: attachments.count + 1, in: folder)
                            try append(prefix[...], to: &open)
                        }
                        if let file = open.take() { attachments.append(try close(file)) }
                        head = nil
                    case .end:
                        break
                    }
                }
            }
        do throws(DecodeError) {
            try parser.finish()
        } catch {
            throw .unreadable(error)
        }
        return attachments
    }

    private static func openFile(
        _ part: MultipartPartHead, prefix: [UInt8], number: Int, in folder: StagedAttachments
    ) throws(Failure) -> OpenFile {
        let filename = displayName(part.filename ?? "")
        // The first pass refused any other kind; a body that changed between passes is not one we take.
        guard let type = AttachmentType.sniff(prefix) else {
            throw .unreadableFile(filename: filename, reason: "its first bytes changed between the two reads")
        }
        do {
            return OpenFile(
                writer: try folder.create(number: number), stripper: PhotoMetadataStripper(for: type),
                number: number, filename: filename, type: type)
        } catch {
            throw .storage(error.description)
        }
    }

    private static func append(_ bytes: ArraySlice<UInt8>, to open: inout OpenFile?) throws(Failure) {
        guard var file = open.take() else { return }
        var kept: [UInt8]?
        if var stripper = file.stripper.take() {
            do throws(PhotoMetadataError) {
                kept = try stripper.feed(bytes)
            } catch {
                throw .unreadableFile(filename: file.filename, reason: error.description)
            }
            file.stripper = stripper
        }
        do throws(AttachmentFileError) {
            if let kept {
                try file.writer.write(kept)
            } else {
                let result = bytes.withUnsafeBytes { raw in
                    Result { () throws(AttachmentFileError) in try file.writer.write(raw) }
                }
                try result.get()
            }
        } catch {
            throw .storage(error.description)
        }
        open = consume file
    }

    private static func close(_ file: consuming OpenFile) throws(Failure) -> NewAttachment {
        if var stripper = file.stripper.take() {
            do throws(PhotoMetadataError) {
                try stripper.finish()
            } catch {
                throw .unreadableFile(filename: file.filename, reason: error.description)
            }
        }
        let number = file.number
        let filename = file.filename
        let type = file.type
        let written: (size: Int, sha256: String)
        do throws(AttachmentFileError) {
            written = try file.writer.finish()
        } catch {
            throw .storage(error.description)
        }
        return NewAttachment(
            number: number, filename: filename, mediaType: type.mimeType, kind: type.isImage ? .image : .document,
            size: written.size, sha256: written.sha256)
    }

    private static func next(_ pieces: inout RequestBody.Reader) throws(Failure) -> ArraySlice<UInt8>? {
        do {
            return try pieces.next()
        } catch {
            throw .storage("\(error)")
        }
    }

    /// The visitor's name for a file as the office will see it: printable, at most 120 characters, no path.
    static func displayName(_ name: String) -> String {
        let base = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        var cleaned = String(
            String.UnicodeScalarView(
                base.unicodeScalars.map { scalar in
                    scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format
                        || scalar.properties.generalCategory == .lineSeparator
                        || scalar.properties.generalCategory == .paragraphSeparator ? "_" : scalar
                }))
        if cleaned.count > 120 { cleaned = String(cleaned.prefix(120)) }
        return cleaned.isEmpty ? "datei" : cleaned
    }

    /// Runs `work` on a thread of its own when `offPool`, else right here. Not on `DispatchQueue.global()`: on Linux
    /// Swift's cooperative pool is Dispatch's default global queue, as wide as the machine has cores, so blocking
    /// there holds up every task. A system that refuses a thread gets the work done here (slower for others, but done).
    private static func onFileThread<T: Sendable>(
        if offPool: Bool, _ work: @escaping @Sendable () throws(Failure) -> T
    ) async throws(Failure) -> T {
        guard offPool else { return try work() }
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, Failure>, Never>) in
            let job: @Sendable () -> Void = {
                continuation.resume(returning: Result { () throws(Failure) in try work() })
            }
            do {
                try OSThread.start(name: "hf-files", job)
            } catch {
                job()
            }
        }
        return try result.get()
    }
}
