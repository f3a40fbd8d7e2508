import Foundation
import HTTPServer

/// Everything the config file says, checked. Built only by `AppConfig.load` / `AppConfig.parse`.
public struct AppConfig: Sendable {
    public struct Server: Sendable, Equatable {
        public var host = "127.0.0.1"
        public var port = 8080
        public var publicDir = "Public"
        public var keepAliveTimeoutSeconds = 5
        public var maxConnections = 10_000
        public var shutdownGraceSeconds = 10
    }

    public var server = Server()
    /// The folder the config file is in; relative paths in it are resolved against the working directory,
    /// like every other command-line path.
    public var sourcePath: String = ""

    public struct Invalid: Error, CustomStringConvertible {
        public let path: String
        public let problems: [String]
        public var description: String {
            "\(path): \(problems.count) problem\(problems.count == 1 ? "" : "s")\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
        }
    }

    /// Reads and checks a config file; every problem is named with its key.
    public static func load(path: String) throws(Invalid) -> AppConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Invalid(path: path, problems: ["cannot read the file"])
        }
        var config = try parse(data, path: path)
        config.sourcePath = path
        return config
    }

    public static func parse(_ data: Data, path: String = "config") throws(Invalid) -> AppConfig {
        let root: [String: Any]
        do {
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw Invalid(path: path, problems: ["the top level must be a JSON object"])
            }
            root = object
        } catch let invalid as Invalid {
            throw invalid
        } catch {
            throw Invalid(path: path, problems: ["not valid JSON: \(error.localizedDescription)"])
        }
        var reader = JSONObjectReader(root, path: "")
        var config = AppConfig()
        if var server = reader.object("server") {
            config.server.host = server.string("host") ?? config.server.host
            config.server.port = server.integer("port", in: 0...65535) ?? config.server.port
            config.server.publicDir = server.string("public_dir") ?? config.server.publicDir
            config.server.keepAliveTimeoutSeconds = server.integer("keep_alive_timeout_seconds", in: 1...300)
                ?? config.server.keepAliveTimeoutSeconds
            config.server.maxConnections = server.integer("max_connections", in: 1...1_000_000) ?? config.server.maxConnections
            config.server.shutdownGraceSeconds = server.integer("shutdown_grace_seconds", in: 0...300)
                ?? config.server.shutdownGraceSeconds
            reader.absorb(server)
        }
        let problems = reader.finish()
        guard problems.isEmpty else { throw Invalid(path: path, problems: problems) }
        return config
    }

    public var httpConfiguration: HTTPServerConfiguration {
        var configuration = HTTPServerConfiguration(host: server.host, port: UInt16(server.port))
        configuration.keepAliveTimeout = .seconds(server.keepAliveTimeoutSeconds)
        configuration.maxConnections = server.maxConnections
        return configuration
    }
}
