import Foundation
import HTTPServer
import Logging

/// The routes the connection and server tests talk to.
func testRouter() -> Router {
    var router = Router()
    router.get("/hello") { _ in .text("hello") }
    router.get("/items/{id}") { request in .text("item \(request.parameters["id"] ?? "?")") }
    router.post("/echo", bodyLimit: 1024) { request in
        var response = HTTPResponse.text(String(decoding: request.body.bytes, as: UTF8.self))
        response.headers.add("X-Trailers", request.trailers.map { "\($0.name)=\($0.value)" }.joined(separator: ","))
        return response
    }
    // Answered after one hop off the connection's queue, so the answer races whatever else reaches that queue.
    router.get("/soon") { _ in
        await Task.yield()
        return .text("soon")
    }
    router.get("/slow") { _ in
        try? await Task.sleep(for: .milliseconds(400))
        return .text("slow")
    }
    return router
}
