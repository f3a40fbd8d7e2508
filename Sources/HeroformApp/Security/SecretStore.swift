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
        if let configured = try configured(environment) { return configured }
        let path = dataDir.joiningPath("secret")
        if access(path, F_OK) == 0 { return try stored(at: path) }
        guard let random = CryptoPrimitives.randomBytes(32) else {
            throw Failure(description: "no secure random bytes available to create \(path)")
        }
        let text = CryptoPrimitives.hex(random)
        try FileManager.default.createDirectory(
            atPath: dataDir, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        if try create(path, holding: text + "\n") { return Array(text.utf8) }
        // Another process made it first (two starts at once): theirs is the one.
        return try stored(at: path)
    }

    /// `HEROFORM_SECRET`, or nil when it is not set.
    private static func configured(_ environment: [String: String]) throws(Failure) -> [UInt8]? {
        guard let configured = environment["HEROFORM_SECRET"], !configured.isEmpty else { return nil }
        guard configured.utf8.count >= 32 else {
            let count = configured.utf8.count
            throw Failure(description: "HEROFORM_SECRET must be at least 32 characters (it has \(count))")
        }
        return Array(configured.utf8)
    }

    /// The secret kept in the file at `path`.
    private static func stored(at path: String) throws(Failure) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(description: "cannot read \(path)")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingWhitespaceAndNewlines()
        guard text.utf8.count >= 32 else {
            throw Failure(description: "\(path) is too short; delete it to get a new one")
        }
        return Array(text.utf8)
    }

    /// Writes a new secret file that is the owner's alone from its first moment, never readable by others for a
    /// while (`chmod` after the fact left a window): written whole under a temporary name made with
    /// `O_CREAT|O_EXCL|O_NOFOLLOW` and mode 0600 under `umask(077)`, then linked to `path`, so no reader ever sees
    /// it half written. False when `path` appeared meanwhile.
    private static func create(_ path: String, holding text: String) throws(Failure) -> Bool {
        let temporary = path + ".new-\(getpid())"
        // A leftover of a crash under the same process id (pid 1 in a container) would block O_EXCL for good.
        unlink(temporary)
        // The umask only narrows the mode (0600 stays 0600); it is there so nothing of this step can be wider.
        let previousMask = umask(0o077)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        umask(previousMask)
        guard fd >= 0 else {
            throw Failure(description: "cannot create \(temporary): \(String(cString: strerror(errno)))")
        }
        defer { unlink(temporary) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced else { throw Failure(description: "cannot write \(path)") }
        if link(temporary, path) == 0 { return true }
        let code = errno
        if code == EEXIST { return false }
        // Some volume file systems have no hard links: there `rename` puts it in place (it would replace a secret
        // another process made at the same moment, which only costs that process's first tokens).
        if [EPERM, ENOTSUP, EOPNOTSUPP, ENOSYS, EMLINK].contains(code), rename(temporary, path) == 0 { return true }
        throw Failure(description: "cannot create \(path): \(String(cString: strerror(code)))")
    }

    /// What start-up warns about: a data dir (or the secret in it) that others than its owner may enter or read.
    /// The files in it are made 0600, but a group- or world-accessible folder lets others list what is there and
    /// read what an older version or an operator left readable. A warning, not a refusal: hosts and volume mounts
    /// differ, and refusing would stop a running installation on an upgrade.
    static func exposureWarnings(dataDir: String) -> [String] {
        // The data dir is judged through a link (systemd's DynamicUser makes /var/lib/NAME one, to a 0700 folder:
        // the link's own mode 777 means nothing); the secret never is.
        let checks = [
            (path: dataDir, what: "data dir", follow: true, access: "enter it", mode: "700"),
            (path: dataDir.joiningPath("secret"), what: "form secret", follow: false, access: "read it", mode: "600"),
        ]
        return checks.compactMap { check in
            var info = stat()
            guard (check.follow ? stat(check.path, &info) : lstat(check.path, &info)) == 0 else { return nil }
            let mode = info.st_mode & 0o777
            guard mode & 0o077 != 0 else { return nil }
            return "the \(check.what) \(check.path) has mode \(String(mode, radix: 8)): others than its owner may "
                + "\(check.access); chmod \(check.mode) it (it holds leads and the form secret)"
        }
    }
}

extension SecretStore {
    /// What `secret` would refuse, found without creating anything (for `check-config` and the start-up check); nil
    /// when it would succeed. `dataDirUsable` false: the data dir's own problem is reported already.
    static func problem(environment: [String: String], dataDir: String, dataDirUsable: Bool) -> String? {
        let path = dataDir.joiningPath("secret")
        do throws(Failure) {
            if try configured(environment) != nil { return nil }
            guard dataDirUsable, access(path, F_OK) == 0 else { return nil } // made at start
            _ = try stored(at: path)
            return nil
        } catch {
            return error.description
        }
    }
}
