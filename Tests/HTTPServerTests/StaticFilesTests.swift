import Foundation
import HTTPServer
import HTTPTesting
import Testing

/// A temporary public folder with a secret next to it, for traversal attempts.
final class PublicFolder {
    let base: String
    let root: String

    init() throws {
        base = NSTemporaryDirectory() + "heroform-static-\(UUID().uuidString)"
        root = base + "/public"
        let manager = FileManager.default
        try manager.createDirectory(atPath: root + "/css", withIntermediateDirectories: true)
        try manager.createDirectory(atPath: root + "/docs", withIntermediateDirectories: true)
        try manager.createDirectory(atPath: root + "/templates", withIntermediateDirectories: true)
        try "<h1>home</h1>".write(toFile: root + "/index.html", atomically: true, encoding: .utf8)
        try "body{}".write(toFile: root + "/css/site.css", atomically: true, encoding: .utf8)
        try "body{color:red}".write(toFile: root + "/css/site.3f9a1c2b.css", atomically: true, encoding: .utf8)
        try "docs".write(toFile: root + "/docs/index.html", atomically: true, encoding: .utf8)
        try "{{secret template}}".write(toFile: root + "/templates/form.html", atomically: true, encoding: .utf8)
        try "hidden".write(toFile: root + "/.env", atomically: true, encoding: .utf8)
        try "SECRET".write(toFile: base + "/secret.txt", atomically: true, encoding: .utf8)
        try manager.createSymbolicLink(atPath: root + "/escape.txt", withDestinationPath: base + "/secret.txt")
        try manager.createSymbolicLink(atPath: root + "/outside", withDestinationPath: base)
        try manager.createSymbolicLink(atPath: root + "/inside.css", withDestinationPath: root + "/css/site.css")
    }

    deinit { try? FileManager.default.removeItem(atPath: base) }
}

@Suite struct StaticFilesTests {
    let folder: PublicFolder
    let files: StaticFiles

    init() throws {
        folder = try PublicFolder()
        files = try StaticFiles(root: folder.root, excluding: ["templates"])
    }

    func get(_ target: String, _ headers: HTTPHeaders = [:]) -> HTTPResponse {
        var allHeaders: HTTPHeaders = ["Host": "a"]
        for field in headers { allHeaders.add(field.name, field.value) }
        return files.respond(to: HTTPRequest(head: HTTPRequestHead(method: .get, target: target, headers: allHeaders)))
    }

    @Test func servesFilesWithTheirContentType() {
        let css = get("/css/site.css")
        #expect(css.status == .ok)
        #expect(css.body == Array("body{}".utf8))
        #expect(css.headers["Content-Type"] == "text/css; charset=utf-8")
        #expect(css.headers["X-Content-Type-Options"] == "nosniff")
        #expect(css.headers["Cache-Control"] == "public, max-age=3600")
    }

    @Test func servesIndexForDirectories() {
        #expect(get("/").body == Array("<h1>home</h1>".utf8))
        #expect(get("/").headers["Cache-Control"] == "no-cache")
        #expect(get("/docs/").body == Array("docs".utf8))
        #expect(get("/docs").body == Array("docs".utf8))
    }

    @Test func fingerprintedNamesAreCachedForAYear() {
        #expect(get("/css/site.3f9a1c2b.css").headers["Cache-Control"] == "public, max-age=31536000, immutable")
    }

    @Test func etagRevalidationAnswers304() throws {
        let first = get("/css/site.css")
        let etag = try #require(first.headers["ETag"])
        #expect(etag.hasPrefix("\"") && etag.hasSuffix("\""))
        let revalidated = get("/css/site.css", ["If-None-Match": etag])
        #expect(revalidated.status == .notModified)
        #expect(revalidated.body.isEmpty)
        #expect(revalidated.headers["ETag"] == etag)
        #expect(get("/css/site.css", ["If-None-Match": "\"other\", W/\(etag)"]).status == .notModified)
        #expect(get("/css/site.css", ["If-None-Match": "*"]).status == .notModified)
        #expect(get("/css/site.css", ["If-None-Match": "\"other\""]).status == .ok)
    }

    @Test func changedFileGetsANewETag() throws {
        let before = get("/css/site.css").headers["ETag"]
        try "body{margin:0}".write(toFile: folder.root + "/css/site.css", atomically: true, encoding: .utf8)
        let after = get("/css/site.css")
        #expect(after.body == Array("body{margin:0}".utf8))
        #expect(after.headers["ETag"] != before)
    }

    @Test(arguments: [
        "/../secret.txt", "/css/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt", "/css/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt", "/css%2f..%2f..%2fsecret.txt", "/escape.txt", "/outside/secret.txt", "/.env", "/%2eenv",
        "/index.html%00.css", "/templates/form.html", "/nothing.html", "/css/..%5c..%5csecret.txt", "/%zz",
    ])
    func nothingOutsideTheFolderIsServed(_ target: String) {
        let response = get(target)
        #expect(response.status == .notFound, "\(target)")
        #expect(!response.body.elementsEqual("SECRET".utf8))
    }

    @Test func symlinksInsideTheFolderAreFollowed() {
        #expect(get("/inside.css").status == .ok)
    }

    @Test func missingRootIsAnError() {
        #expect(throws: StaticFiles.SetupError.self) { try StaticFiles(root: "/nonexistent/heroform") }
    }

    @Test func traversalOverARealSocketIsRefused() async throws {
        var router = Router()
        let files = self.files
        router.fallback { files.respond(to: $0) }
        try await TestServer.with(router) { server in
            for target in ["/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/outside/secret.txt", "//etc/passwd"] {
                let client = try await RawClient.connect(port: server.port)
                try await client.send("GET \(target) HTTP/1.1\r\nHost: a\r\n\r\n")
                let response = try await client.readResponse()
                #expect(response.status == 404, "\(target)")
                #expect(response.text.contains("SECRET") == false)
            }
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET /css/site.css HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try await client.readResponse().text == "body{}")
        }
    }
}
