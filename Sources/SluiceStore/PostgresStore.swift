public import Foundation
public import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// The scale-out store: a PostgreSQL database that several `sluice serve` replicas share, behind the same
/// repository protocols as ``SQLiteStore``.
///
/// Each transaction runs on one connection from a small pool. The repositories are synchronous, like
/// SQLite's: a call waits for its query on the calling thread while the connection's I/O runs on SwiftNIO's
/// event loops, so a store call must never be made from an event loop thread. Writes run at PostgreSQL's
/// default isolation (read committed) and take row locks where replicas could race: the audit chain's
/// checkpoint, the cells' scorer leases, claims on the outbox and the telemetry inbox. Reads run on a
/// repeatable-read snapshot.
public final class PostgresStore: Store {
    /// Where the store is: the URL without its password.
    public let location: String
    /// Replicas share it.
    public var isShared: Bool { true }
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private let pool: Mutex<Pool>
    private let slots: DispatchSemaphore
    private let statementDeadline: TimeInterval

    private struct Pool {
        var idle: [PostgresConnection] = []
        var nextID = 0
        var closed = false
    }

    /// Connects to the database at `url` (`postgres://user:password@host:port/database`, with
    /// `?sslmode=require` for TLS), keeps up to `connections` connections, and brings its schema up to date.
    /// A statement that gets no answer within `statementDeadline` seconds fails as ``StoreError/unavailable(_:_:)``
    /// and its connection is dropped, so a database that vanished mid-statement never leaves a caller waiting.
    public init(
        url: String, connections: Int = 8, statementDeadline: TimeInterval = 30, logger: Logger = Logger(label: "sluice.store")
    ) throws {
        let parsed = try PostgresURL(url)
        configuration = parsed.configuration
        location = parsed.redacted
        self.logger = logger
        self.statementDeadline = statementDeadline
        pool = Mutex(Pool())
        slots = DispatchSemaphore(value: max(1, connections))
        try migrate()
    }

    deinit { close() }

    /// Closes every connection; later calls fail.
    public func close() {
        let connections = pool.withLock { pool -> [PostgresConnection] in
            pool.closed = true
            defer { pool.idle = [] }
            return pool.idle
        }
        for connection in connections { try? connection.close().wait() }
    }

    public func write<T>(_ body: (any StoreSession) throws -> T) throws -> T {
        try transaction("BEGIN", body)
    }

    public func read<T>(_ body: (any StoreSession) throws -> T) throws -> T {
        try transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    /// The schema version this store is at.
    public func schemaVersion() throws -> String? {
        try withConnection { link in try link.query("SELECT id FROM schema_migration ORDER BY applied_order DESC LIMIT 1").first?.string("id") }
    }

    /// Runs `body` in a transaction begun with `begin`: committed when it returns, rolled back when it throws.
    private func transaction<T>(_ begin: String, _ body: (any StoreSession) throws -> T) throws -> T {
        try withConnection { link in
            try link.execute(begin)
            let result: T
            do {
                result = try body(PostgresSession(link: link))
            } catch {
                // A broken connection has nothing to roll back (and would not answer); it is dropped when handed back.
                if !link.broken { _ = try? link.execute("ROLLBACK") }
                throw error
            }
            try link.execute("COMMIT")
            return result
        }
    }

    /// Lends a connection for `body`, opening one if none is idle. A connection that failed or stopped
    /// answering is dropped, not handed back: the next call opens a fresh one, so the store recovers by
    /// itself once the database is back.
    func withConnection<T>(_ body: (PostgresLink) throws -> T) throws -> T {
        guard slots.wait(timeout: .now() + 10) == .success else { throw StoreError.busy(location) }
        defer { slots.signal() }
        let link: PostgresLink
        do {
            link = PostgresLink(connection: try checkOut(), location: location, deadline: statementDeadline, logger: logger)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.unavailable(location, Self.describe(error))
        }
        defer { checkIn(link.connection, broken: link.broken) }
        return try body(link)
    }

    private func checkOut() throws -> PostgresConnection {
        let (idle, id) = try pool.withLock { pool -> (PostgresConnection?, Int) in
            guard !pool.closed else { throw StoreError.unavailable(location, "the store was closed") }
            if let connection = pool.idle.popLast() { return (connection, 0) }
            pool.nextID += 1
            return (nil, pool.nextID)
        }
        if let idle { return idle }
        return try PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: id, logger: logger
        ).wait()
    }

    private func checkIn(_ connection: PostgresConnection, broken: Bool) {
        let keep = pool.withLock { pool -> Bool in
            guard !pool.closed, !broken, !connection.isClosed else { return false }
            pool.idle.append(connection)
            return true
        }
        // Closed without waiting: a connection that stopped answering may not answer its close either.
        if !keep, !connection.isClosed { connection.close().whenComplete { _ in _ = connection } }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            if let underlying = error.underlying { return "\(error.code): \(underlying)" }
            return "\(error.code)"
        }
        return "\(error)"
    }
}

/// A transaction on the PostgreSQL store.
struct PostgresSession: StoreSession {
    let link: PostgresLink
    var samples: any SampleRepository { PostgresSampleRepository(link: link) }
    var actions: any ActionRepository { PostgresActionRepository(link: link) }
    var outbox: any OutboxRepository { PostgresOutboxRepository(link: link) }
    var audit: any AuditRepository { PostgresAuditRepository(link: link) }
    var tokens: any TokenRepository { PostgresTokenRepository(link: link) }
    var gates: any GateRepository { PostgresGateRepository(link: link) }
    var materials: any MaterialRepository { PostgresMaterialRepository(link: link) }
    var rehearsals: any RehearsalRepository { PostgresRehearsalRepository(link: link) }
    var coordination: (any CoordinationRepository)? { PostgresCoordinationRepository(link: link) }
}

/// A value bound to a statement parameter.
enum SQLValue {
    case text(String)
    case integer(Int64)
    case real(Double)
    case boolean(Bool)
    case null
}

/// A Swift value that binds to a statement parameter. Dates bind as milliseconds since 1970, as stored.
protocol SQLBindable {
    var sqlValue: SQLValue { get }
}

extension String: SQLBindable { var sqlValue: SQLValue { .text(self) } }
extension Int64: SQLBindable { var sqlValue: SQLValue { .integer(self) } }
extension Int: SQLBindable { var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Double: SQLBindable { var sqlValue: SQLValue { .real(self) } }
extension Bool: SQLBindable { var sqlValue: SQLValue { .boolean(self) } }
extension Date: SQLBindable { var sqlValue: SQLValue { .integer(storedMilliseconds) } }
extension ActionState: SQLBindable { var sqlValue: SQLValue { .text(rawValue) } }
extension OutboxState: SQLBindable { var sqlValue: SQLValue { .text(rawValue) } }
extension Optional: SQLBindable where Wrapped: SQLBindable {
    var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

/// One connection, used by one transaction at a time: runs a statement and waits for its rows, at most
/// `deadline` seconds. PostgreSQL's errors become ``StoreError``s here; one that means the connection is
/// gone (or a statement that got no answer) marks the link broken, and its connection is not reused.
final class PostgresLink {
    let connection: PostgresConnection
    let location: String
    let deadline: TimeInterval
    let logger: Logger
    /// The connection failed or stopped answering.
    private(set) var broken = false

    init(connection: PostgresConnection, location: String, deadline: TimeInterval, logger: Logger) {
        self.connection = connection
        self.location = location
        self.deadline = deadline
        self.logger = logger
    }

    /// Runs `sql` with `$1, $2, …` bound to `values` and returns its rows.
    @discardableResult
    func query(_ sql: String, _ values: [any SQLBindable] = []) throws -> [PostgresStoredRow] {
        try run(sql, values).rows.map { PostgresStoredRow(row: $0.makeRandomAccess()) }
    }

    /// Runs `sql` and returns how many rows it changed.
    @discardableResult
    func execute(_ sql: String, _ values: [any SQLBindable] = []) throws -> Int {
        try run(sql, values).metadata.rows ?? 0
    }

    private func run(_ sql: String, _ values: [any SQLBindable]) throws -> PostgresQueryResult {
        // A statement written to a channel that has closed is never answered, so it is not sent at all.
        guard !broken, !connection.isClosed else {
            broken = true
            throw StoreError.unavailable(location, "the connection to the database was closed")
        }
        var bindings = PostgresBindings(capacity: values.count)
        for value in values {
            switch value.sqlValue {
            case .text(let text): bindings.append(text)
            case .integer(let integer): bindings.append(integer)
            case .real(let real): bindings.append(real)
            case .boolean(let boolean): bindings.append(boolean)
            case .null: bindings.appendNull()
            }
        }
        let answer = Answer()
        connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger).whenComplete { result in
            answer.result.withLock { $0 = result }
            answer.arrived.signal()
        }
        guard answer.arrived.wait(timeout: .now() + deadline) == .success, let result = answer.result.withLock({ $0 }) else {
            broken = true
            throw StoreError.unavailable(location, "no answer from the database within \(Int(deadline)) s")
        }
        do {
            return try result.get()
        } catch {
            let translated = translate(error)
            if translated.isUnavailable { broken = true }
            throw translated
        }
    }

    /// A statement's result, handed from the event loop to the waiting thread.
    private final class Answer: Sendable {
        let result = Mutex<Result<PostgresQueryResult, any Error>?>(nil)
        let arrived = DispatchSemaphore(value: 0)
    }

    private func translate(_ error: any Error) -> StoreError {
        switch error {
        case let error as PSQLError:
            let state = error.serverInfo?[.sqlState]
            switch state {
            case "40001", "40P01", "55P03":
                // A serialization failure, a deadlock or a lock timeout: the transaction may simply be retried.
                return .busy(location)
            case "57P01", "57P02", "57P03":
                return .unavailable(location, error.serverInfo?[.message] ?? "the server is shutting down")
            case .some(let state) where state.hasPrefix("08"):
                return .unavailable(location, error.serverInfo?[.message] ?? "connection failure")
            case .some(let state):
                return .failed(location, (error.serverInfo?[.message] ?? "") + " (SQLSTATE \(state))")
            case nil:
                return .unavailable(location, PostgresStore.describe(error))
            }
        case let error as StoreError: return error
        case let error as PostgresError: return .failed(location, "\(error)")
        default: return .unavailable(location, "\(error)")
        }
    }
}

/// A row read back, with typed columns; a column of the wrong type is ``StoreError/invalid(_:)``.
struct PostgresStoredRow {
    let row: PostgresRandomAccessRow

    func decode<T: PostgresDecodable>(_ column: String, as type: T.Type) throws -> T {
        do {
            return try row[column].decode(T.self)
        } catch {
            throw StoreError.invalid("column \(column) holds something other than \(T.self)")
        }
    }

    func string(_ column: String) throws -> String { try decode(column, as: String.self) }
    func optionalString(_ column: String) throws -> String? { try decode(column, as: String?.self) }
    func int64(_ column: String) throws -> Int64 { try decode(column, as: Int64.self) }
    func optionalInt64(_ column: String) throws -> Int64? { try decode(column, as: Int64?.self) }
    func int(_ column: String) throws -> Int { Int(try int64(column)) }
    func double(_ column: String) throws -> Double { try decode(column, as: Double.self) }
    func optionalDouble(_ column: String) throws -> Double? { try decode(column, as: Double?.self) }
    func bool(_ column: String) throws -> Bool { try decode(column, as: Bool.self) }
    func date(_ column: String) throws -> Date { Date(storedMilliseconds: try int64(column)) }
    func optionalDate(_ column: String) throws -> Date? { try optionalInt64(column).map(Date.init(storedMilliseconds:)) }
}

/// A `postgres://` URL taken apart: the connection settings, and the URL as logs may show it.
struct PostgresURL {
    let configuration: PostgresConnection.Configuration
    let redacted: String

    init(_ text: String) throws {
        guard let url = URLComponents(string: text), url.scheme == "postgres" || url.scheme == "postgresql",
            let host = url.host, !host.isEmpty
        else {
            throw StoreError.cannotOpen(
                Self.redact(text), "a PostgreSQL store is named postgres://user:password@host:port/database (optionally ?sslmode=require)")
        }
        let user = url.user.flatMap { $0.removingPercentEncoding } ?? "postgres"
        let password = url.password.flatMap { $0.removingPercentEncoding }
        let database = url.path.isEmpty || url.path == "/" ? user : String(url.path.dropFirst())
        let sslMode = url.queryItems?.first { $0.name == "sslmode" }?.value ?? "disable"
        let tls: PostgresConnection.Configuration.TLS
        switch sslMode {
        case "disable": tls = .disable
        case "prefer", "allow": tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case "require", "verify-ca", "verify-full": tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        default:
            throw StoreError.cannotOpen(Self.redact(text), "sslmode must be disable, prefer or require, got '\(sslMode)'")
        }
        var configuration = PostgresConnection.Configuration(
            host: host, port: url.port ?? 5432, username: user, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = .seconds(5)
        self.configuration = configuration
        redacted = Self.redact(text)
    }

    /// The URL with any password replaced by `***`.
    static func redact(_ text: String) -> String {
        guard var url = URLComponents(string: text), url.password != nil else { return text }
        url.password = "***"
        return url.string ?? "postgres://***"
    }
}

/// Where a store is, as the command line and the environment name it: a SQLite file's path, or a
/// `postgres://` URL.
public enum StoreLocation {
    /// Whether `location` names a PostgreSQL database.
    public static func isPostgres(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }

    /// Opens (creating a SQLite file if needed) and migrates the store at `location`.
    public static func open(_ location: String, durable: Bool = false, logger: Logger = Logger(label: "sluice.store")) throws -> any Store {
        isPostgres(location) ? try PostgresStore(url: location, logger: logger) : try SQLiteStore(path: location, durable: durable)
    }

    /// `location` as logs may show it: a URL's password replaced by `***`.
    public static func redacted(_ location: String) -> String {
        isPostgres(location) ? PostgresURL.redact(location) : location
    }
}
