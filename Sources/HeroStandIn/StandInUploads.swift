import FormCore
import FoundationEssentials
import HTTPServer
import JSON
import Synchronization
import WebText

/// HERO's file-upload endpoint (`POST /app/v8/FileUploads/upload`) as `hero-file-api.txt` describes it: the key in
/// `x-auth-token` (a Bearer header alone, or a wrong key, gets 401), a `multipart/form-data` body of exactly one
/// part, named `file`, with a filename and a Content-Type (anything else gets a 4xx with a message), and the answer
/// `{"status":"success","data":{"uuid":"<16 lowercase letters and digits>","id":N}}` with the uuid under `data`.
/// An empty file is refused too: HERO's limits are unknown, but an empty upload is always a client's mistake.
extension HeroStandIn {
    func handleUpload(_ request: HTTPRequest) async -> HTTPResponse {
        enter()
        defer { leave() }
        let mode = uploadMode
        if case .slow(let delay) = mode { try? await Task.sleep(for: delay) }
        let (status, answer) = evaluateUpload(request, mode: mode)
        let kept = keepsUploadBytes ? request.body.bytes : []
        state.withLock { $0.uploadCalls.append(Call(headers: request.headers, body: kept, status: status)) }
        return .json(Data(answer.serializedBytes()), status: HTTPStatus(status, status == 200 ? "OK" : "Error"))
    }

    private func evaluateUpload(_ request: HTTPRequest, mode: UploadMode) -> (Int, JSONValue) {
        func error(_ status: Int, _ message: String) -> (Int, JSONValue) {
            (status, ["status": "error", "message": .string(message)])
        }
        if case .failing(let status, let message) = mode { return error(status, message) }
        guard let account = account(request.headers["x-auth-token"]) else { return error(401, "Unauthenticated.") }
        guard let media = request.headers["Content-Type"].flatMap(MediaType.init),
            media.essence == "multipart/form-data",
            let boundary = media.parameters["boundary"], !boundary.isEmpty
        else { return error(415, "Content-Type muss multipart/form-data mit boundary sein") }
        let file: UploadedFile
        switch Self.uploadedFile(request.body.bytes, boundary: boundary) {
        case .success(let found): file = found
        case .failure(let refusal): return error(refusal.status, refusal.message)
        }
        let (uuid, id) = state.withLock { state -> (String, Int) in
            state.nextUploadID += 1
            let uuid = Self.newUUID()
            state.uploads.append(
                Upload(
                    uuid: uuid, id: state.nextUploadID, filename: file.filename, contentType: file.contentType,
                    content: file.bytes, keepBytes: keepsUploadBytes, account: account))
            return (uuid, state.nextUploadID)
        }
        switch mode {
        case .okWithoutUUID: return (200, ["status": "success", "data": ["id": .number(Double(id))]])
        case .actsThenFails(let status): return error(status, "Server Error")
        case .up, .slow, .failing, .refusingLargerThan: break
        }
        return (
            200,
            [
                "status": "success",
                "data": [
                    "uuid": .string(uuid), "id": .number(Double(id)), "filename": .string(file.filename),
                    "size": .number(Double(file.bytes.count)),
                ],
            ]
        )
    }

    /// The one part of an upload, as the contract requires it.
    struct UploadedFile {
        let filename: String
        let contentType: String
        let bytes: [UInt8]
    }

    /// Why an upload body was refused: the status and message of the answer.
    struct UploadRefusal: Error {
        let status: Int
        let message: String
    }

    /// 16 lowercase letters and digits, like HERO's (`a11ptylhfago0ogg`).
    private static func newUUID() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<16).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] })
    }
}

extension HeroStandIn {
    /// The body's one part, named `file`, with a filename and a Content-Type; else why not, as a 4xx.
    static func uploadedFile(_ body: [UInt8], boundary: String) -> Result<UploadedFile, UploadRefusal> {
        func refusal(_ status: Int, _ message: String) -> Result<UploadedFile, UploadRefusal> {
            .failure(UploadRefusal(status: status, message: message))
        }
        let parts: [MultipartPart]
        switch MultipartDecoder.parts(body, boundary: boundary) {
        case .success(let decoded): parts = decoded
        case .failure(let error): return refusal(error.statusCode, "Ungültiger multipart-Body: \(error)")
        }
        guard parts.count == 1, let part = parts.first, part.name == "file" else {
            return refusal(422, "Genau ein Teil namens file erwartet, nicht \(parts.count) (\(Self.names(parts)))")
        }
        guard let filename = part.filename, !filename.isEmpty else {
            return refusal(422, "Der Teil file braucht einen Dateinamen")
        }
        guard let contentType = part.contentType, !contentType.isEmpty else {
            return refusal(422, "Der Teil file braucht einen Content-Type")
        }
        guard !part.bytes.isEmpty else { return refusal(422, "Die Datei ist leer") }
        return .success(UploadedFile(filename: filename, contentType: contentType, bytes: part.bytes))
    }

    private static func names(_ parts: [MultipartPart]) -> String {
        parts.prefix(5).map { "\"\($0.name.prefix(40))\"" }.joined(separator: ", ")
    }
}
