import Dispatch
import Glibc
import HTTPServer
import Logging

/// A hidden mode for `Scripts/bench-upload.sh`, not part of HERO's stand-in:
///
///     hero-stand-in --upload-sink PORT SPOOL_DIRECTORY|memory
///
/// A bare server of this package's HTTP layer with one route, `POST /upload` (bodies up to 1 GiB), that reads each
/// body back in 64 KiB pieces, as a multipart decoder would, and answers its length and whether it was spooled.
/// Bodies past 1 MiB go to SPOOL_DIRECTORY (`memory`: every body stays in memory, for comparison). It measures the
/// server's upload path, memory and speed, alone: the script sets heroform's figures beside it.
enum UploadSink {
    /// Runs the sink and never returns when the first argument asks for it; else returns at once.
    static func runIfAsked(_ arguments: [String]) {
        guard arguments.count > 1, arguments[1] == "--upload-sink" else { return }
        guard arguments.count == 4, let port = UInt16(arguments[2]) else {
            print("usage: hero-stand-in --upload-sink PORT SPOOL_DIRECTORY|memory")
            exit(2)
        }
        var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: port)
        configuration.bodySpoolDirectory = arguments[3] == "memory" ? nil : arguments[3]
        var logger = Logger(label: "upload-sink")
        logger.logLevel = .error
        let server = HTTPServer(configuration: configuration, responder: router(), logger: logger)
        do {
            try server.start()
        } catch {
            print("cannot start: \(error)")
            exit(1)
        }
        print("upload sink at http://127.0.0.1:\(server.port)/upload")
        fflush(nil)
        signal(SIGTERM, SIG_IGN)
        let stop = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .main)
        stop.setEventHandler { exit(0) }
        stop.resume()
        dispatchMain()
    }

    private static func router() -> Router {
        var router = Router()
        router.post("/upload", bodyLimit: 1 << 30) { request in
            var reader = request.body.reader(chunkSize: 64 * 1024)
            var read = 0
            while let piece = try reader.next() { read += piece.count }
            return .text("\(read) \(request.body.isSpooled ? "spooled" : "memory")\n")
        }
        return router
    }
}
