// A local stand-in for HERO's Lead API as a process, for benchmarks and manual trials:
//   hero-stand-in [port] [api key] [delay in milliseconds]
// With a delay it answers each Lead API call that much later, like a remote API would. It enforces the same contract
// as in the tests (the Lead API, the file upload and the GraphQL subset for attaching files; document type 1250455)
// and answers GET /stats with {"created": N, "calls": M, "uploads": U, "attached": A}, GET /references with the
// projects created per heroform reference, and POST /mode to change how it answers (up, slow, failing, hang; see
// StandInControl.swift). Uploads keep only their size and SHA-256, not their bytes.
import Dispatch
import FoundationEssentials
import Glibc
import HeroStandIn

let arguments = CommandLine.arguments
UploadSink.runIfAsked(arguments)
let port = arguments.count > 1 ? UInt16(arguments[1]) ?? 18500 : 18500
let key = arguments.count > 2 ? arguments[2] : "bench-key"
let hero = HeroStandIn(apiKey: key, port: port, keepsUploadBytes: false)
if arguments.count > 3 {
    guard let delay = Int(arguments[3]), delay >= 0 else {
        print("the delay must be a whole number of milliseconds, not \(arguments[3])")
        exit(2)
    }
    hero.mode = .slow(.milliseconds(delay))
}
do {
    let endpoint = try hero.start(withControl: true)
    print("HERO stand-in at \(endpoint.absoluteString) (key \(key))")
    print("uploads at \(hero.uploadEndpoint.absoluteString), GraphQL at \(hero.graphQLEndpoint.absoluteString)")
    // Whoever started it (a script, a test) reads the port from this line, also through a pipe.
    fflush(nil)
} catch {
    print("cannot start: \(error)")
    exit(1)
}
signal(SIGTERM, SIG_IGN)
let stop = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .main)
stop.setEventHandler { exit(0) }
stop.resume()
dispatchMain()
