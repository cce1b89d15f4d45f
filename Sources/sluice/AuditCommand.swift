import ArgumentParser
import Foundation
import SluiceService
import SluiceStore

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Check the audit log's hash chain.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute every record's hash; name the first edited, deleted or reordered record (exit 1 if any).")
        @OptionGroup var storeOptions: StoreOptions
        @Flag(help: "Print the result as JSON.") var json = false

        func run() async throws {
            let result = try await reportingErrors { try DecisionEngine.verifyAudit(try storeOptions.open()) }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(result), as: UTF8.self))
            } else if result.intact {
                print("audit log intact: \(result.checked) records, head \(result.checkpoint.head)")
            } else {
                print("audit log BROKEN at record \(result.firstBadSequence ?? 0): \(result.problem ?? "")")
                print("\(result.checked) records verified before it; the checkpoint says \(result.checkpoint.size)")
            }
            if !result.intact { throw ExitCode.failure }
        }
    }
}

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Create the store, or bring its schema up to date, and print its version.")
    @OptionGroup var storeOptions: StoreOptions

    func run() async throws {
        try await reportingErrors {
            let store = try storeOptions.openOrCreate()
            let version = try store.schemaVersion()
            print("\(storeOptions.shown): schema \(version ?? "none")")
        }
    }
}
