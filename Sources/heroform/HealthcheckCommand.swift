import ArgumentParser
import FoundationEssentials
import Glibc
import HTTPClient
import HeroformApp

/// `heroform healthcheck`: asks the running server's `/healthz` (for Docker's HEALTHCHECK, so the image needs no
/// curl). Exits 0 when it answers 200 within the timeout.
struct HealthcheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "healthcheck",
        abstract: "Exit 0 if the server of this config answers /healthz.")

    @OptionGroup var options: ConfigOptions

    @Option(help: "Seconds to wait for the answer.")
    var timeout: Double = 3

    func validate() throws {
        guard timeout > 0 && timeout <= 3600 else {
            throw ValidationError("--timeout must be more than 0 and at most 3600 seconds.")
        }
    }

    func run() async throws {
        let config = try options.load()
        let wildcard = ["", "*", "0.0.0.0", "::"].contains(config.server.host)
        var host = wildcard ? "127.0.0.1" : config.server.host
        if host.contains(":") { host = "[\(host)]" }
        guard let url = URL(string: "http://\(host):\(config.server.port)/healthz") else { throw ExitCode(1) }
        do {
            let response = try await HTTPClient().send(
                HTTPClientRequest(url: url), timeout: .milliseconds(Int(timeout * 1000)))
            guard response.status == 200 else { throw ExitCode(1) }
            print("ok")
        } catch let exit as ExitCode {
            throw exit
        } catch {
            print("not healthy: \(error)")
            throw ExitCode(1)
        }
    }
}
