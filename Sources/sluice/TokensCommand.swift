import ArgumentParser
import Foundation
import SluiceGates
import SluiceService
import SluiceStore

struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "Create, list and revoke API tokens (stored hashed; a token is shown once).",
        discussion: """
            Roles: operator (decides actions in their cell), data (reads; exports labels), sponsor (reads reports,
            signs off promotions), admin (changes gates and tokens), edge (only pushes telemetry). A token reaches
            one cell (--cell) or every cell. Works on the store directly, as the local admin; the change is on the
            audit log under --by.
            """,
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token and print it (once).")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var catalog: CatalogOptions
        @Option(help: "Whose token it is.") var name: String
        @Option(help: "operator, data, sponsor, admin or edge.") var role: String
        @Option(help: "The one cell it reaches (default: every cell).") var cell: String?
        @Option(help: "Days until it expires (default: never).") var expiresInDays: Double?
        @Option(help: "Who is creating it, for the audit log.") var by = ProcessInfo.processInfo.environment["USER"] ?? "local-admin"
        @Flag(help: "Print the token alone (for scripts).") var quiet = false

        func run() async throws {
            try await reportingErrors {
                guard let role = Identity.Role(rawValue: role), role != .system else {
                    throw CLIError("--role must be one of operator, data, sponsor, admin, edge; got '\(role)'")
                }
                let cells = try catalog.load().cells.keys
                let store = try storeOptions.openOrCreate()
                let authority = TokenAuthority(store: store, cells: Set(cells))
                let issued = try authority.create(
                    name: name, role: role, cell: cell, expiresIn: expiresInDays.map { $0 * 86_400 }, by: .local(by))
                if quiet {
                    print(issued.token)
                } else {
                    print("token \(issued.record.id) for \(name) (\(role.rawValue), \(cell ?? "every cell")):")
                    print(issued.token)
                    print("Keep it now: only its hash is stored.")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never their secrets).")
        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            try await reportingErrors {
                let tokens = try storeOptions.open().read { try $0.tokens.all() }
                for token in tokens {
                    let status = token.revokedAt != nil ? "revoked" : (token.expiresAt.map { $0 < Date() ? "expired" : "active" } ?? "active")
                    print(
                        "\(token.id)  \(token.role.padding(toLength: 8, withPad: " ", startingAt: 0))  \(token.cell ?? "*")  \(token.name)  \(status)"
                    )
                }
                if tokens.isEmpty { print("no tokens yet: sluice tokens create --role admin --name <you>") }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by its id.")
        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "The token's id (the part after sluice_).") var id: String
        @Option(help: "Who is revoking it, for the audit log.") var by = ProcessInfo.processInfo.environment["USER"] ?? "local-admin"

        func run() async throws {
            try await reportingErrors {
                let store = try storeOptions.open()
                try TokenAuthority(store: store, cells: []).revoke(id: id, by: .local(by))
                print("token \(id) revoked")
            }
        }
    }
}
