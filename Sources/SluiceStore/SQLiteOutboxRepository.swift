import Foundation
import GRDB

/// The outbox in SQLite.
struct SQLiteOutboxRepository: OutboxRepository {
    let db: Database

    func enqueue(_ entry: OutboxRecord) throws -> Int64 {
        try db.cachedStatement(
            sql: """
                INSERT INTO outbox (action_id, connector, payload, idempotency_key, correlation_id, state, attempts, next_attempt_at,
                last_error, created_at, delivered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            entry.actionID, entry.connector, entry.payload, entry.idempotencyKey, entry.correlationID, entry.state.rawValue, entry.attempts,
            entry.nextAttemptAt.storedMilliseconds, entry.lastError, entry.createdAt.storedMilliseconds, entry.deliveredAt?.storedMilliseconds,
        ])
        return db.lastInsertedRowID
    }

    func due(at date: Date, limit: Int) throws -> [OutboxRecord] {
        try Row.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM outbox WHERE state = ? AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?"),
            arguments: [OutboxState.pending.rawValue, date.storedMilliseconds, limit]
        ).map(Self.record)
    }

    func claimDue(at date: Date, until: Date, limit: Int) throws -> [OutboxRecord] {
        // SQLite has one writer at a time: the read and the update cannot interleave with another claim.
        var claimed = try due(at: date, limit: limit)
        for index in claimed.indices {
            claimed[index].nextAttemptAt = until
            try update(claimed[index])
        }
        return claimed
    }

    func nextDue() throws -> Date? {
        try Int64.fetchOne(db, sql: "SELECT MIN(next_attempt_at) FROM outbox WHERE state = ?", arguments: [OutboxState.pending.rawValue])
            .map(Date.init(storedMilliseconds:))
    }

    func update(_ entry: OutboxRecord) throws {
        try db.cachedStatement(
            sql: "UPDATE outbox SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ?, delivered_at = ?, payload = ? WHERE id = ?"
        ).execute(arguments: [
            entry.state.rawValue, entry.attempts, entry.nextAttemptAt.storedMilliseconds, entry.lastError, entry.deliveredAt?.storedMilliseconds,
            entry.payload, entry.id,
        ])
    }

    func entries(actionID: String) throws -> [OutboxRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM outbox WHERE action_id = ? ORDER BY id", arguments: [actionID]).map(Self.record)
    }

    func entries(state: OutboxState, limit: Int) throws -> [OutboxRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM outbox WHERE state = ? ORDER BY id LIMIT ?", arguments: [state.rawValue, limit]).map(Self.record)
    }

    func countByState() throws -> [OutboxState: Int] {
        var counts: [OutboxState: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM outbox GROUP BY state") {
            counts[try OutboxState(stored: row["state"])] = row["n"]
        }
        return counts
    }

    private static func record(_ row: Row) throws -> OutboxRecord {
        OutboxRecord(
            id: row["id"], actionID: row["action_id"], connector: row["connector"], payload: row["payload"],
            idempotencyKey: row["idempotency_key"], correlationID: row["correlation_id"], state: try OutboxState(stored: row["state"]),
            attempts: row["attempts"],
            nextAttemptAt: row.date("next_attempt_at"), lastError: row["last_error"], createdAt: row.date("created_at"),
            deliveredAt: row.optionalDate("delivered_at"))
    }
}
