import FoundationEssentials
import HTTPClient
import JSON
import WebText

/// A project as the file steps need it: the project_match id (uploads are attached to it; it differs from the
/// Lead API's project id) and the project number the office sees, when HERO gave one.
package struct HeroProjectMatch: Sendable, Equatable {
    package let id: Int
    package let projectNumber: String?

    package init(id: Int, projectNumber: String?) {
        self.id = id
        self.projectNumber = projectNumber
    }
}

/// The file steps after a project exists, as `hero-file-api.txt` describes them: look up the project_match
/// (GraphQL, Bearer key), upload a file (`FileUploads/upload`, the key in `x-auth-token`, one multipart part named
/// `file`), attach the upload as an image or a document (GraphQL). Each call goes once; retrying is the caller's
/// decision, since HERO does not deduplicate attachments.
extension HeroClient {
    static let projectMatchesQuery =
        "query($ids: [Int]) { project_matches(project_ids: $ids) { id project_nr project { id } } }"
    static let uploadImageMutation =
        "mutation($uuid: String!, $target: Int!) { "
        + "upload_image(file_upload_uuid: $uuid, target: project_match, target_id: $target) { id } }"
    static let uploadDocumentMutation =
        "mutation($uuid: String!, $target: Int!, $doc: CustomerDocumentInput!) { "
        + "upload_document(document: $doc, file_upload_uuid: $uuid, target: project_match, target_id: $target) "
        + "{ id } }"

    /// The project_match of the Lead API's project `id`: a success only when HERO's answer has no errors and holds
    /// the entry whose `project.id` is `id`.
    package func projectMatch(forProject id: Int) async -> HeroFileOutcome<HeroProjectMatch> {
        let body = await graphQL(query: Self.projectMatchesQuery, variables: ["ids": [.number(Double(id))]])
        return body.map(hiding: apiKey) { status, bytes in
            HeroFileOutcome.classifyGraphQL(
                status: status, body: bytes, missing: "no project_match for project \(id) in HERO's answer"
            ) { data in
                guard case .array(let entries)? = data["project_matches"],
                    let entry = entries.first(where: { heroID($0["project"]?["id"]) == id }),
                    let matchID = heroID(entry["id"])
                else { return nil }
                return HeroProjectMatch(id: matchID, projectNumber: entry["project_nr"]?.string)
            }
        }
    }

    /// Uploads the file at `path` (streamed from disk, never read whole into memory) as `filename` of type
    /// `contentType`; the success is HERO's `data.uuid`. `filename` is sanitised for the part's header (no line
    /// breaks, quotes, backslashes, slashes or other control characters); a `contentType` that is not a media type
    /// is sent as `application/octet-stream`.
    /// `timeout` (default `uploadTimeout`) bounds the whole call; a large file over a slow uplink needs more.
    package func upload(
        file path: String, filename: String, contentType: String, timeout: Duration? = nil
    ) async -> HeroFileOutcome<String> {
        let boundary = Self.newBoundary()
        let partHead =
            "--\(boundary)\r\n"
            + "Content-Disposition: form-data; name=\"file\"; filename=\"\(Self.sanitizedFilename(filename))\"\r\n"
            + "Content-Type: \(Self.sanitizedContentType(contentType))\r\n\r\n"
        let request = HTTPClientRequest(
            method: "POST", url: uploadEndpoint,
            headers: [
                ("x-auth-token", apiKey),
                ("Content-Type", "multipart/form-data; boundary=\(boundary)"),
                ("Accept", "application/json"),
                ("User-Agent", "heroform"),
            ],
            body: .init([
                .bytes(Array(partHead.utf8)), .file(path: path), .bytes(Array("\r\n--\(boundary)--\r\n".utf8)),
            ])
        )
        let answer = await send(request, timeout: timeout ?? uploadTimeout)
        return answer.map(hiding: apiKey, HeroFileOutcome<String>.classifyUpload)
    }

    /// Attaches an upload to a project_match as an image; the success is the attached file's id.
    package func attachImage(uuid: String, projectMatch: Int) async -> HeroFileOutcome<Int> {
        await attach(
            field: "upload_image", query: Self.uploadImageMutation,
            variables: ["uuid": .string(uuid), "target": .number(Double(projectMatch))])
    }

    /// Attaches an upload to a project_match as a document of the account's `documentTypeID`; the success is the
    /// attached file's id.
    package func attachDocument(uuid: String, projectMatch: Int, documentTypeID: Int) async -> HeroFileOutcome<Int> {
        await attach(
            field: "upload_document", query: Self.uploadDocumentMutation,
            variables: [
                "uuid": .string(uuid), "target": .number(Double(projectMatch)),
                "doc": ["document_type_id": .number(Double(documentTypeID))],
            ])
    }

    private func attach(field: String, query: String, variables: JSONValue) async -> HeroFileOutcome<Int> {
        let answer = await graphQL(query: query, variables: variables)
        return answer.map(hiding: apiKey) { status, bytes in
            HeroFileOutcome.classifyGraphQL(status: status, body: bytes, missing: "answer without data.\(field).id") {
                heroID($0[field]?["id"])
            }
        }
    }

    /// Posts a GraphQL request with the Bearer key.
    private func graphQL(query: String, variables: JSONValue) async -> Answer {
        let body: JSONValue = ["query": .string(query), "variables": variables]
        let request = HTTPClientRequest(
            method: "POST", url: graphQLEndpoint,
            headers: [
                ("Authorization", "Bearer \(apiKey)"),
                ("Content-Type", "application/json"),
                ("Accept", "application/json"),
                ("User-Agent", "heroform"),
            ], body: body.serializedBytes())
        return await send(request, timeout: timeout)
    }

    /// HERO's answer, or why there is none.
    private enum Answer {
        case answered(status: Int, body: [UInt8])
        case failed(HTTPClientError)

        /// The outcome: `classify` for an answer, else unavailable (or fileUnreadable); messages never hold `key`.
        func map<Value>(hiding key: String, _ classify: (Int, [UInt8]) -> HeroFileOutcome<Value>)
            -> HeroFileOutcome<Value>
        {
            switch self {
            case .answered(let status, let body):
                return classify(status, body).redacting(key)
            case .failed(.bodyUnreadable(let reason)):
                return .fileUnreadable(reason)
            case .failed(let error):
                // The client's reasons never hold what was sent; a key with a line break is refused before sending.
                return .unavailable(error == .timedOut ? "timed out" : error.description)
            }
        }
    }

    private func send(_ request: HTTPClientRequest, timeout: Duration) async -> Answer {
        do {
            let response = try await http.send(request, timeout: timeout)
            return .answered(status: response.status, body: response.body)
        } catch {
            return .failed(error)
        }
    }

    /// A boundary of 32 random letters and digits after a fixed prefix: that it occurs in a file is as likely as
    /// guessing 190 random bits.
    static func newBoundary() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var generator = SystemRandomNumberGenerator()
        let random = (0..<32).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] }
        return "heroform-" + String(random)
    }

    /// A file name that is safe between the quotes of a part's `filename="..."`: control characters, quotes,
    /// backslashes and slashes become `_`, at most 200 characters are kept (the extension stays), and an empty
    /// name becomes `file`. Other Unicode is kept, as UTF-8, as browsers send it (RFC 7578 §4.2).
    static func sanitizedFilename(_ name: String) -> String {
        var cleaned = String(
            String.UnicodeScalarView(
                name.unicodeScalars.map { scalar in
                    let unsafe =
                        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
                        || ["\"", "\\", "/", "\u{2028}", "\u{2029}"].contains(scalar)
                    return unsafe ? "_" : scalar
                }))
        if cleaned.count > 200 {
            let dot = cleaned.lastIndex(of: ".")
            let ext = dot.map { String(cleaned[$0...].prefix(20)) } ?? ""
            cleaned = String(cleaned.prefix(200 - ext.count)) + ext
        }
        return cleaned.allSatisfy(\.isWhitespace) ? "file" : cleaned
    }

    /// `contentType` when it is a media type (`type/subtype`, parameters allowed), else `application/octet-stream`.
    static func sanitizedContentType(_ contentType: String) -> String {
        guard contentType.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }), MediaType(contentType) != nil else {
            return "application/octet-stream"
        }
        return contentType
    }
}
