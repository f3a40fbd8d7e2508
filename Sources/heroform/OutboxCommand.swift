import ArgumentParser
import FoundationEssentials
import Glibc
import HeroformApp
import Outbox

/// `heroform outbox ...`: look at and act on stored leads, with the same config as the server (it may run at
/// the same time). Only `show` prints personal data.
///
/// Synchronous on purpose: each command is a few store calls, one after another, in a process with nothing else to
/// run; so it uses the store's blocking entry (`performBlocking`), where the server goes through `perform`.
struct OutboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "Inspect and retry stored leads.",
        subcommands: [List.self, Show.self, Retry.self, Files.self, Purge.self]
    )

    static func openStore(_ options: ConfigOptions) throws -> (AppConfig, OutboxStore) {
        let config = try options.load()
        do {
            return (config, try OutboxStore(dataDir: config.storage.dataDir))
        } catch {
            throw ValidationError("cannot open the outbox in '\(config.storage.dataDir)': \(error)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List leads, newest first (no personal data).")
        @OptionGroup var options: ConfigOptions
        @Option(help: "Only leads with this status: pending, delivered or failed.")
        var status: LeadRecord.Status?
        @Option(help: "Only leads of this form (its id, as in forms.ID).")
        var form: String?

        func run() throws {
            let (_, store) = try OutboxCommand.openStore(options)
            let (records, counts) = try store.performBlocking { session in
                (try session.list(status: status, formID: form), try session.counts())
            }
            print(OutboxTable.render(records))
            print("\n\(counts.pending) pending, \(counts.delivered) delivered, \(counts.failed) failed")
            if let form { print("(listed: \(records.count) of the form \(OutboxTable.printable(form)))") }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one lead with everything stored for it (personal data).")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The lead's reference, e.g. K7M-4QX-9TD.")
        var reference: String

        func run() throws {
            let (_, store) = try OutboxCommand.openStore(options)
            guard let record = try store.performBlocking({ try $0.find(reference.uppercased()) }) else {
                throw ValidationError("no lead with reference \(reference)")
            }
            print(OutboxTable.details(record))
        }
    }

    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Deliver a failed lead again, or a delivered lead's failed files "
                + "(the server picks it up within seconds).")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The lead's reference.")
        var reference: String?
        @Flag(help: "Retry every failed lead.")
        var allFailed = false

        func validate() throws {
            if (reference == nil) == !allFailed { throw ValidationError("give either a reference or --all-failed") }
        }

        func run() throws {
            let (config, store) = try OutboxCommand.openStore(options)
            let maxAge = config.storage.maxAge
            if allFailed {
                let count = try store.performBlocking { try $0.retryAllFailed(now: Date(), maxAge: maxAge) }
                print("\(count) failed lead(s) queued for delivery")
            } else if let reference {
                let reference = reference.uppercased()
                let (queued, files) = try store.performBlocking { session in
                    let queued = try session.retry(reference, now: Date(), maxAge: maxAge)
                    let files = queued ? 0 : try session.retryFailedFiles(reference, now: Date(), maxAge: maxAge)
                    return (queued, files)
                }
                if queued {
                    print("\(reference) queued for delivery")
                } else if files > 0 {
                    print("\(files) failed file(s) of \(reference) queued for delivery")
                } else {
                    throw ValidationError(
                        "\(reference): no such lead waiting or failed, and no failed files kept for it "
                            + "(delivered and erased leads cannot be retried)")
                }
            }
        }
    }

    struct Files: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the files a lead came with (those still kept) into a folder (personal data).")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The lead's reference.")
        var reference: String
        @Option(help: "The folder to copy them into (created if missing; existing files are not overwritten).")
        var to: String

        func run() throws {
            let (_, store) = try OutboxCommand.openStore(options)
            guard let record = try store.performBlocking({ try $0.find(reference.uppercased()) }) else {
                throw ValidationError("no lead with reference \(reference)")
            }
            let kept = record.attachments.filter { !$0.fileErased }
            guard !kept.isEmpty else {
                throw ValidationError(
                    "\(record.reference) has no files kept (\(record.attachments.count) came with it; files are "
                        + "deleted once HERO has them)")
            }
            do {
                try FileManager.default.createDirectory(atPath: to, withIntermediateDirectories: true)
            } catch {
                throw ValidationError("cannot create '\(to)': \(error)")
            }
            for file in kept {
                let source = store.attachmentFiles.path(of: record.reference, number: file.number)
                let target = to.hasSuffix("/") ? to + OutboxTable.copyName(file) : to + "/" + OutboxTable.copyName(file)
                do {
                    try FileManager.default.copyItem(atPath: source, toPath: target)
                } catch {
                    throw ValidationError("cannot copy file \(file.number) to '\(target)': \(error)")
                }
                print(target)
            }
        }
    }

    struct Purge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Erase the personal data of leads delivered longer ago than storage.retention_days "
                + "(the server also does this hourly).")
        @OptionGroup var options: ConfigOptions

        func run() throws {
            let (config, store) = try OutboxCommand.openStore(options)
            let now = Date()
            let cutoff = now.addingTimeInterval(-config.storage.retention)
            let (count, withFiles) = try store.performBlocking { session in
                let withFiles = try session.deliveredWithFiles(before: cutoff)
                return (try session.eraseDelivered(before: cutoff, now: now), withFiles)
            }
            // Only the folders of leads erased here: a running server may be storing a new lead's files meanwhile.
            for reference in withFiles { store.attachmentFiles.removeFolder(of: reference) }
            // The file gives retention_days in whole days; say it the same way.
            let days = Int((config.storage.retention / AppConfig.secondsPerDay).rounded())
            print("erased the personal data of \(count) delivered lead(s) older than \(days) days")
        }
    }
}

extension LeadRecord.Status: ExpressibleByArgument {}
