import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `heroform healthcheck`: asks the running server's `/healthz` (for Docker's HEALTHCHECK, so the image needs no
/// curl). Exits 0 when it answers 200 within the timeout.
struct HealthcheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "healthcheck",
                                                    abstract: "Exit 0 if the server of this config answers /healthz.")

    @OptionGroup var options: ConfigOptions

    @Option(help: "Seconds to wait for the answer.")
    var timeout: Double = 3

    func run() async throws {
        let config = try options.load()
        let wildcard = ["", "*", "0.0.0.0", "::"].contains(config.server.host)
        var host = wildcard ? "127.0.0.1" : config.server.host
        if host.contains(":") { host = "[\(host)]" }
        guard let url = URL(string: "http://\(host):\(config.server.port)/healthz") else { throw ExitCode(1) }
        var request = URLRequest(url: url)
        request.timeoutInterval = timeout
        do {
            let (_, response) = try await URLSession.shared.data(for: request)
            guard (response as? HTTPURLResponse)?.statusCode == 200 else { throw ExitCode(1) }
            print("ok")
        } catch let exit as ExitCode {
            throw exit
        } catch {
            print("not healthy: \(error.localizedDescription)")
            throw ExitCode(1)
        }
    }
}
