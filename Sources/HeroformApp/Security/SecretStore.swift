import CryptoPrimitives
import FormCore
import FoundationEssentials
import Glibc
import Outbox

/// The key that signs form tokens: `HEROFORM_SECRET` when set (share it between replicas), else one generated
/// once and kept in the data dir with mode 0600.
enum SecretStore {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func secret(environment: [String: String], dataDir: String) throws -> [UInt8] {
        if let configured = environment["HEROFORM_SECRET"], !configured.isEmpty {
            guard configured.utf8.count >= 32 else {
                throw Failure(description: "HEROFORM_SECRET must be at least 32 characters")
            }
            return Array(configured.utf8)
        }
        let path = dataDir.joiningPath("secret")
        if let data = FileManager.default.contents(atPath: path) {
            let text = String(decoding: data, as: UTF8.self).trimmingWhitespaceAndNewlines()
            guard text.utf8.count >= 32 else {
                throw Failure(description: "\(path) is too short; delete it to get a new one")
            }
            return Array(text.utf8)
        }
        guard let random = CryptoPrimitives.randomBytes(32) else {
            throw Failure(description: "no secure random bytes available to create \(path)")
        }
        let text = CryptoPrimitives.hex(random)
        try FileManager.default.createDirectory(
            atPath: dataDir, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        guard
            FileManager.default.createFile(
                atPath: path, contents: Data((text + "\n").utf8),
                attributes: [.posixPermissions: 0o600])
        else {
            throw Failure(description: "cannot write \(path)")
        }
        return Array(text.utf8)
    }
}

extension SecretStore {
    /// What `secret` would refuse, found without creating anything (for `check-config` and the start-up check); nil
    /// when it would succeed. `dataDirUsable` false: the data dir's own problem is reported already.
    static func problem(environment: [String: String], dataDir: String, dataDirUsable: Bool) -> String? {
        if let configured = environment["HEROFORM_SECRET"], !configured.isEmpty {
            guard configured.utf8.count >= 32 else {
                return "HEROFORM_SECRET must be at least 32 characters (it has \(configured.utf8.count))"
            }
            return nil
        }
        let path = dataDir.joiningPath("secret")
        guard dataDirUsable, access(path, F_OK) == 0 else { return nil } // made at start
        guard let data = FileManager.default.contents(atPath: path) else { return "cannot read \(path)" }
        guard String(decoding: data, as: UTF8.self).trimmingWhitespaceAndNewlines().utf8.count >= 32 else {
            return "\(path) is too short; delete it to get a new one"
        }
        return nil
    }
}
