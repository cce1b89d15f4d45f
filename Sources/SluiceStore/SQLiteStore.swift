import Foundation
import GRDB

/// The embedded store: one SQLite file in WAL mode through GRDB, or an in-memory database for tests.
///
/// Writes are serialised by SQLite's single writer; reads run beside them on snapshots. Commits use
/// `synchronous = NORMAL` by default, which survives a crash of the process (a committed transaction
/// is in the WAL before the call returns) but may lose the last commits on a power cut; `durable: true`
/// selects `FULL`, which syncs the WAL at every commit.
public final class SQLiteStore: Store {
    private let writer: any DatabaseWriter
    /// The file, or `:memory:`.
    public let location: String

    /// Opens (creating if needed) the store at `path` and brings its schema up to date.
    public init(path: String, durable: Bool = false) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(durable ? "FULL" : "NORMAL")")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        do {
            writer = try DatabasePool(path: path, configuration: configuration)
        } catch let error as DatabaseError {
            throw StoreError.cannotOpen(path, error.message ?? "\(error)")
        }
        location = path
        try migrate()
    }

    /// A fresh in-memory store (for tests): nothing survives it.
    public init() throws {
        writer = try DatabaseQueue()
        location = ":memory:"
        try migrate()
    }

    /// The schema version this store is at.
    public func schemaVersion() throws -> String? {
        try writer.read { db in try SQLiteStore.migrator.appliedMigrations(db).last }
    }

    public func write<T>(_ body: (any StoreSession) throws -> T) throws -> T {
        try translatingErrors { try writer.write { db in try body(SQLiteSession(db: db)) } }
    }

    public func read<T>(_ body: (any StoreSession) throws -> T) throws -> T {
        try translatingErrors { try writer.read { db in try body(SQLiteSession(db: db)) } }
    }

    /// Writes the WAL back into the main file (on graceful shutdown, and before backups).
    public func checkpoint() throws {
        try writer.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
    }

    /// Checkpoints the WAL; the file stays usable (a failed checkpoint is redone by SQLite on next open).
    public func close() { try? checkpoint() }

    private func migrate() throws {
        do {
            try SQLiteStore.migrator.migrate(writer)
        } catch let error as DatabaseError {
            throw StoreError.migrationFailed(location, error.message ?? "\(error)")
        }
    }

    private func translatingErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
            throw StoreError.busy(location)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CORRUPT || error.resultCode == .SQLITE_NOTADB {
            throw StoreError.corrupt(location, error.message ?? "\(error)")
        } catch let error as DatabaseError {
            throw StoreError.failed(location, error.message ?? "\(error.resultCode)")
        }
    }
}

/// A transaction on the SQLite store.
struct SQLiteSession: StoreSession {
    let db: Database
    var samples: any SampleRepository { SQLiteSampleRepository(db: db) }
    var actions: any ActionRepository { SQLiteActionRepository(db: db) }
    var outbox: any OutboxRepository { SQLiteOutboxRepository(db: db) }
    var audit: any AuditRepository { SQLiteAuditRepository(db: db) }
    var tokens: any TokenRepository { SQLiteTokenRepository(db: db) }
    var gates: any GateRepository { SQLiteGateRepository(db: db) }
    var materials: any MaterialRepository { SQLiteMaterialRepository(db: db) }
    var rehearsals: any RehearsalRepository { SQLiteRehearsalRepository(db: db) }
}

extension Date {
    /// Milliseconds since 1970, as stored.
    var storedMilliseconds: Int64 { AuditChain.milliseconds(self) }

    /// The date of stored milliseconds.
    init(storedMilliseconds ms: Int64) {
        self.init(timeIntervalSince1970: Double(ms) / 1000)
    }
}

extension Row {
    func date(_ column: String) -> Date { Date(storedMilliseconds: self[column]) }
    func optionalDate(_ column: String) -> Date? { (self[column] as Int64?).map(Date.init(storedMilliseconds:)) }
}
