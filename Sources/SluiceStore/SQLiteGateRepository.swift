import Foundation
import GRDB

/// Gates' running state in SQLite.
struct SQLiteGateRepository: GateRepository {
    let db: Database

    func get(id: String) throws -> GateRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM gate WHERE id = ?", arguments: [id]).map(Self.record)
    }

    func save(_ gate: GateRecord) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO gate (id, cell, state, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET cell = excluded.cell, state = excluded.state, updated_at = excluded.updated_at
                """
        ).execute(arguments: [gate.id, gate.cell, gate.state, gate.updatedAt.storedMilliseconds])
    }

    func all() throws -> [GateRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM gate ORDER BY id").map(Self.record)
    }

    private static func record(_ row: Row) -> GateRecord {
        GateRecord(id: row["id"], cell: row["cell"], state: row["state"], updatedAt: row.date("updated_at"))
    }
}
