import Foundation
import HTTPClient
import HeroClient
import HeroStandIn
import HTTPServer
import JSON
import Testing

/// The GraphQL steps (project_match lookup, attaching uploads) against the stand-in over real sockets, and what
/// the stand-in enforces of the contract.
@Suite struct GraphQLStepsTests {
    @Test func theProjectMatchOfANewProjectIsFoundWithTheContractsQuery() async throws {
        let (hero, client) = try startHero()
        try await hero.runThenStop {
            let projectID = try await client.createTestProject()
            let outcome = await client.projectMatch(forProject: projectID)
            let match = try #require(hero.projectMatch(forProject: projectID))
            #expect(outcome == .success(HeroProjectMatch(id: match.id, projectNumber: "DOG-1766")))
            #expect(match.id != projectID)
            let call = try #require(hero.graphQLCalls.first)
            #expect(call.headers["Authorization"] == "Bearer file-key")
            #expect(call.headers["Content-Type"] == "application/json")
            #expect(call.json?["query"]?.string
                == "query($ids: [Int]) { project_matches(project_ids: $ids) { id project_nr project { id } } }")
            #expect(call.json?["variables"] == ["ids": [.number(Double(projectID))]])
        }
    }

    @Test func theEntryOfTheAskedProjectIsTakenAmongOthers() async throws {
        let (hero, client) = try startHero()
        await hero.runThenStop {
            hero.addProject(measure: "PV")
            let second = hero.addProject(measure: "DOG")
            #expect(await client.projectMatch(forProject: second.projectID)
                == .success(HeroProjectMatch(id: second.id, projectNumber: "DOG-1767")))
        }
    }

    @Test func anAnswerWithoutTheEntryIsRejected() async throws {
        let (hero, client) = try startHero()
        await hero.runThenStop {
            // An id HERO does not know: the list comes back empty.
            #expect(await client.projectMatch(forProject: 4242)
                == .rejected(status: 200, message: "no project_match for project 4242 in HERO's answer"))
            // A known project, but HERO's answer lacks the data.
            let project = hero.addProject()
            hero.setGraphQLMode(.okWithoutData)
            #expect(await client.projectMatch(forProject: project.projectID)
                == .rejected(
                    status: 200, message: "no project_match for project \(project.projectID) in HERO's answer"))
            // It recovers.
            hero.setGraphQLMode(.up)
            #expect(await client.projectMatch(forProject: project.projectID)
                == .success(HeroProjectMatch(id: project.id, projectNumber: project.projectNumber)))
        }
    }

    @Test func aWrongKeyIsUnauthorizedOnGraphQL() async throws {
        let (hero, client) = try startHero(apiKey: "right", clientKey: "wrong")
        await hero.runThenStop {
            let project = hero.addProject()
            #expect(await client.projectMatch(forProject: project.projectID)
                == .unauthorized(status: 401, message: "Unauthenticated."))
            #expect(await client.attachImage(uuid: "abc", projectMatch: project.id)
                == .unauthorized(status: 401, message: "Unauthenticated."))
            #expect(await client.attachDocument(uuid: "abc", projectMatch: project.id, documentTypeID: 1_250_455)
                == .unauthorized(status: 401, message: "Unauthenticated."))
            #expect(hero.attachments.isEmpty)
        }
    }

    @Test func graphQLTakesTheKeyOnlyAsBearer() async throws {
        let (hero, _) = try startHero()
        try await hero.runThenStop {
            let body: JSONValue = [
                "query": "query($ids: [Int]) { project_matches(project_ids: $ids) { id project_nr project { id } } }",
                "variables": ["ids": [1001]],
            ]
            for auth in [("x-auth-token", hero.apiKey), ("Authorization", hero.apiKey), ("Authorization", "Basic x")] {
                let (status, _) = try await rawPost(
                    hero.graphQLEndpoint, headers: [auth, ("Content-Type", "application/json")],
                    body: body.serializedBytes())
                #expect(status == 401, "\(auth.0)")
            }
        }
    }

    @Test(arguments: [
        (HeroStandIn.GraphQLMode.failing(status: 500, message: "Server Error"), "HTTP 500"),
        (.failing(status: 503, message: "Wartung"), "HTTP 503"),
        (.failing(status: 429, message: "Too Many Attempts."), "HTTP 429"),
    ])
    func failingGraphQLIsUnavailable(_ mode: HeroStandIn.GraphQLMode, _ reason: String) async throws {
        let (hero, client) = try startHero()
        await hero.runThenStop {
            let project = hero.addProject()
            hero.setGraphQLMode(mode)
            #expect(await client.projectMatch(forProject: project.projectID) == .unavailable(reason))
            #expect(await client.attachImage(uuid: "abc", projectMatch: project.id) == .unavailable(reason))
            #expect(await client.attachDocument(uuid: "abc", projectMatch: project.id, documentTypeID: 1_250_455)
                == .unavailable(reason))
        }
    }

    @Test func aForbiddenAnswerIsUnauthorized() async throws {
        let (hero, client) = try startHero()
        await hero.runThenStop {
            hero.setGraphQLMode(.failing(status: 403, message: "Forbidden"))
            #expect(await client.projectMatch(forProject: 1) == .unauthorized(status: 403, message: "Forbidden"))
        }
    }

    @Test func anotherClientErrorIsRejectedWithHerosMessage() async throws {
        let (hero, client) = try startHero()
        await hero.runThenStop {
            hero.setGraphQLMode(.failing(status: 422, message: "Ungültige Anfrage"))
            #expect(await client.projectMatch(forProject: 1) == .rejected(status: 422, message: "Ungültige Anfrage"))
        }
    }

    @Test func anErrorsAnswerIsRejectedWithItsMessageForEachOperation() async throws {
        let (hero, client) = try startHero()
        await hero.runThenStop {
            let project = hero.addProject()
            hero.setGraphQLMode(.errors("Internal server error"))
            let rejected = HeroFileOutcome<Int>.rejected(status: 200, message: "Internal server error")
            #expect(await client.projectMatch(forProject: project.projectID)
                == .rejected(status: 200, message: "Internal server error"))
            #expect(await client.attachImage(uuid: "abc", projectMatch: project.id) == rejected)
            #expect(await client.attachDocument(uuid: "abc", projectMatch: project.id, documentTypeID: 1) == rejected)
        }
    }

    @Test func modesApplyPerOperation() async throws {
        // The lookup works while attaching fails, so a caller's step-by-step progress can be tested.
        let (hero, client) = try startHero()
        await hero.runThenStop {
            let project = hero.addProject()
            hero.graphQLModes[.uploadImage] = .failing(status: 502, message: "Bad Gateway")
            #expect(await client.projectMatch(forProject: project.projectID)
                == .success(HeroProjectMatch(id: project.id, projectNumber: project.projectNumber)))
            #expect(await client.attachImage(uuid: "abc", projectMatch: project.id) == .unavailable("HTTP 502"))
        }
    }

    @Test func attachingRefusesAnEmptyOrUnknownUploadAndAnUnknownTarget() async throws {
        let (hero, client) = try startHero()
        await hero.runThenStop {
            let project = hero.addProject()
            #expect(await client.attachImage(uuid: "", projectMatch: project.id)
                == .rejected(status: 200, message: "file_upload_uuid darf nicht leer bleiben"))
            #expect(await client.attachImage(uuid: "nosuchupload0000", projectMatch: project.id)
                == .rejected(status: 200, message: "Kein Datei-Upload mit file_upload_uuid nosuchupload0000"))
            #expect(await client.attachDocument(uuid: "", projectMatch: project.id, documentTypeID: 1_250_455)
                == .rejected(status: 200, message: "file_upload_uuid darf nicht leer bleiben"))
            // The project id is not the project_match id.
            #expect(await client.attachImage(uuid: "nosuchupload0000", projectMatch: project.projectID)
                == .rejected(status: 200, message: "Kein Datei-Upload mit file_upload_uuid nosuchupload0000"))
            #expect(hero.attachments.isEmpty)
        }
    }

    @Test func aDocumentNeedsOneOfTheAccountsDocumentTypes() async throws {
        let (hero, client) = try startHero()
        try await hero.runThenStop {
            let project = hero.addProject()
            #expect(await client.attachDocument(uuid: "abc", projectMatch: project.id, documentTypeID: 7)
                == .rejected(status: 200, message: "Unbekannter Dokumenttyp: 7"))
            // What HeroClient never sends: no type, a type in the wrong place, no document at all.
            let mutation = "mutation($uuid: String!, $target: Int!, $doc: CustomerDocumentInput!) { upload_document("
                + "document: $doc, file_upload_uuid: $uuid, target: project_match, target_id: $target) { id } }"
            let cases: [(JSONValue, String)] = [
                ([:], "document_type_id darf nicht leer bleiben"),
                (["document_type_id": 1_250_455, "target": "project_match"],
                 "Field \"target\" is not defined by type \"CustomerDocumentInput\"."),
                (nil, "Variable \"$doc\" of non-null type \"CustomerDocumentInput!\" must not be null."),
            ]
            for (doc, message) in cases {
                let (status, json) = try await rawGraphQL(
                    hero, query: mutation,
                    variables: ["uuid": "abc", "target": .number(Double(project.id)), "doc": doc])
                #expect(status == 200)
                #expect(errorMessage(json) == message)
                #expect(json?["data"] == .null)
            }
        }
    }

    @Test func theStandInTakesOnlyTheContractsForms() async throws {
        let (hero, _) = try startHero()
        try await hero.runThenStop {
            let project = hero.addProject()
            let target = JSONValue.number(Double(project.id))
            let unknown = "Unbekannte Abfrage (der Stand-in kennt nur die Formen aus hero-file-api.txt)"
            let refused: [(String, JSONValue)] = [
                // A literal instead of a variable.
                ("mutation($target: Int!) { upload_image(file_upload_uuid: \"abc\", target: project_match, "
                    + "target_id: $target) { id } }", ["target": target]),
                // Another target.
                ("mutation($uuid: String!, $target: Int!) { upload_image(file_upload_uuid: $uuid, target: customer, "
                    + "target_id: $target) { id } }", ["uuid": "abc", "target": target]),
                // A mutation field in a query.
                ("query($uuid: String!, $target: Int!) { upload_image(file_upload_uuid: $uuid, target: project_match, "
                    + "target_id: $target) { id } }", ["uuid": "abc", "target": target]),
                // Another selection.
                ("query($ids: [Int]) { project_matches(project_ids: $ids) { id } }", ["ids": [1]]),
                // A second root field.
                ("query($ids: [Int]) { project_matches(project_ids: $ids) { id project_nr project { id } } "
                    + "document_types { id name } }", ["ids": [1]]),
                ("query { document_types { id name } }", [:]),
            ]
            for (query, variables) in refused {
                let (status, json) = try await rawGraphQL(hero, query: query, variables: variables)
                #expect(status == 200)
                #expect(errorMessage(json)?.hasPrefix(unknown) == true, "\(query)")
            }
            // An undeclared variable.
            let (_, undeclared) = try await rawGraphQL(
                hero, query: "{ project_matches(project_ids: $ids) { id project_nr project { id } } }",
                variables: ["ids": [1]])
            #expect(errorMessage(undeclared) == "Variable \"$ids\" is not defined.")
            // Formatting is free: other spacing, commas left out, a named operation.
            let (_, reformatted) = try await rawGraphQL(
                hero,
                query: "query Lookup( $ids : [Int!]! )\n{\n  project_matches( project_ids : $ids )\n"
                    + "  { id, project_nr, project { id } }\n}",
                variables: ["ids": .number(Double(project.projectID))])
            #expect(reformatted?["data"]?["project_matches"]
                == [["id": target, "project_nr": .string(project.projectNumber),
                     "project": ["id": .number(Double(project.projectID))]]])
        }
    }

    @Test func aRequestThatIsNoGraphQLIsRefused() async throws {
        let (hero, _) = try startHero()
        try await hero.runThenStop {
            let bearer = ("Authorization", "Bearer \(hero.apiKey)")
            let notJSON = try await rawPost(
                hero.graphQLEndpoint, headers: [bearer, ("Content-Type", "application/json")],
                body: Array("query".utf8))
            #expect(notJSON.status == 400)
            let noQuery = try await rawPost(
                hero.graphQLEndpoint, headers: [bearer, ("Content-Type", "application/json")],
                body: Array(#"{"variables":{}}"#.utf8))
            #expect(noQuery.status == 400)
            let badVariables = try await rawPost(
                hero.graphQLEndpoint, headers: [bearer, ("Content-Type", "application/json")],
                body: Array(#"{"query":"{ x }","variables":[1]}"#.utf8))
            #expect(badVariables.status == 400)
            let form = try await rawPost(
                hero.graphQLEndpoint, headers: [bearer, ("Content-Type", "application/x-www-form-urlencoded")],
                body: Array("query=x".utf8))
            #expect(form.status == 415)
        }
    }

    @Test func variablesOfTheWrongTypeAreGraphQLErrors() async throws {
        let (hero, _) = try startHero()
        try await hero.runThenStop {
            let lookup = "query($ids: [Int]) { project_matches(project_ids: $ids) { id project_nr project { id } } }"
            let (_, text) = try await rawGraphQL(hero, query: lookup, variables: ["ids": ["1001"]])
            #expect(errorMessage(text) == "Variable \"$ids\" got invalid value; Int expected.")
            let (_, missing) = try await rawGraphQL(hero, query: lookup, variables: [:])
            #expect(errorMessage(missing) == "Variable \"$ids\" must not be null.")
            let image = "mutation($uuid: String!, $target: Int!) { upload_image(file_upload_uuid: $uuid, "
                + "target: project_match, target_id: $target) { id } }"
            let (_, numberUUID) = try await rawGraphQL(hero, query: image, variables: ["uuid": 5, "target": 1])
            #expect(errorMessage(numberUUID) == "Variable \"$uuid\" got invalid value; String expected.")
            let (_, textTarget) = try await rawGraphQL(hero, query: image, variables: ["uuid": "a", "target": "1"])
            #expect(errorMessage(textTarget) == "Variable \"$target\" got invalid value; Int expected.")
            let (_, noTarget) = try await rawGraphQL(hero, query: image, variables: ["uuid": "a"])
            #expect(errorMessage(noTarget) == "Variable \"$target\" of non-null type \"Int!\" must not be null.")
            let (_, noUUID) = try await rawGraphQL(hero, query: image, variables: ["target": 1])
            #expect(errorMessage(noUUID) == "Variable \"$uuid\" of non-null type \"String!\" must not be null.")
        }
    }

    @Test func aSlowGraphQLTimesOut() async throws {
        let (hero, client) = try startHero(timeout: .milliseconds(500))
        await hero.runThenStop {
            hero.setGraphQLMode(.slow(.seconds(60)))
            let started = ContinuousClock.now
            #expect(await client.projectMatch(forProject: 1) == .unavailable("timed out"))
            #expect(await client.attachImage(uuid: "a", projectMatch: 1) == .unavailable("timed out"))
            #expect(ContinuousClock.now - started < .seconds(30))
        }
    }

    @Test func unreachableGraphQLIsUnavailable() async throws {
        // Port 9 (discard) on loopback: nothing listens there.
        let nowhere = try #require(URL(string: "http://127.0.0.1:9/api/external/v7/graphql"))
        let client = HeroClient(graphQLEndpoint: nowhere, apiKey: "k", timeout: .seconds(5))
        guard case .unavailable = await client.projectMatch(forProject: 1) else {
            Issue.record("expected unavailable")
            return
        }
    }

    @Test func herosMessagesNeverCarryTheKey() async throws {
        let (hero, client) = try startHero(apiKey: "key-4711")
        await hero.runThenStop {
            hero.setGraphQLMode(.errors("token key-4711 is not valid here"))
            #expect(await client.projectMatch(forProject: 1)
                == .rejected(status: 200, message: "token [key] is not valid here"))
            hero.setGraphQLMode(.failing(status: 401, message: "Unknown token key-4711"))
            #expect(await client.attachImage(uuid: "a", projectMatch: 1)
                == .unauthorized(status: 401, message: "Unknown token [key]"))
        }
    }

    @Test func theClientsDescriptionNamesTheEndpointsButNeverTheKey() {
        let client = HeroClient(apiKey: "super-secret")
        #expect("\(client)".contains("https://login.hero-software.de/api/external/v7/graphql"))
        #expect("\(client)".contains("https://login.hero-software.de/app/v8/FileUploads/upload"))
        #expect(!"\(client)".contains("super-secret"))
    }
}

/// How answers are classified, without a network.
@Suite struct HeroFileOutcomeTests {
    private func classify(_ status: Int, _ body: String) -> HeroFileOutcome<Int> {
        HeroFileOutcome.classifyGraphQL(status: status, body: Array(body.utf8), missing: "missing") {
            $0["upload_image"]?["id"]?.integer ?? $0["upload_image"]?["id"]?.string.flatMap { Int($0) }
        }
    }

    @Test func aSuccessNeedsNoErrorsAndTheData() {
        #expect(classify(200, #"{"data":{"upload_image":{"id":5}}}"#) == .success(5))
        #expect(classify(200, #"{"data":{"upload_image":{"id":"5"}}}"#) == .success(5))
        // An empty or null errors array is no error.
        #expect(classify(200, #"{"data":{"upload_image":{"id":5}},"errors":[]}"#) == .success(5))
        #expect(classify(200, #"{"data":{"upload_image":{"id":5}},"errors":null}"#) == .success(5))
        // Errors beside partial data: refused.
        #expect(classify(200, #"{"data":{"upload_image":{"id":5}},"errors":[{"message":"a"},{"message":"b"}]}"#)
            == .rejected(status: 200, message: "a; b"))
        #expect(classify(200, #"{"errors":[{}]}"#)
            == .rejected(status: 200, message: "GraphQL errors without a message"))
        #expect(classify(200, #"{"errors":"broken"}"#)
            == .rejected(status: 200, message: "GraphQL errors without a message"))
        #expect(classify(200, #"{"data":{"upload_image":null}}"#) == .rejected(status: 200, message: "missing"))
        #expect(classify(200, #"{"data":null}"#) == .rejected(status: 200, message: "missing"))
        #expect(classify(200, "<html>proxy</html>") == .rejected(status: 200, message: "<html>proxy</html>"))
        #expect(classify(200, "") == .rejected(status: 200, message: "missing"))
    }

    @Test func statusesAreClassifiedLikeTheLeadAPIs() {
        #expect(classify(401, #"{"message":"Unauthenticated."}"#)
            == .unauthorized(status: 401, message: "Unauthenticated."))
        #expect(classify(403, "") == .unauthorized(status: 403, message: "HTTP 403"))
        for status in [408, 425, 429, 500, 502, 503, 504] {
            #expect(classify(status, "echo of the request") == .unavailable("HTTP \(status)"))
        }
        #expect(classify(400, #"{"errors":[{"message":"Syntax Error"}]}"#)
            == .rejected(status: 400, message: "Syntax Error"))
        #expect(classify(404, "") == .rejected(status: 404, message: "HTTP 404"))
    }

    @Test func longMessagesAreCut() {
        let long = String(repeating: "x", count: 2000)
        guard case .rejected(_, let message) = classify(200, #"{"errors":[{"message":"\#(long)"}]}"#) else {
            Issue.record("expected rejected")
            return
        }
        #expect(message.count == 500)
    }
}
