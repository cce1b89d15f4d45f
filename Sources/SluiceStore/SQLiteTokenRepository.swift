import Foundation
import GRDB

/// Tokens in SQLite.
struct SQLiteTokenRepository: TokenRepository {
    let db: Database

    func insert(_ token: TokenRecord) throws {
        try db.execute(
            sql: """
                INSERT INTO token (id, name, role, cell, hash, created_at, created_by, expires_at, revoked_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                token.id, token.name, token.role, token.cell, token.hash, token.createdAt.storedMilliseconds, token.createdBy,
                token.expiresAt?.storedMilliseconds, token.revokedAt?.storedMilliseconds,
            ])
    }

    func find(hash: String) throws -> TokenRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM token WHERE hash = ?"), arguments: [hash]).map(Self.record)
    }

    func get(id: String) throws -> TokenRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM token WHERE id = ?", arguments: [id]).map(Self.record)
    }

    func all() throws -> [TokenRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM token ORDER BY created_at, id").map(Self.record)
    }

    func revoke(id: String, at date: Date) throws {
        try db.execute(sql: "UPDATE token SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", arguments: [date.storedMilliseconds, id])
    }

    private static func record(_ row: Row) -> TokenRecord {
        TokenRecord(
            id: row["id"], name: row["name"], role: row["role"], cell: row["cell"], hash: row["hash"], createdAt: row.date("created_at"),
            createdBy: row["created_by"], expiresAt: row.optionalDate("expires_at"), revokedAt: row.optionalDate("revoked_at"))
    }
}
