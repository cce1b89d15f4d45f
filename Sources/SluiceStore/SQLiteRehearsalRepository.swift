import Foundation
import GRDB

/// Rehearsals in SQLite.
struct SQLiteRehearsalRepository: RehearsalRepository {
    let db: Database

    func insert(_ rehearsal: RehearsalRecord) throws -> Int64 {
        try db.execute(
            sql: """
                INSERT INTO rehearsal (gate, candidate_version, from_time, to_time, created_at, created_by, summary)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                rehearsal.gate, rehearsal.candidateVersion, rehearsal.from.storedMilliseconds, rehearsal.to.storedMilliseconds,
                rehearsal.createdAt.storedMilliseconds, rehearsal.createdBy, rehearsal.summary,
            ])
        return db.lastInsertedRowID
    }

    func latest(gate: String) throws -> RehearsalRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM rehearsal WHERE gate = ? ORDER BY id DESC LIMIT 1", arguments: [gate]).map { row in
            RehearsalRecord(
                id: row["id"], gate: row["gate"], candidateVersion: row["candidate_version"], from: row.date("from_time"), to: row.date("to_time"),
                createdAt: row.date("created_at"), createdBy: row["created_by"], summary: row["summary"])
        }
    }
}
