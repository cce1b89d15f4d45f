import ArgumentParser
import Foundation
import SluiceReplenishment
import SluiceService
import SluiceStore

struct ActionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "actions",
        abstract: "List the action queue, or requeue calls to the ERP/MES that were dead-lettered.",
        subcommands: [List.self, Replay.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List actions, newest first.")
        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "Only this cell.") var cell: String?
        @Option(
            help: "Only this state (\(ActionState.allCases.map(\.rawValue).joined(separator: ", "))).",
            transform: { text in
                guard let state = ActionState(rawValue: text) else {
                    throw ValidationError("the states are \(ActionState.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return state
            })
        var state: ActionState?
        @Option(help: "Only this mode (action, recommendation, shadow).") var mode: String?
        @Option(help: "At most this many.") var limit = 50

        func run() async throws {
            try await reportingErrors {
                let filter = ActionFilter(cells: cell.map { [$0] }, state: state, mode: mode, limit: limit)
                let actions = try storeOptions.open().read { try $0.actions.list(filter) }
                for a in actions {
                    let quantity = a.quantity.map { " qty \(ReplenishmentPlanner.format($0)) \(a.unit ?? "")" } ?? ""
                    print(
                        "\(a.id)  \(ISOTime.format(a.createdAt))  \(a.state.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0))  \(a.mode.padding(toLength: 14, withPad: " ", startingAt: 0))  \(a.type)  \(a.subject)  severity \(String(format: "%.2f", a.severity))\(quantity)  corr \(a.correlationID)"
                    )
                }
                if actions.isEmpty { print("no actions match") }
            }
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Requeue the undelivered calls of one action, or every dead letter, for a running server to send again.",
            discussion: "The same idempotency key is sent again, so an ERP/MES that already took a call acts on it once.")
        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "The action's id (omit with --dead-letters).") var action: String?
        @Flag(help: "Requeue every dead-lettered call.") var deadLetters = false
        @Option(help: "Who is requeueing, for the audit log.") var by = ProcessInfo.processInfo.environment["USER"] ?? "local-admin"

        func validate() throws {
            guard (action != nil) != deadLetters else { throw ValidationError("name one action, or pass --dead-letters (not both)") }
        }

        func run() async throws {
            try await reportingErrors {
                let store = try storeOptions.open()
                let requeued = try Dispatcher.requeue(actionID: deadLetters ? nil : action, in: store, by: .local(by))
                print(requeued.isEmpty ? "nothing to requeue" : "requeued \(requeued.count): \(requeued.joined(separator: ", "))")
            }
        }
    }
}
