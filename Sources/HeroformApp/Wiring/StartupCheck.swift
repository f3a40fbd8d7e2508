import FoundationEssentials
import Glibc
import HTTPClient
import HTTPServer
import Outbox

extension HeroformApplication {
    /// Everything `serve` needs at start beyond the config file itself, checked without creating anything: usable
    /// proxy variables, the public folder and the page templates, the HERO keys (see `AppConfig.heroKeys`), the
    /// signing secret, the data dir. `check-config` and `serve` both call it, so a config that check-config passes
    /// does not fail at start for one of these. (The port's syntax is the config reader's.) Every problem is named at
    /// once.
    package static func check(_ config: AppConfig, environment: [String: String]) throws(AppConfig.Invalid) {
        var problems = ProxySettings.problems(inEnvironment: environment)
        do {
            _ = try StaticFiles(root: config.server.publicDir)
            _ = try Pages(publicDir: config.server.publicDir) { _ in "" }
        } catch {
            problems.append("server.public_dir: \(error)")
        }
        do {
            _ = try config.heroKeys(environment: environment)
        } catch {
            problems += error.problems
        }
        let dataDir = config.storage.dataDir
        let dirProblems = dataDirProblems(dataDir)
        problems += dirProblems
        if let secret = SecretStore.problem(
            environment: environment, dataDir: dataDir, dataDirUsable: dirProblems.isEmpty)
        {
            problems.append(secret)
        }
        guard problems.isEmpty else {
            throw AppConfig.Invalid(path: config.sourcePath.isEmpty ? "config" : config.sourcePath, problems: problems)
        }
    }

    /// The data dir must be a directory this process may write to, or one it can create; the outbox in it, if there
    /// is one already, must be writable too.
    static func dataDirProblems(_ dir: String) -> [String] {
        let name = "storage.data_dir"
        var info = stat()
        guard stat(dir, &info) == 0 else {
            guard errno == ENOENT || errno == ENOTDIR else {
                return ["\(name): cannot look at '\(dir)': \(String(cString: strerror(errno)))"]
            }
            // Created at start: the nearest folder that exists must take it.
            var parent = dir.hasPrefix("/") ? "/" : "."
            var path = dir.hasPrefix("/") ? "" : "."
            for component in dir.split(separator: "/").dropLast() {
                path += "/" + component
                var parentInfo = stat()
                guard stat(path, &parentInfo) == 0 else { break }
                guard parentInfo.st_mode & S_IFMT == S_IFDIR else {
                    return ["\(name): cannot create '\(dir)': '\(path)' is not a directory"]
                }
                parent = path
            }
            guard access(parent, W_OK | X_OK) == 0 else {
                return ["\(name): cannot create '\(dir)': '\(parent)' is not writable"]
            }
            return []
        }
        guard info.st_mode & S_IFMT == S_IFDIR else { return ["\(name): '\(dir)' is not a directory"] }
        guard access(dir, W_OK | X_OK) == 0 else { return ["\(name): '\(dir)' is not writable"] }
        let outbox = dir.joiningPath("outbox.sqlite3")
        if access(outbox, F_OK) == 0, access(outbox, R_OK | W_OK) != 0 {
            return ["\(name): '\(outbox)' is not readable and writable"]
        }
        return []
    }
}
