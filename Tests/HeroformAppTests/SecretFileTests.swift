import Foundation
import HTTPTesting
import Logging
import Synchronization
import Testing
@testable import HeroformApp

/// The generated form secret is its owner's alone from the start, and start-up says when the data dir is not.
@Suite struct SecretFileTests {
    func mode(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber).intValue
    }

    @Test func theSecretIsMadePrivateWithNothingLeftBeside() throws {
        let dir = temporaryDataDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let secret = try SecretStore.secret(environment: [:], dataDir: dir)
        #expect(try mode(dir + "/secret") == 0o600)
        #expect(try mode(dir) == 0o700)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["secret"])
        #expect(try String(contentsOfFile: dir + "/secret", encoding: .utf8) == String(decoding: secret, as: UTF8.self) + "\n")
    }

    @Test func aLeftoverTemporaryFileDoesNotBlockCreation() throws {
        let dir = temporaryDataDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // What a crash between creating and linking would leave under this process's id.
        try "half".write(toFile: dir + "/secret.new-\(getpid())", atomically: false, encoding: .utf8)
        let secret = try SecretStore.secret(environment: [:], dataDir: dir)
        #expect(secret.count == 64)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["secret"])
    }

    @Test func aLinkPlantedAsTheSecretIsNotFollowed() throws {
        let dir = temporaryDataDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let target = dir + "/elsewhere"
        try FileManager.default.createSymbolicLink(atPath: dir + "/secret", withDestinationPath: target)
        #expect(throws: SecretStore.Failure.self) { try SecretStore.secret(environment: [:], dataDir: dir) }
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    @Test func anOpenDataDirOrSecretIsWarnedAbout() throws {
        let dir = temporaryDataDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try SecretStore.secret(environment: [:], dataDir: dir)
        #expect(SecretStore.exposureWarnings(dataDir: dir).isEmpty)
        // chmod, not a mode at creation: another test may narrow the process's umask for a moment.
        #expect(chmod(dir, 0o755) == 0)
        let open = SecretStore.exposureWarnings(dataDir: dir)
        #expect(open.count == 1)
        #expect(open.first?.contains("data dir \(dir) has mode 755") == true, "\(open)")
        #expect(chmod(dir + "/secret", 0o640) == 0)
        let both = SecretStore.exposureWarnings(dataDir: dir)
        #expect(both.count == 2)
        #expect(both.last?.contains("form secret \(dir)/secret has mode 640") == true, "\(both)")
        #expect(SecretStore.exposureWarnings(dataDir: dir + "/missing").isEmpty)
    }

    /// systemd's `DynamicUser=yes` makes the data dir a link (mode 777 of its own) to a private folder: the folder
    /// counts, not the link.
    @Test func aDataDirReachedThroughALinkIsJudgedByItsFolder() throws {
        let dir = temporaryDataDir()
        let link = dir + "-link"
        defer {
            try? FileManager.default.removeItem(atPath: link)
            try? FileManager.default.removeItem(atPath: dir)
        }
        _ = try SecretStore.secret(environment: [:], dataDir: dir)
        #expect(chmod(dir, 0o700) == 0)
        #expect(symlink(dir, link) == 0)
        #expect(SecretStore.exposureWarnings(dataDir: link).isEmpty)
        #expect(chmod(dir, 0o755) == 0)
        #expect(SecretStore.exposureWarnings(dataDir: link).count == 1)
    }

    @Test func startUpLogsTheWarning() throws {
        let dir = temporaryDataDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        #expect(chmod(dir, 0o750) == 0)
        let capture = LogCapture()
        _ = try HeroformApplication(
            config: testConfig(dataDir: dir), apiKey: nil, logger: capture.logger,
            environment: ["HEROFORM_SECRET": testSecret])
        let warnings = capture.lines.withLock { $0 }.filter { $0.hasPrefix("warning") }
        #expect(warnings.contains { $0.contains("data dir \(dir) has mode 750") }, "\(warnings)")
    }
}
