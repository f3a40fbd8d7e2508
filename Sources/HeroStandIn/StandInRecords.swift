import CryptoPrimitives
import Synchronization

extension HeroStandIn {
    /// A project as HERO keeps it for the file steps: the Lead API's project id, the project_match id (a different
    /// number, the one uploads are attached to) and the project number the office sees.
    package struct ProjectMatch: Sendable, Equatable {
        package let id: Int
        package let projectID: Int
        /// The project's measure and a running number, as HERO shows it ("DOG-1766").
        package let projectNumber: String
        /// The key of the account it belongs to.
        package let account: String
    }

    /// One accepted upload: what `FileUploads/upload` received in its part `file`.
    package struct Upload: Sendable, Equatable {
        package let uuid: String
        package let id: Int
        package let filename: String
        package let contentType: String
        package let size: Int
        /// SHA-256 of the bytes, lowercase hex.
        package let sha256: String
        /// The bytes, unless the stand-in was made with `keepsUploadBytes: false`.
        package let bytes: [UInt8]?
        /// The key of the account that uploaded it.
        package let account: String
    }

    /// What an upload was attached as.
    package enum AttachmentKind: Sendable, Equatable {
        case image
        case document(typeID: Int)
    }

    /// One successful `upload_image` or `upload_document`: HERO shows the file on the project_match once per
    /// attachment (it does not deduplicate).
    package struct Attachment: Sendable, Equatable {
        package let id: Int
        package let projectMatch: Int
        package let kind: AttachmentKind
        package let upload: Upload
    }

    /// How the upload endpoint answers.
    package enum UploadMode: Sendable, Equatable {
        case up
        /// Answers correctly, after a delay (a long one makes it hang past a client's timeout).
        case slow(Duration)
        /// Reads the body, then answers this status with `{"status":"error","message":...}` and keeps nothing.
        case failing(status: Int, message: String)
        /// Refuses bodies over this many bytes with 413 from the head alone, before reading them.
        case refusingLargerThan(Int)
        /// Keeps the upload but answers 200 `{"status":"success","data":{"id":N}}`: the uuid missing.
        case okWithoutUUID
        /// Keeps the upload, then answers this status: the answer got lost on the way back.
        case actsThenFails(status: Int)
    }

    /// The GraphQL operations of the contract, by their root field.
    package enum GraphQLOperation: String, Sendable, CaseIterable {
        case projectMatches = "project_matches"
        case uploadImage = "upload_image"
        case uploadDocument = "upload_document"
    }

    /// How the GraphQL endpoint answers one operation.
    package enum GraphQLMode: Sendable, Equatable {
        case up
        /// Answers correctly, after a delay.
        case slow(Duration)
        /// Answers this HTTP status with `{"message":...}` and does nothing.
        case failing(status: Int, message: String)
        /// Answers HTTP 200 `{"errors":[{"message":...}],"data":null}` and does nothing.
        case errors(String)
        /// Answers HTTP 200 without the expected data (`project_matches` empty, `upload_*` null) and does nothing.
        case okWithoutData
        /// Does the work, then answers this status: the answer got lost on the way back.
        case actsThenFails(status: Int)
    }

    package var uploadMode: UploadMode {
        get { state.withLock { $0.uploadMode } }
        set { state.withLock { $0.uploadMode = newValue } }
    }

    /// Modes per operation; one not in here is `.up`.
    package var graphQLModes: [GraphQLOperation: GraphQLMode] {
        get { state.withLock { $0.graphQLModes } }
        set { state.withLock { $0.graphQLModes = newValue } }
    }

    /// Sets the mode of every operation at once (`.up` to recover).
    package func setGraphQLMode(_ mode: GraphQLMode, for operations: [GraphQLOperation] = GraphQLOperation.allCases) {
        state.withLock { state in
            for operation in operations { state.graphQLModes[operation] = mode }
        }
    }

    /// Calls to the upload endpoint, whatever the answer was.
    package var uploadCalls: [Call] { state.withLock { $0.uploadCalls } }

    /// Calls to the GraphQL endpoint, whatever the answer was.
    package var graphQLCalls: [Call] { state.withLock { $0.graphQLCalls } }

    /// Every project created (through the Lead API or `addProject`), with its project_match.
    package var projectMatches: [ProjectMatch] { state.withLock { $0.projects } }

    package func projectMatch(forProject id: Int) -> ProjectMatch? {
        state.withLock { $0.projects.first { $0.projectID == id } }
    }

    /// Makes a project as the Lead API would, without a call: for tests that start at a later step.
    @discardableResult
    package func addProject(measure: String = "DOG", account: String? = nil) -> ProjectMatch {
        state.withLock { state in
            state.nextID += 1
            return state.addProject(id: state.nextID, measure: measure, account: account ?? apiKey)
        }
    }

    /// Uploads accepted so far (attached or not).
    package var uploads: [Upload] { state.withLock { $0.uploads } }

    /// Every attachment, in the order they were made.
    package var attachments: [Attachment] { state.withLock { $0.attachments } }

    /// The attachments of one project_match, in the order they were made.
    package func attachments(projectMatch id: Int) -> [Attachment] {
        state.withLock { $0.attachments.filter { $0.projectMatch == id } }
    }
}

extension HeroStandIn.State {
    @discardableResult
    mutating func addProject(id: Int, measure: String, account: String) -> HeroStandIn.ProjectMatch {
        nextMatchID += 1
        let match = HeroStandIn.ProjectMatch(
            id: nextMatchID, projectID: id, projectNumber: "\(measure)-\(nextProjectNumber)", account: account)
        nextProjectNumber += 1
        projects.append(match)
        return match
    }
}

extension HeroStandIn.Upload {
    init(
        uuid: String, id: Int, filename: String, contentType: String, content: [UInt8], keepBytes: Bool,
        account: String
    ) {
        self.account = account
        self.uuid = uuid
        self.id = id
        self.filename = filename
        self.contentType = contentType
        size = content.count
        sha256 = CryptoPrimitives.hex(CryptoPrimitives.sha256(content))
        bytes = keepBytes ? content : nil
    }
}
