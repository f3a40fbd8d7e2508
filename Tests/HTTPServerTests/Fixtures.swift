import Foundation
import HTTPServer
import Logging
import Synchronization

/// The routes the connection and server tests talk to.
func testRouter() -> Router {
    var router = Router()
    router.get("/hello") { _ in .text("hello") }
    router.get("/items/{id}") { request in .text("item \(request.parameters["id"] ?? "?")") }
    router.post("/echo", bodyLimit: 1024) { request in
        var response = HTTPResponse.text(String(decoding: request.body, as: UTF8.self))
        response.headers.add("X-Trailers", request.trailers.map { "\($0.name)=\($0.value)" }.joined(separator: ","))
        return response
    }
    router.get("/slow") { _ in
        try? await Task.sleep(for: .milliseconds(400))
        return .text("slow")
    }
    return router
}

/// Collects log messages so tests can check what is logged.
final class LogCapture: Sendable {
    let lines = Mutex<[String]>([])

    var logger: Logger {
        Logger(label: "capture") { _ in CaptureHandler(capture: self) }
    }

    struct CaptureHandler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
            capture.lines.withLock { $0.append("\(level) \(message)") }
        }
    }
}
