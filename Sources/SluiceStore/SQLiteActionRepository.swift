import Foundation
import GRDB

/// Actions and decisions in SQLite. Evidence lives in its own table: it is written once and read for one
/// action at a time, so lists and decisions never carry (or rewrite) its kilobytes.
struct SQLiteActionRepository: ActionRepository {
    let db: Database

    /// The action table's columns in the order both stores bind them.
    static let columns = """
        id, cell, gate, type, mode, state, subject, severity, quantity, unit, correlation_id, model_name, model_version,
        created_at, expires_at, decided_at, decided_by, reason_code, reason_text, approved_quantity, updated_at, stage, detected_at
        """

    func insert(_ action: ActionRecord, evidence: String) throws {
        try db.cachedStatement(
            sql: "INSERT INTO action (\(Self.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ).execute(arguments: Self.arguments(action))
        try db.cachedStatement(sql: "INSERT INTO action_evidence (action_id, evidence) VALUES (?, ?)").execute(arguments: [action.id, evidence])
    }

    func get(id: String) throws -> ActionRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM action WHERE id = ?"), arguments: [id]).map(Self.record)
    }

    func evidence(id: String) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT evidence FROM action_evidence WHERE action_id = ?"), arguments: [id])
    }

    func list(_ filter: ActionFilter) throws -> [ActionRecord] {
        var clauses: [String] = []
        var arguments: StatementArguments = []
        if let cells = filter.cells {
            guard !cells.isEmpty else { return [] }
            clauses.append("cell IN (\(cells.map { _ in "?" }.joined(separator: ", ")))")
            for cell in cells { arguments += [cell] }
        }
        if let state = filter.state {
            clauses.append("state = ?")
            arguments += [state.rawValue]
        }
        if let type = filter.type {
            clauses.append("type = ?")
            arguments += [type]
        }
        if let mode = filter.mode {
            clauses.append("mode = ?")
            arguments += [mode]
        } else if !filter.includesShadow {
            // Shadow detections are for the data team: listed only when asked for.
            clauses.append("mode != 'shadow'")
        }
        if let gate = filter.gate {
            clauses.append("gate = ?")
            arguments += [gate]
        }
        if let since = filter.since {
            clauses.append("created_at >= ?")
            arguments += [since.storedMilliseconds]
        }
        if let until = filter.until {
            clauses.append("created_at < ?")
            arguments += [until.storedMilliseconds]
        }
        let whereClause = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        arguments += [filter.limit]
        return try Row.fetchAll(
            db, sql: "SELECT * FROM action \(whereClause) ORDER BY created_at DESC, id DESC LIMIT ?", arguments: arguments
        ).map(Self.record)
    }

    func update(_ action: ActionRecord) throws {
        try db.cachedStatement(
            sql: """
                UPDATE action SET cell = ?, gate = ?, type = ?, mode = ?, state = ?, subject = ?, severity = ?, quantity = ?, unit = ?,
                correlation_id = ?, model_name = ?, model_version = ?, created_at = ?, expires_at = ?, decided_at = ?,
                decided_by = ?, reason_code = ?, reason_text = ?, approved_quantity = ?, updated_at = ?, stage = ?, detected_at = ? WHERE id = ?
                """
        ).execute(arguments: Self.arguments(action, idLast: true))
    }

    func expired(before date: Date, limit: Int) throws -> [ActionRecord] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM action WHERE state = ? AND expires_at <= ? ORDER BY expires_at LIMIT ?",
            arguments: [ActionState.pending.rawValue, date.storedMilliseconds, limit]
        ).map(Self.record)
    }

    func open(gate: String) throws -> [ActionRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM action WHERE gate = ? AND state = ?", arguments: [gate, ActionState.pending.rawValue]).map(
            Self.record)
    }

    func lastRaised(gate: String) throws -> [String: Date] {
        var last: [String: Date] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT subject, MAX(created_at) AS at FROM action WHERE gate = ? GROUP BY subject", arguments: [gate]) {
            last[row["subject"]] = row.date("at")
        }
        return last
    }

    func countByState(cells: [String]?) throws -> [ActionState: Int] {
        var sql = "SELECT state, COUNT(*) AS n FROM action"
        var arguments: StatementArguments = []
        if let cells {
            guard !cells.isEmpty else { return [:] }
            sql += " WHERE cell IN (\(cells.map { _ in "?" }.joined(separator: ", ")))"
            for cell in cells { arguments += [cell] }
        }
        var counts: [ActionState: Int] = [:]
        for row in try Row.fetchAll(db, sql: sql + " GROUP BY state", arguments: arguments) {
            counts[try ActionState(stored: row["state"])] = row["n"]
        }
        return counts
    }

    func insertDecision(_ decision: DecisionRecord) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO decision (action_id, decision, reason_code, reason_text, proposed_quantity, quantity, false_positive,
                decided_by, role, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            decision.actionID, decision.decision.rawValue, decision.reasonCode, decision.reasonText, decision.proposedQuantity, decision.quantity,
            decision.falsePositive, decision.decidedBy, decision.role, decision.decidedAt.storedMilliseconds,
        ])
    }

    func decisions(actionID: String) throws -> [DecisionRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM decision WHERE action_id = ? ORDER BY id", arguments: [actionID]).map(Self.decision)
    }

    func decisions(from: Date, to: Date, cells: [String]?) throws -> [DecisionRecord] {
        var sql =
            "SELECT decision.* FROM decision JOIN action ON action.id = decision.action_id WHERE decision.decided_at >= ? AND decision.decided_at < ?"
        var arguments: StatementArguments = [from.storedMilliseconds, to.storedMilliseconds]
        if let cells {
            guard !cells.isEmpty else { return [] }
            sql += " AND action.cell IN (\(cells.map { _ in "?" }.joined(separator: ", ")))"
            for cell in cells { arguments += [cell] }
        }
        return try Row.fetchAll(db, sql: sql + " ORDER BY decision.decided_at, decision.id", arguments: arguments).map(Self.decision)
    }

    private static func arguments(_ a: ActionRecord, idLast: Bool = false) -> StatementArguments {
        let fields: [(any DatabaseValueConvertible)?] = [
            a.cell, a.gate, a.type, a.mode, a.state.rawValue, a.subject, a.severity, a.quantity, a.unit, a.correlationID, a.modelName,
            a.modelVersion, a.createdAt.storedMilliseconds, a.expiresAt.storedMilliseconds, a.decidedAt?.storedMilliseconds,
            a.decidedBy, a.reasonCode, a.reasonText, a.approvedQuantity, a.updatedAt.storedMilliseconds, a.stage,
            a.detectedAt?.storedMilliseconds,
        ]
        return StatementArguments(idLast ? fields + [a.id] : [a.id] + fields)
    }

    private static func record(_ row: Row) throws -> ActionRecord {
        ActionRecord(
            id: row["id"], cell: row["cell"], gate: row["gate"], type: row["type"], mode: row["mode"], state: try ActionState(stored: row["state"]),
            subject: row["subject"], severity: row["severity"], quantity: row["quantity"], unit: row["unit"],
            correlationID: row["correlation_id"], modelName: row["model_name"], modelVersion: row["model_version"],
            createdAt: row.date("created_at"), expiresAt: row.date("expires_at"),
            decidedAt: row.optionalDate("decided_at"), decidedBy: row["decided_by"], reasonCode: row["reason_code"],
            reasonText: row["reason_text"], approvedQuantity: row["approved_quantity"], updatedAt: row.date("updated_at"), stage: row["stage"],
            detectedAt: row.optionalDate("detected_at"))
    }

    private static func decision(_ row: Row) throws -> DecisionRecord {
        DecisionRecord(
            actionID: row["action_id"], decision: try ActionState(stored: row["decision"]), reasonCode: row["reason_code"],
            reasonText: row["reason_text"],
            proposedQuantity: row["proposed_quantity"], quantity: row["quantity"], falsePositive: row["false_positive"],
            decidedBy: row["decided_by"], role: row["role"], decidedAt: row.date("decided_at"))
    }
}
