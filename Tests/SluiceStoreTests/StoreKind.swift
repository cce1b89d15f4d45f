import Foundation
import SluiceStore
import SluiceTestSupport
import Testing

/// The stores every repository test runs against: the embedded SQLite store (in memory) and PostgreSQL
/// (a fresh database on the tests' private server).
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// A new, empty store of this kind.
    func make() throws -> any Store {
        switch self {
        case .sqlite: try SQLiteStore()
        case .postgres: try PostgresStore(url: try TestPostgres.shared.get().freshDatabase(), connections: 2)
        }
    }
}
