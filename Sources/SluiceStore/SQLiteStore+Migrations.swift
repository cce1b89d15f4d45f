import GRDB

extension SQLiteStore {
    /// The schema, one registered migration per version; applied in order and never edited once released.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-decision-service") { db in
            try db.execute(
                sql: """
                    CREATE TABLE ingest_batch (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        correlation_id TEXT NOT NULL,
                        source TEXT NOT NULL,
                        received_at INTEGER NOT NULL,
                        accepted INTEGER NOT NULL,
                        rejected INTEGER NOT NULL);
                    CREATE TABLE sample (
                        id INTEGER PRIMARY KEY,
                        asset TEXT NOT NULL,
                        time INTEGER NOT NULL,
                        batch INTEGER NOT NULL,
                        sensor_values TEXT NOT NULL);
                    CREATE INDEX sample_by_time ON sample(time);
                    CREATE TABLE action (
                        id TEXT PRIMARY KEY NOT NULL,
                        cell TEXT NOT NULL,
                        gate TEXT NOT NULL,
                        type TEXT NOT NULL,
                        mode TEXT NOT NULL,
                        state TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        severity REAL NOT NULL,
                        quantity REAL,
                        unit TEXT,
                        correlation_id TEXT NOT NULL,
                        model_name TEXT NOT NULL,
                        model_version INTEGER NOT NULL,
                        created_at INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL,
                        decided_at INTEGER,
                        decided_by TEXT,
                        reason_code TEXT,
                        reason_text TEXT,
                        approved_quantity REAL,
                        updated_at INTEGER NOT NULL);
                    CREATE INDEX action_by_cell ON action(cell, created_at);
                    CREATE INDEX action_by_state ON action(state, created_at);
                    CREATE INDEX action_open_by_gate ON action(gate) WHERE state = '\(ActionState.pending.rawValue)';
                    CREATE INDEX action_by_gate_subject ON action(gate, subject, created_at);
                    CREATE INDEX action_pending_expiry ON action(expires_at) WHERE state = '\(ActionState.pending.rawValue)';
                    CREATE TABLE action_evidence (
                        action_id TEXT PRIMARY KEY NOT NULL REFERENCES action(id),
                        evidence TEXT NOT NULL);
                    CREATE TABLE decision (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        action_id TEXT NOT NULL REFERENCES action(id),
                        decision TEXT NOT NULL,
                        reason_code TEXT,
                        reason_text TEXT,
                        proposed_quantity REAL,
                        quantity REAL,
                        false_positive INTEGER NOT NULL,
                        decided_by TEXT NOT NULL,
                        role TEXT NOT NULL,
                        decided_at INTEGER NOT NULL);
                    CREATE INDEX decision_by_action ON decision(action_id);
                    CREATE INDEX decision_by_time ON decision(decided_at);
                    CREATE TABLE outbox (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        action_id TEXT NOT NULL REFERENCES action(id),
                        connector TEXT NOT NULL,
                        payload TEXT NOT NULL,
                        idempotency_key TEXT NOT NULL UNIQUE,
                        correlation_id TEXT NOT NULL,
                        state TEXT NOT NULL,
                        attempts INTEGER NOT NULL,
                        next_attempt_at INTEGER NOT NULL,
                        last_error TEXT,
                        created_at INTEGER NOT NULL,
                        delivered_at INTEGER);
                    CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE state = '\(OutboxState.pending.rawValue)';
                    CREATE INDEX outbox_by_action ON outbox(action_id);
                    CREATE TABLE audit (
                        sequence INTEGER PRIMARY KEY,
                        time INTEGER NOT NULL,
                        actor TEXT NOT NULL,
                        role TEXT NOT NULL,
                        event TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        cell TEXT,
                        correlation_id TEXT,
                        details TEXT NOT NULL,
                        previous_hash TEXT NOT NULL,
                        hash TEXT NOT NULL);
                    CREATE INDEX audit_by_subject ON audit(subject);
                    CREATE TABLE audit_checkpoint (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        size INTEGER NOT NULL,
                        head TEXT NOT NULL);
                    CREATE TRIGGER audit_is_append_only_update BEFORE UPDATE ON audit
                        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                    CREATE TRIGGER audit_is_append_only_delete BEFORE DELETE ON audit
                        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                    CREATE TABLE token (
                        id TEXT PRIMARY KEY NOT NULL,
                        name TEXT NOT NULL,
                        role TEXT NOT NULL,
                        cell TEXT,
                        hash TEXT NOT NULL UNIQUE,
                        created_at INTEGER NOT NULL,
                        created_by TEXT NOT NULL,
                        expires_at INTEGER,
                        revoked_at INTEGER);
                    CREATE TABLE gate (
                        id TEXT PRIMARY KEY NOT NULL,
                        cell TEXT NOT NULL,
                        state TEXT NOT NULL,
                        updated_at INTEGER NOT NULL);
                    CREATE TABLE material (
                        item TEXT PRIMARY KEY NOT NULL,
                        cell TEXT NOT NULL,
                        state TEXT NOT NULL,
                        updated_at INTEGER NOT NULL);
                    CREATE TABLE movement (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        item TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        quantity REAL NOT NULL,
                        time INTEGER NOT NULL,
                        batch INTEGER NOT NULL);
                    CREATE INDEX movement_by_item ON movement(item, time);
                    """)
            try db.execute(sql: "INSERT INTO audit_checkpoint (id, size, head) VALUES (1, 0, ?)", arguments: [AuditChain.genesis])
        }
        migrator.registerMigration("v2-people") { db in
            // The stage an action was raised in and when its need was first seen, for the sponsor's report
            // (decisions per stage, detection time); and the rehearsals of candidate models.
            try db.execute(
                sql: """
                    ALTER TABLE action ADD COLUMN stage TEXT;
                    ALTER TABLE action ADD COLUMN detected_at INTEGER;
                    CREATE INDEX action_by_gate_time ON action(gate, created_at);
                    CREATE TABLE rehearsal (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        gate TEXT NOT NULL,
                        candidate_version INTEGER NOT NULL,
                        from_time INTEGER NOT NULL,
                        to_time INTEGER NOT NULL,
                        created_at INTEGER NOT NULL,
                        created_by TEXT NOT NULL,
                        summary TEXT NOT NULL);
                    CREATE INDEX rehearsal_by_gate ON rehearsal(gate, id);
                    """)
        }
        return migrator
    }
}
