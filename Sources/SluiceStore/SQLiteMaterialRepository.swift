import Foundation
import GRDB

/// Materials and stock movements in SQLite.
struct SQLiteMaterialRepository: MaterialRepository {
    let db: Database

    func get(item: String) throws -> MaterialRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM material WHERE item = ?", arguments: [item]).map(Self.record)
    }

    func save(_ material: MaterialRecord) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO material (item, cell, state, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT(item) DO UPDATE SET cell = excluded.cell, state = excluded.state, updated_at = excluded.updated_at
                """
        ).execute(arguments: [material.item, material.cell, material.state, material.updatedAt.storedMilliseconds])
    }

    func insertMovement(_ movement: MovementRecord) throws {
        try db.cachedStatement(sql: "INSERT INTO movement (item, kind, quantity, time, batch) VALUES (?, ?, ?, ?, ?)").execute(arguments: [
            movement.item, movement.kind, movement.quantity, movement.time.storedMilliseconds, movement.batch,
        ])
    }

    func containsMovement(item: String, kind: String, quantity: Double, time: Date) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM movement WHERE item = ? AND time = ? AND kind = ? AND quantity = ?)"),
            arguments: [item, time.storedMilliseconds, kind, quantity]) ?? false
    }

    func movements(item: String) throws -> [MovementRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM movement WHERE item = ? ORDER BY time, id", arguments: [item]).map { row in
            MovementRecord(item: row["item"], kind: row["kind"], quantity: row["quantity"], time: row.date("time"), batch: row["batch"])
        }
    }

    private static func record(_ row: Row) -> MaterialRecord {
        MaterialRecord(item: row["item"], cell: row["cell"], state: row["state"], updatedAt: row.date("updated_at"))
    }
}
