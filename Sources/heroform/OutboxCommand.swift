import ArgumentParser
import FoundationEssentials
import Glibc
import HeroformApp
import Outbox

/// `heroform outbox ...`: look at and act on stored leads, with the same config as the server (it may run at
/// the same time). Only `show` prints personal data.
struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "Inspect and retry stored leads.",
        subcommands: [List.self, Show.self, Retry.self, Purge.self]
    )

    static func openStore(_ options: ConfigOptions) throws -> (AppConfig, OutboxStore) {
        let config = try options.load()
        do {
            return (config, try OutboxStore(dataDir: config.storage.dataDir))
        } catch {
            throw ValidationError("cannot open the outbox in '\(config.storage.dataDir)': \(error)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List leads, newest first (no personal data).")
        @OptionGroup var options: ConfigOptions
        @Option(help: "Only leads with this status: pending, delivered or failed.")
        var status: LeadRecord.Status?

        func run() async throws {
            let (_, store) = try OutboxCommand.openStore(options)
            let records = try store.list(status: status)
            print(OutboxTable.render(records))
            let counts = try store.counts()
            print("\n\(counts.pending) pending, \(counts.delivered) delivered, \(counts.failed) failed")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one lead with everything stored for it (personal data).")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The lead's reference, e.g. K7M-4QX-9TD.")
        var reference: String

        func run() async throws {
            let (_, store) = try OutboxCommand.openStore(options)
            guard let record = try store.find(reference.uppercased()) else {
                throw ValidationError("no lead with reference \(reference)")
            }
            print(OutboxTable.details(record))
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deliver a failed lead again (the server picks it up within seconds).")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The lead's reference.")
        var reference: String?
        @Flag(help: "Retry every failed lead.")
        var allFailed = false

        func validate() throws {
            if (reference == nil) == !allFailed { throw ValidationError("give either a reference or --all-failed") }
        }

        func run() async throws {
            let (config, store) = try OutboxCommand.openStore(options)
            let maxAge = TimeInterval(config.storage.maxAgeDays) * 86400
            if allFailed {
                let count = try store.retryAllFailed(now: Date(), maxAge: maxAge)
                print("\(count) failed lead(s) queued for delivery")
            } else if let reference {
                guard try store.retry(reference.uppercased(), now: Date(), maxAge: maxAge) else {
                    throw ValidationError("\(reference): no such lead waiting or failed (delivered and erased leads cannot be retried)")
                }
                print("\(reference.uppercased()) queued for delivery")
            }
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erase the personal data of leads delivered longer ago than storage.retention_days (the server also does this hourly).")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let (config, store) = try OutboxCommand.openStore(options)
            let now = Date()
            let cutoff = now.addingTimeInterval(-TimeInterval(config.storage.retentionDays) * 86400)
            let count = try store.eraseDelivered(before: cutoff, now: now)
            print("erased the personal data of \(count) delivered lead(s) older than \(config.storage.retentionDays) days")
        }
    }
}

extension LeadRecord.Status: ExpressibleByArgument {}
