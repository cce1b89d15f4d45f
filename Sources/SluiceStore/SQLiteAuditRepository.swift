import Foundation
import GRDB

/// The audit log in SQLite: rows keyed by sequence, triggers that refuse updates and deletes, and a
/// one-row checkpoint (size and head hash) written in the same transaction as every append.
struct SQLiteAuditRepository: AuditRepository {
    let db: Database

    func append(_ entry: AuditEntry) throws -> AuditRecord {
        let record = AuditChain.next(after: try checkpoint(), entry: entry)
        try db.cachedStatement(
            sql: """
                INSERT INTO audit (sequence, time, actor, role, event, subject, cell, correlation_id, details, previous_hash, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            record.sequence, entry.time.storedMilliseconds, entry.actor, entry.role, entry.event, entry.subject, entry.cell,
            entry.correlationID, entry.details, record.previousHash, record.hash,
        ])
        try db.cachedStatement(sql: "UPDATE audit_checkpoint SET size = ?, head = ? WHERE id = 1").execute(arguments: [
            record.sequence, record.hash,
        ])
        return record
    }

    func checkpoint() throws -> AuditCheckpoint {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT size, head FROM audit_checkpoint WHERE id = 1")) else {
            throw StoreError.invalid("the audit checkpoint row is missing")
        }
        return AuditCheckpoint(size: row["size"], head: row["head"])
    }

    func records(from sequence: Int64, limit: Int) throws -> [AuditRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM audit WHERE sequence >= ? ORDER BY sequence LIMIT ?", arguments: [sequence, limit])
            .map(Self.record)
    }

    func records(subject: String) throws -> [AuditRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM audit WHERE subject = ? ORDER BY sequence", arguments: [subject]).map(Self.record)
    }

    private static func record(_ row: Row) -> AuditRecord {
        AuditRecord(
            sequence: row["sequence"],
            entry: AuditEntry(
                time: row.date("time"), actor: row["actor"], role: row["role"], event: row["event"], subject: row["subject"],
                cell: row["cell"], correlationID: row["correlation_id"], details: row["details"]),
            previousHash: row["previous_hash"], hash: row["hash"])
    }
}
