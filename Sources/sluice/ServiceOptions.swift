import ArgumentParser
import Foundation
import Logging
import SluiceServer
import SluiceService
import SluiceStore

/// The store a command works on.
struct StoreOptions: ParsableArguments {
    @Option(
        name: .customLong("store"),
        help: ArgumentHelp(
            "The store: a SQLite file, or postgres://user:password@host:port/database for replicas (env SLUICE_STORE; default sluice.sqlite).",
            discussion: "Put a PostgreSQL password in SLUICE_STORE rather than on the command line, where process lists show it."))
    var storeOption: String?

    /// The store named by --store, else SLUICE_STORE, else `sluice.sqlite`.
    var store: String { Setting.text(storeOption, "SLUICE_STORE", default: "sluice.sqlite") }

    /// Whether the store exists (a PostgreSQL database is taken to exist; opening it says if not).
    var exists: Bool { StoreLocation.isPostgres(store) || FileManager.default.fileExists(atPath: store) }

    /// The store's location as output may show it (never a password).
    var shown: String { StoreLocation.redacted(store) }

    /// Opens the store, which must already exist (a typo must not create an empty one).
    func open() throws -> any Store {
        guard exists else {
            throw CLIError("no store at \(store): start `sluice serve --store \(store)` once, or run `sluice migrate --store \(store)`")
        }
        return try StoreLocation.open(store)
    }

    /// Opens the store, creating and migrating it if it is new.
    func openOrCreate() throws -> any Store { try StoreLocation.open(store) }
}

/// Where the cells, gates and models are.
struct CatalogOptions: ParsableArguments {
    @Option(name: .customLong("cells"), help: "The folder of cell definitions (env SLUICE_CELLS; default Cells).")
    var cellsOption: String?
    @Option(name: .customLong("gates"), help: "The folder of gate definitions (env SLUICE_GATES; default Gates).")
    var gatesOption: String?
    @Option(name: .customLong("models"), help: "The folder of model artifacts (env SLUICE_MODELS; default Models).")
    var modelsOption: String?

    /// The cell definitions' folder: --cells, else SLUICE_CELLS, else `Cells`.
    var cells: String { Setting.text(cellsOption, "SLUICE_CELLS", default: "Cells") }
    /// The gate definitions' folder: --gates, else SLUICE_GATES, else `Gates`.
    var gates: String { Setting.text(gatesOption, "SLUICE_GATES", default: "Gates") }
    /// The model artifacts' folder: --models, else SLUICE_MODELS, else `Models`.
    var models: String { Setting.text(modelsOption, "SLUICE_MODELS", default: "Models") }

    func load() throws -> Catalog {
        try Catalog.load(cells: cells, gates: gates, models: models)
    }
}

/// The root logger: to standard error, at `level`.
func makeLogger(level: Logger.Level) -> Logger {
    var logger = Logger(label: "sluice") { StreamLogHandler.standardError(label: $0) }
    logger.logLevel = level
    return logger
}

/// Parses a `--log-level` value.
func logLevel(_ text: String) throws -> Logger.Level {
    guard let level = Logger.Level(rawValue: text) else {
        throw ValidationError("--log-level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return level
}

/// Prints a line at once, unbuffered, so a process reading the output sees it (the server's address).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
