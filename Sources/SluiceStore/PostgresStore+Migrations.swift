import Foundation

extension PostgresStore {
    /// The schema, one migration per version (statements end with `;` and a line break), applied in order and never edited once released. The first
    /// two match ``SQLiteStore``'s in PostgreSQL's types; the third adds what replicas share.
    static let migrations: [(id: String, sql: String)] = [
        (
            "v1-decision-service",
            """
            CREATE TABLE ingest_batch (
                id BIGSERIAL PRIMARY KEY,
                correlation_id TEXT NOT NULL,
                source TEXT NOT NULL,
                received_at BIGINT NOT NULL,
                accepted BIGINT NOT NULL,
                rejected BIGINT NOT NULL);
            CREATE TABLE sample (
                id BIGSERIAL PRIMARY KEY,
                asset TEXT NOT NULL,
                time BIGINT NOT NULL,
                batch BIGINT NOT NULL,
                sensor_values TEXT NOT NULL);
            CREATE INDEX sample_by_time ON sample(time);
            CREATE TABLE action (
                id TEXT PRIMARY KEY,
                cell TEXT NOT NULL,
                gate TEXT NOT NULL,
                type TEXT NOT NULL,
                mode TEXT NOT NULL,
                state TEXT NOT NULL,
                subject TEXT NOT NULL,
                severity DOUBLE PRECISION NOT NULL,
                quantity DOUBLE PRECISION,
                unit TEXT,
                correlation_id TEXT NOT NULL,
                model_name TEXT NOT NULL,
                model_version BIGINT NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                decided_at BIGINT,
                decided_by TEXT,
                reason_code TEXT,
                reason_text TEXT,
                approved_quantity DOUBLE PRECISION,
                updated_at BIGINT NOT NULL);
            CREATE INDEX action_by_cell ON action(cell, created_at);
            CREATE INDEX action_by_state ON action(state, created_at);
            CREATE INDEX action_open_by_gate ON action(gate) WHERE state = '\(ActionState.pending.rawValue)';
            CREATE INDEX action_by_gate_subject ON action(gate, subject, created_at);
            CREATE INDEX action_pending_expiry ON action(expires_at) WHERE state = '\(ActionState.pending.rawValue)';
            CREATE TABLE action_evidence (
                action_id TEXT PRIMARY KEY REFERENCES action(id),
                evidence TEXT NOT NULL);
            CREATE TABLE decision (
                id BIGSERIAL PRIMARY KEY,
                action_id TEXT NOT NULL REFERENCES action(id),
                decision TEXT NOT NULL,
                reason_code TEXT,
                reason_text TEXT,
                proposed_quantity DOUBLE PRECISION,
                quantity DOUBLE PRECISION,
                false_positive BOOLEAN NOT NULL,
                decided_by TEXT NOT NULL,
                role TEXT NOT NULL,
                decided_at BIGINT NOT NULL);
            CREATE INDEX decision_by_action ON decision(action_id);
            CREATE INDEX decision_by_time ON decision(decided_at);
            CREATE TABLE outbox (
                id BIGSERIAL PRIMARY KEY,
                action_id TEXT NOT NULL REFERENCES action(id),
                connector TEXT NOT NULL,
                payload TEXT NOT NULL,
                idempotency_key TEXT NOT NULL UNIQUE,
                correlation_id TEXT NOT NULL,
                state TEXT NOT NULL,
                attempts BIGINT NOT NULL,
                next_attempt_at BIGINT NOT NULL,
                last_error TEXT,
                created_at BIGINT NOT NULL,
                delivered_at BIGINT);
            CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE state = '\(OutboxState.pending.rawValue)';
            CREATE INDEX outbox_by_action ON outbox(action_id);
            CREATE TABLE audit (
                sequence BIGINT PRIMARY KEY,
                time BIGINT NOT NULL,
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
                id BIGINT PRIMARY KEY CHECK (id = 1),
                size BIGINT NOT NULL,
                head TEXT NOT NULL);
            CREATE FUNCTION audit_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
            CREATE TRIGGER audit_is_append_only BEFORE UPDATE OR DELETE ON audit
                FOR EACH ROW EXECUTE FUNCTION audit_is_append_only();
            CREATE TABLE token (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                role TEXT NOT NULL,
                cell TEXT,
                hash TEXT NOT NULL UNIQUE,
                created_at BIGINT NOT NULL,
                created_by TEXT NOT NULL,
                expires_at BIGINT,
                revoked_at BIGINT);
            CREATE TABLE gate (
                id TEXT PRIMARY KEY,
                cell TEXT NOT NULL,
                state TEXT NOT NULL,
                updated_at BIGINT NOT NULL);
            CREATE TABLE material (
                item TEXT PRIMARY KEY,
                cell TEXT NOT NULL,
                state TEXT NOT NULL,
                updated_at BIGINT NOT NULL);
            CREATE TABLE movement (
                id BIGSERIAL PRIMARY KEY,
                item TEXT NOT NULL,
                kind TEXT NOT NULL,
                quantity DOUBLE PRECISION NOT NULL,
                time BIGINT NOT NULL,
                batch BIGINT NOT NULL);
            CREATE INDEX movement_by_item ON movement(item, time);
            INSERT INTO audit_checkpoint (id, size, head) VALUES (1, 0, '\(AuditChain.genesis)')
            """
        ),
        (
            "v2-people",
            """
            ALTER TABLE action ADD COLUMN stage TEXT;
            ALTER TABLE action ADD COLUMN detected_at BIGINT;
            CREATE INDEX action_by_gate_time ON action(gate, created_at);
            CREATE TABLE rehearsal (
                id BIGSERIAL PRIMARY KEY,
                gate TEXT NOT NULL,
                candidate_version BIGINT NOT NULL,
                from_time BIGINT NOT NULL,
                to_time BIGINT NOT NULL,
                created_at BIGINT NOT NULL,
                created_by TEXT NOT NULL,
                summary TEXT NOT NULL);
            CREATE INDEX rehearsal_by_gate ON rehearsal(gate, id)
            """
        ),
        (
            // Replicas: each cell's row is locked by every transaction that changes the cell's state (its
            // version tells a replica whether its memory is current) and holds the cell's scorer lease;
            // telemetry waits in the inbox until the cell's scorer takes it.
            "v3-scale-out",
            """
            CREATE TABLE cell_state (
                cell TEXT PRIMARY KEY,
                version BIGINT NOT NULL DEFAULT 0,
                holder TEXT,
                epoch BIGINT NOT NULL DEFAULT 0,
                lease_until BIGINT NOT NULL DEFAULT 0);
            CREATE TABLE inbox (
                id BIGSERIAL PRIMARY KEY,
                cell TEXT NOT NULL,
                batch BIGINT NOT NULL,
                correlation_id TEXT NOT NULL,
                kind TEXT NOT NULL,
                subject TEXT NOT NULL,
                time BIGINT NOT NULL,
                payload TEXT NOT NULL,
                received_at BIGINT NOT NULL);
            CREATE INDEX inbox_by_cell ON inbox(cell, id)
            """
        ),
    ]

    /// Applies the migrations not yet applied, under an advisory lock so replicas starting together apply
    /// each once.
    func migrate() throws {
        do {
            try withConnection { link in
                try link.execute("SELECT pg_advisory_lock(7301)")
                defer { _ = try? link.execute("SELECT pg_advisory_unlock(7301)") }
                try link.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migration (id TEXT PRIMARY KEY, applied_order BIGINT NOT NULL, applied_at BIGINT NOT NULL)")
                let applied = Set(try link.query("SELECT id FROM schema_migration").map { try $0.string("id") })
                for (order, migration) in Self.migrations.enumerated() where !applied.contains(migration.id) {
                    try link.execute("BEGIN")
                    do {
                        for statement in migration.sql.components(separatedBy: ";\n") where !statement.allSatisfy(\.isWhitespace) {
                            try link.execute(statement)
                        }
                        try link.execute(
                            "INSERT INTO schema_migration (id, applied_order, applied_at) VALUES ($1, $2, $3)", [migration.id, order, Date()])
                        try link.execute("COMMIT")
                    } catch {
                        _ = try? link.execute("ROLLBACK")
                        throw error
                    }
                }
            }
        } catch let error as StoreError {
            throw StoreError.migrationFailed(location, error.message)
        }
    }
}
