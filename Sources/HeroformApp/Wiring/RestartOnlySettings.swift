/// The settings a running process keeps until it restarts (the listening socket, storage, HERO's endpoint and
/// key, alerts): one list, used by `reload` both to say what needs a restart and to keep the running values.
struct RestartOnlySetting {
    /// How the log names it.
    let name: String
    let fields: [Field]

    /// One config value: whether two configs differ in it, and how to carry the running one over.
    struct Field {
        let differs: (AppConfig, AppConfig) -> Bool
        let keep: (inout AppConfig, AppConfig) -> Void

        static func at<Value: Equatable>(_ path: WritableKeyPath<AppConfig, Value>) -> Field {
            Field(
                differs: { $0[keyPath: path] != $1[keyPath: path] },
                keep: { $0[keyPath: path] = $1[keyPath: path] })
        }
    }

    static var all: [RestartOnlySetting] {
        [
            RestartOnlySetting(name: "server.host/port", fields: [.at(\.server.host), .at(\.server.port)]),
            RestartOnlySetting(
                name: "server timeouts and limits",
                fields: [
                    .at(\.server.keepAliveTimeout), .at(\.server.maxConnections), .at(\.server.maxConnectionsPerClient),
                    .at(\.server.shutdownGracePeriod),
                ]),
            RestartOnlySetting(name: "storage", fields: [.at(\.storage)]),
            RestartOnlySetting(
                name: "hero.endpoint/api_key_file",
                fields: [.at(\.hero.endpoint), .at(\.hero.apiKeyFile)]),
            // Their keys are read at start, like the default key.
            RestartOnlySetting(name: "hero.accounts", fields: [.at(\.hero.accounts)]),
            RestartOnlySetting(
                name: "hero.graphql_endpoint/upload_endpoint/document_type_id",
                fields: [.at(\.hero.graphQLEndpoint), .at(\.hero.uploadEndpoint), .at(\.hero.documentTypeID)]),
            RestartOnlySetting(name: "hero.max_concurrent_calls", fields: [.at(\.hero.maxConcurrentCalls)]),
            RestartOnlySetting(name: "alerts", fields: [.at(\.alerts)]),
        ]
    }

    /// `new` with every restart-only setting as `running` has it, and the names of those that changed.
    static func keeping(_ running: AppConfig, in new: AppConfig) -> (config: AppConfig, needsRestart: [String]) {
        var config = new
        var needsRestart: [String] = []
        for setting in all {
            if setting.fields.contains(where: { $0.differs(running, new) }) { needsRestart.append(setting.name) }
            for field in setting.fields { field.keep(&config, running) }
        }
        return (config, needsRestart)
    }
}
