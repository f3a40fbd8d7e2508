import FoundationEssentials
import HTTPServer
import JSON
import Synchronization

/// HERO's GraphQL endpoint (`POST /api/external/v7/graphql`) for the three operations of `hero-file-api.txt`, and
/// no more: `project_matches(project_ids: $ids) { id project_nr project { id } }`,
/// `upload_image(file_upload_uuid: $uuid, target: project_match, target_id: $target) { id }` and
/// `upload_document(document: $doc, file_upload_uuid: $uuid, target: project_match, target_id: $target) { id }`.
///
/// This is no GraphQL parser. An operation is recognised by its root field; its arguments must be bound as the
/// contract binds them (any order, commas optional), the selection must be the contract's, and the values are read
/// from `variables` by the contract's names (`ids`, `uuid`, `target`, `doc`). Literal arguments, aliases,
/// fragments, other fields or a second root field are answered as an unknown query, although HERO would take some
/// of them: the stand-in holds clients to the variable-based forms the contract shows.
///
/// Like HERO it answers failures of a well-formed request with HTTP 200 and `{"errors":[{"message":...}],
/// "data":null}`; a wrong key gets 401, a body that is no GraphQL request 400.
extension HeroStandIn {
    func handleGraphQL(_ request: HTTPRequest) async -> HTTPResponse {
        enter()
        defer { leave() }
        let json = try? JSONValue.parse(request.body.bytes, lastKeyWins: true)
        let form = json?["query"]?.string.flatMap(GraphQLForm.init(query:))
        let mode = form.flatMap { graphQLModes[$0.operation] } ?? .up
        if case .slow(let delay) = mode { try? await Task.sleep(for: delay) }
        let (status, answer) = evaluateGraphQL(request, json: json, form: form, mode: mode)
        let call = Call(headers: request.headers, body: request.body.bytes, status: status)
        state.withLock { $0.graphQLCalls.append(call) }
        return .json(Data(answer.serializedBytes()), status: HTTPStatus(status, status == 200 ? "OK" : "Error"))
    }

    private static func errors(_ message: String) -> (Int, JSONValue) {
        (200, ["errors": [["message": .string(message)]], "data": nil])
    }

    private func evaluateGraphQL(
        _ request: HTTPRequest, json: JSONValue?, form: GraphQLForm?, mode: GraphQLMode
    ) -> (Int, JSONValue) {
        switch mode {
        case .failing(let status, let message): return (status, ["message": .string(message)])
        case .errors(let message): return Self.errors(message)
        case .up, .slow, .okWithoutData, .actsThenFails: break
        }
        guard let account = account(bearer: request.headers["Authorization"]) else {
            return (401, ["message": "Unauthenticated."])
        }
        guard request.headers["Content-Type"]?.lowercased().hasPrefix("application/json") == true else {
            return (415, ["message": "Content-Type must be application/json"])
        }
        guard let json, case .object(let body) = json, let query = body["query"]?.string else {
            return (400, ["errors": [["message": "Kein GraphQL-Request: {\"query\", \"variables\"} erwartet"]]])
        }
        let variables: [String: JSONValue]
        switch body["variables"] {
        case .object(let given): variables = given
        case nil, .null?: variables = [:]
        default: return (400, ["errors": [["message": "variables muss ein Objekt sein"]]])
        }
        guard let form else {
            return Self.errors(
                "Unbekannte Abfrage (der Stand-in kennt nur die Formen aus hero-file-api.txt): \(query.prefix(80))")
        }
        if let undeclared = form.undeclaredVariable {
            return Self.errors("Variable \"$\(undeclared)\" is not defined.")
        }
        let outcome: Result<JSONValue, GraphQLFailure>
        switch form.operation {
        case .projectMatches:
            outcome = projectMatches(variables, account: account, answering: mode != .okWithoutData)
        case .uploadImage, .uploadDocument:
            outcome = attach(form.operation, variables, account: account, acting: mode != .okWithoutData)
        }
        switch (outcome, mode) {
        case (.failure(let failure), _): return Self.errors(failure.message)
        case (.success, .actsThenFails(let status)): return (status, ["message": "Server Error"])
        case (.success(let data), _): return (200, ["data": [form.operation.rawValue: data]])
        }
    }

    /// Why an operation was refused: the message of the `errors` answer.
    private struct GraphQLFailure: Error {
        let message: String
    }

    /// Only the projects of the caller's `account`.
    private func projectMatches(
        _ variables: [String: JSONValue], account: String, answering: Bool
    ) -> Result<JSONValue, GraphQLFailure> {
        // A single value where a list is declared counts as a list of one, as GraphQL coerces it.
        let given: [JSONValue]
        switch variables["ids"] {
        case .array(let values): given = values
        case .number(let id)?: given = [.number(id)]
        case nil, .null?: return .failure(GraphQLFailure(message: "Variable \"$ids\" must not be null."))
        default: return .failure(GraphQLFailure(message: "Variable \"$ids\" got invalid value; Int expected."))
        }
        var ids: [Int] = []
        for value in given {
            guard let id = value.integer else {
                return .failure(GraphQLFailure(message: "Variable \"$ids\" got invalid value; Int expected."))
            }
            ids.append(id)
        }
        guard answering else { return .success([]) }
        let matches = state.withLock { state in
            ids.flatMap { id in state.projects.filter { $0.projectID == id && $0.account == account } }
        }
        return .success(
            .array(
                matches.map { match in
                    [
                        "id": .number(Double(match.id)), "project_nr": .string(match.projectNumber),
                        "project": ["id": .number(Double(match.projectID))],
                    ]
                }))
    }

    private func attach(
        _ operation: GraphQLOperation, _ variables: [String: JSONValue], account: String, acting: Bool
    ) -> Result<JSONValue, GraphQLFailure> {
        func failure(_ message: String) -> Result<JSONValue, GraphQLFailure> {
            .failure(GraphQLFailure(message: message))
        }
        guard let uuidValue = variables["uuid"], uuidValue != .null else {
            return failure("Variable \"$uuid\" of non-null type \"String!\" must not be null.")
        }
        guard let uuid = uuidValue.string else {
            return failure("Variable \"$uuid\" got invalid value; String expected.")
        }
        guard let targetValue = variables["target"], targetValue != .null else {
            return failure("Variable \"$target\" of non-null type \"Int!\" must not be null.")
        }
        guard let target = targetValue.integer else {
            return failure("Variable \"$target\" got invalid value; Int expected.")
        }
        var kind = AttachmentKind.image
        if operation == .uploadDocument {
            guard case .object(let document)? = variables["doc"] else {
                return failure("Variable \"$doc\" of non-null type \"CustomerDocumentInput!\" must not be null.")
            }
            if let unknown = document.keys.sorted().first(where: { $0 != "document_type_id" }) {
                return failure("Field \"\(unknown)\" is not defined by type \"CustomerDocumentInput\".")
            }
            guard let typeValue = document["document_type_id"], typeValue != .null else {
                return failure("document_type_id darf nicht leer bleiben")
            }
            guard let typeID = typeValue.integer, (accountDocumentTypeIDs[account] ?? documentTypeIDs).contains(typeID)
            else {
                return failure("Unbekannter Dokumenttyp: \(typeValue.serialized())")
            }
            kind = .document(typeID: typeID)
        }
        guard !uuid.isEmpty else { return failure("file_upload_uuid darf nicht leer bleiben") }
        return state.withLock { state in
            // Another account's upload or project_match is as unknown to this key as one that does not exist.
            guard let upload = state.uploads.first(where: { $0.uuid == uuid && $0.account == account }) else {
                return failure("Kein Datei-Upload mit file_upload_uuid \(uuid.prefix(40))")
            }
            guard state.projects.contains(where: { $0.id == target && $0.account == account }) else {
                return failure("Kein project_match mit der ID \(target)")
            }
            guard acting else { return .success(nil) }
            state.nextAttachmentID += 1
            state.attachments.append(
                Attachment(id: state.nextAttachmentID, projectMatch: target, kind: kind, upload: upload))
            return .success(["id": .number(Double(state.nextAttachmentID))])
        }
    }
}

/// A GraphQL request's query checked against the contract's three forms, without parsing GraphQL: the text is
/// normalised (commas and runs of white space to one space, none beside punctuation), then cut at the root field.
struct GraphQLForm: Equatable {
    let operation: HeroStandIn.GraphQLOperation
    /// A variable the arguments use that the operation's header does not declare.
    let undeclaredVariable: String?

    private static let arguments: [HeroStandIn.GraphQLOperation: Set<String>] = [
        .projectMatches: ["project_ids:$ids"],
        .uploadImage: ["file_upload_uuid:$uuid", "target:project_match", "target_id:$target"],
        .uploadDocument: ["document:$doc", "file_upload_uuid:$uuid", "target:project_match", "target_id:$target"],
    ]

    private static let selections: [HeroStandIn.GraphQLOperation: String] = [
        .projectMatches: "{id project_nr project{id}}",
        .uploadImage: "{id}",
        .uploadDocument: "{id}",
    ]

    /// Nil when the query is none of the forms.
    init?(query: String) {
        let text = Self.normalised(query)
        let found = HeroStandIn.GraphQLOperation.allCases.filter { text.contains($0.rawValue + "(") }
        guard found.count == 1, let operation = found.first,
            let fieldStart = text.firstRange(of: operation.rawValue + "("),
            let argumentsEnd = text[fieldStart.upperBound...].firstIndex(of: ")"),
            let expectedArguments = Self.arguments[operation], let selection = Self.selections[operation]
        else { return nil }
        // The header: `query` (or nothing) for the lookup, `mutation` for the attachments, a name and variable
        // definitions optional, then the one `{` that opens the root selection.
        let header = text[..<fieldStart.lowerBound]
        guard header.hasSuffix("{") else { return nil }
        var keywordAndDefinitions = header.dropLast()
        let keyword = operation == .projectMatches ? "query" : "mutation"
        if keywordAndDefinitions.hasPrefix(keyword) {
            keywordAndDefinitions = keywordAndDefinitions.dropFirst(keyword.count)
        } else if !(operation == .projectMatches && keywordAndDefinitions.isEmpty) {
            return nil
        }
        let definitions = keywordAndDefinitions.drop { $0 != "(" }
        guard definitions.isEmpty || (definitions.hasPrefix("(") && definitions.hasSuffix(")")) else { return nil }
        // The arguments, in any order, each exactly once; then the contract's selection and the closing brace.
        let given = text[fieldStart.upperBound..<argumentsEnd].split(separator: " ").map(String.init)
        guard Set(given) == expectedArguments, given.count == expectedArguments.count,
            text[text.index(after: argumentsEnd)...] == selection + "}"
        else { return nil }
        self.operation = operation
        undeclaredVariable =
            expectedArguments.compactMap { argument -> String? in
                guard let dollar = argument.firstIndex(of: "$") else { return nil }
                let name = argument[argument.index(after: dollar)...]
                return definitions.contains("$\(name):") ? nil : String(name)
            }.sorted().first
    }

    /// Commas and white space (GraphQL's insignificant characters) to single spaces, none next to punctuation.
    static func normalised(_ query: String) -> String {
        let punctuation: Set<Character> = ["(", ")", "{", "}", "[", "]", ":", "!", "=", "$"]
        var output: [Character] = []
        var pendingSpace = false
        for character in query {
            if character == "," || character.isWhitespace {
                pendingSpace = true
                continue
            }
            if pendingSpace, let last = output.last, !punctuation.contains(last), !punctuation.contains(character) {
                output.append(" ")
            }
            pendingSpace = false
            output.append(character)
        }
        return String(output)
    }
}
