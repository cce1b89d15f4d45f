import Foundation

// The repositories on PostgreSQL. They keep SQLite's columns and units (times in milliseconds since 1970),
// so a store moves between the two with its meaning intact.

/// Samples and ingest batches in PostgreSQL.
struct PostgresSampleRepository: SampleRepository {
    let link: PostgresLink

    func insertBatch(_ batch: IngestBatchRecord) throws -> Int64 {
        let rows = try link.query(
            "INSERT INTO ingest_batch (correlation_id, source, received_at, accepted, rejected) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            [batch.correlationID, batch.source, batch.receivedAt, batch.accepted, batch.rejected])
        return try rows[0].int64("id")
    }

    func updateBatchCounts(id: Int64, accepted: Int, rejected: Int) throws {
        try link.execute("UPDATE ingest_batch SET accepted = $1, rejected = $2 WHERE id = $3", [accepted, rejected, id])
    }

    func insert(_ sample: SampleRecord) throws {
        try insert([sample])
    }

    /// Rows per multi-row INSERT.
    static let rowsPerStatement = 200

    func insert(_ samples: [SampleRecord]) throws {
        var start = samples.startIndex
        while start < samples.endIndex {
            let chunk = samples[start..<min(start + Self.rowsPerStatement, samples.endIndex)]
            var values: [any SQLBindable] = []
            values.reserveCapacity(4 * chunk.count)
            for sample in chunk { values += [sample.asset, sample.time, sample.batch, SensorValuesCoding.encode(sample.values)] }
            try link.execute("INSERT INTO sample (asset, time, batch, sensor_values) VALUES " + placeholders(rows: chunk.count, columns: 4), values)
            start = chunk.endIndex
        }
    }

    func recentByAsset(perAsset: Int, scanLimit: Int) throws -> [String: [SampleRecord]] {
        var windows: [String: [SampleRecord]] = [:]
        for row in try link.query("SELECT asset, time, batch, sensor_values FROM sample ORDER BY time DESC, id DESC LIMIT $1", [scanLimit]) {
            let asset = try row.string("asset")
            guard windows[asset, default: []].count < perAsset else { continue }
            windows[asset, default: []].append(try Self.record(row))
        }
        return windows.mapValues { $0.reversed() }
    }

    func count(asset: String?) throws -> Int {
        let rows =
            if let asset {
                try link.query("SELECT COUNT(*) AS n FROM sample WHERE asset = $1", [asset])
            } else {
                try link.query("SELECT COUNT(*) AS n FROM sample")
            }
        return try rows[0].int("n")
    }

    func contains(asset: String, time: Date) throws -> Bool {
        !(try link.query("SELECT 1 AS found FROM sample WHERE time = $1 AND asset = $2 LIMIT 1", [time, asset]).isEmpty)
    }

    func samples(assets: [String], from: Date, to: Date) throws -> [SampleRecord] {
        guard !assets.isEmpty else { return [] }
        // The assets are filtered by the database: every row left out is one not sent over the network.
        let wanted = Array(Set(assets))
        let list = (0..<wanted.count).map { "$\($0 + 3)" }.joined(separator: ", ")
        return try link.query(
            "SELECT asset, time, batch, sensor_values FROM sample WHERE time >= $1 AND time < $2 AND asset IN (\(list)) ORDER BY time, id",
            [from, to] + wanted
        ).map(Self.record)
    }

    func timeSpan() throws -> ClosedRange<Date>? {
        let row = try link.query("SELECT MIN(time) AS first, MAX(time) AS last FROM sample")[0]
        guard let first = try row.optionalDate("first"), let last = try row.optionalDate("last") else { return nil }
        return first...last
    }

    private static func record(_ row: PostgresStoredRow) throws -> SampleRecord {
        SampleRecord(
            asset: try row.string("asset"), time: try row.date("time"), values: try SensorValuesCoding.decode(try row.string("sensor_values")),
            batch: try row.int64("batch"))
    }
}

/// Actions and decisions in PostgreSQL.
struct PostgresActionRepository: ActionRepository {
    let link: PostgresLink

    private static let columns = SQLiteActionRepository.columns

    func insert(_ action: ActionRecord, evidence: String) throws {
        try link.execute("INSERT INTO action (\(Self.columns)) VALUES \(placeholders(rows: 1, columns: 23))", Self.values(action))
        try link.execute("INSERT INTO action_evidence (action_id, evidence) VALUES ($1, $2)", [action.id, evidence])
    }

    func get(id: String) throws -> ActionRecord? {
        try link.query("SELECT * FROM action WHERE id = $1", [id]).first.map(Self.record)
    }

    func evidence(id: String) throws -> String? {
        try link.query("SELECT evidence FROM action_evidence WHERE action_id = $1", [id]).first?.string("evidence")
    }

    func list(_ filter: ActionFilter) throws -> [ActionRecord] {
        var clauses: [String] = []
        var values: [any SQLBindable] = []
        func bind(_ value: any SQLBindable) -> String {
            values.append(value)
            return "$\(values.count)"
        }
        if let cells = filter.cells {
            guard !cells.isEmpty else { return [] }
            clauses.append("cell IN (\(cells.map { bind($0) }.joined(separator: ", ")))")
        }
        if let state = filter.state { clauses.append("state = \(bind(state))") }
        if let type = filter.type { clauses.append("type = \(bind(type))") }
        if let mode = filter.mode {
            clauses.append("mode = \(bind(mode))")
        } else if !filter.includesShadow {
            clauses.append("mode != 'shadow'")
        }
        if let gate = filter.gate { clauses.append("gate = \(bind(gate))") }
        if let since = filter.since { clauses.append("created_at >= \(bind(since))") }
        if let until = filter.until { clauses.append("created_at < \(bind(until))") }
        let whereClause = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        let limit = bind(filter.limit)
        return try link.query("SELECT * FROM action \(whereClause) ORDER BY created_at DESC, id DESC LIMIT \(limit)", values).map(Self.record)
    }

    func update(_ action: ActionRecord) throws {
        try link.execute(
            """
            UPDATE action SET cell = $2, gate = $3, type = $4, mode = $5, state = $6, subject = $7, severity = $8, quantity = $9, unit = $10,
            correlation_id = $11, model_name = $12, model_version = $13, created_at = $14, expires_at = $15, decided_at = $16,
            decided_by = $17, reason_code = $18, reason_text = $19, approved_quantity = $20, updated_at = $21, stage = $22, detected_at = $23
            WHERE id = $1
            """, Self.values(action))
    }

    func expired(before date: Date, limit: Int) throws -> [ActionRecord] {
        try link.query(
            "SELECT * FROM action WHERE state = $1 AND expires_at <= $2 ORDER BY expires_at LIMIT $3", [ActionState.pending, date, limit]
        )
        .map(Self.record)
    }

    func open(gate: String) throws -> [ActionRecord] {
        try link.query("SELECT * FROM action WHERE gate = $1 AND state = $2", [gate, ActionState.pending]).map(Self.record)
    }

    func lastRaised(gate: String) throws -> [String: Date] {
        var last: [String: Date] = [:]
        for row in try link.query("SELECT subject, MAX(created_at) AS at FROM action WHERE gate = $1 GROUP BY subject", [gate]) {
            last[try row.string("subject")] = try row.date("at")
        }
        return last
    }

    func countByState(cells: [String]?) throws -> [ActionState: Int] {
        var sql = "SELECT state, COUNT(*) AS n FROM action"
        if let cells {
            guard !cells.isEmpty else { return [:] }
            sql += " WHERE cell IN (\((1...cells.count).map { "$\($0)" }.joined(separator: ", ")))"
        }
        var counts: [ActionState: Int] = [:]
        for row in try link.query(sql + " GROUP BY state", cells ?? []) {
            counts[try ActionState(stored: try row.string("state"))] = try row.int("n")
        }
        return counts
    }

    func insertDecision(_ decision: DecisionRecord) throws {
        try link.execute(
            """
            INSERT INTO decision (action_id, decision, reason_code, reason_text, proposed_quantity, quantity, false_positive,
            decided_by, role, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            """,
            [
                decision.actionID, decision.decision, decision.reasonCode, decision.reasonText, decision.proposedQuantity, decision.quantity,
                decision.falsePositive, decision.decidedBy, decision.role, decision.decidedAt,
            ])
    }

    func decisions(actionID: String) throws -> [DecisionRecord] {
        try link.query("SELECT * FROM decision WHERE action_id = $1 ORDER BY id", [actionID]).map(Self.decision)
    }

    func decisions(from: Date, to: Date, cells: [String]?) throws -> [DecisionRecord] {
        var sql =
            "SELECT decision.* FROM decision JOIN action ON action.id = decision.action_id WHERE decision.decided_at >= $1 AND decision.decided_at < $2"
        var values: [any SQLBindable] = [from, to]
        if let cells {
            guard !cells.isEmpty else { return [] }
            sql += " AND action.cell IN (\((3..<(3 + cells.count)).map { "$\($0)" }.joined(separator: ", ")))"
            values += cells as [any SQLBindable]
        }
        return try link.query(sql + " ORDER BY decision.decided_at, decision.id", values).map(Self.decision)
    }

    private static func values(_ a: ActionRecord) -> [any SQLBindable] {
        [
            a.id, a.cell, a.gate, a.type, a.mode, a.state, a.subject, a.severity, a.quantity, a.unit, a.correlationID, a.modelName, a.modelVersion,
            a.createdAt, a.expiresAt, a.decidedAt, a.decidedBy, a.reasonCode, a.reasonText, a.approvedQuantity, a.updatedAt, a.stage, a.detectedAt,
        ]
    }

    private static func record(_ row: PostgresStoredRow) throws -> ActionRecord {
        ActionRecord(
            id: try row.string("id"), cell: try row.string("cell"), gate: try row.string("gate"), type: try row.string("type"),
            mode: try row.string("mode"), state: try ActionState(stored: try row.string("state")), subject: try row.string("subject"),
            severity: try row.double("severity"),
            quantity: try row.optionalDouble("quantity"), unit: try row.optionalString("unit"), correlationID: try row.string("correlation_id"),
            modelName: try row.string("model_name"), modelVersion: try row.int("model_version"), createdAt: try row.date("created_at"),
            expiresAt: try row.date("expires_at"), decidedAt: try row.optionalDate("decided_at"), decidedBy: try row.optionalString("decided_by"),
            reasonCode: try row.optionalString("reason_code"), reasonText: try row.optionalString("reason_text"),
            approvedQuantity: try row.optionalDouble("approved_quantity"), updatedAt: try row.date("updated_at"),
            stage: try row.optionalString("stage"),
            detectedAt: try row.optionalDate("detected_at"))
    }

    private static func decision(_ row: PostgresStoredRow) throws -> DecisionRecord {
        DecisionRecord(
            actionID: try row.string("action_id"), decision: try ActionState(stored: try row.string("decision")),
            reasonCode: try row.optionalString("reason_code"),
            reasonText: try row.optionalString("reason_text"), proposedQuantity: try row.optionalDouble("proposed_quantity"),
            quantity: try row.optionalDouble("quantity"), falsePositive: try row.bool("false_positive"), decidedBy: try row.string("decided_by"),
            role: try row.string("role"), decidedAt: try row.date("decided_at"))
    }
}

/// The outbox in PostgreSQL; claims skip the rows another dispatcher is claiming.
struct PostgresOutboxRepository: OutboxRepository {
    let link: PostgresLink

    func enqueue(_ entry: OutboxRecord) throws -> Int64 {
        try link.query(
            """
            INSERT INTO outbox (action_id, connector, payload, idempotency_key, correlation_id, state, attempts, next_attempt_at,
            last_error, created_at, delivered_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id
            """,
            [
                entry.actionID, entry.connector, entry.payload, entry.idempotencyKey, entry.correlationID, entry.state, entry.attempts,
                entry.nextAttemptAt, entry.lastError, entry.createdAt, entry.deliveredAt,
            ])[0].int64("id")
    }

    func due(at date: Date, limit: Int) throws -> [OutboxRecord] {
        try link.query(
            "SELECT * FROM outbox WHERE state = $1 AND next_attempt_at <= $2 ORDER BY next_attempt_at, id LIMIT $3",
            [OutboxState.pending, date, limit]
        )
        .map(Self.record)
    }

    func claimDue(at date: Date, until: Date, limit: Int) throws -> [OutboxRecord] {
        try link.query(
            """
            UPDATE outbox SET next_attempt_at = $2 WHERE id IN (
                SELECT id FROM outbox WHERE state = $4 AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $3
                FOR UPDATE SKIP LOCKED)
            RETURNING *
            """, [date, until, limit, OutboxState.pending]
        ).map(Self.record).sorted { $0.id < $1.id }
    }

    func nextDue() throws -> Date? {
        try link.query("SELECT MIN(next_attempt_at) AS at FROM outbox WHERE state = $1", [OutboxState.pending])[0].optionalDate("at")
    }

    func update(_ entry: OutboxRecord) throws {
        try link.execute(
            "UPDATE outbox SET state = $1, attempts = $2, next_attempt_at = $3, last_error = $4, delivered_at = $5, payload = $6 WHERE id = $7",
            [entry.state, entry.attempts, entry.nextAttemptAt, entry.lastError, entry.deliveredAt, entry.payload, entry.id])
    }

    func entries(actionID: String) throws -> [OutboxRecord] {
        try link.query("SELECT * FROM outbox WHERE action_id = $1 ORDER BY id", [actionID]).map(Self.record)
    }

    func entries(state: OutboxState, limit: Int) throws -> [OutboxRecord] {
        try link.query("SELECT * FROM outbox WHERE state = $1 ORDER BY id LIMIT $2", [state, limit]).map(Self.record)
    }

    func countByState() throws -> [OutboxState: Int] {
        var counts: [OutboxState: Int] = [:]
        for row in try link.query("SELECT state, COUNT(*) AS n FROM outbox GROUP BY state") {
            counts[try OutboxState(stored: try row.string("state"))] = try row.int("n")
        }
        return counts
    }

    private static func record(_ row: PostgresStoredRow) throws -> OutboxRecord {
        OutboxRecord(
            id: try row.int64("id"), actionID: try row.string("action_id"), connector: try row.string("connector"),
            payload: try row.string("payload"),
            idempotencyKey: try row.string("idempotency_key"), correlationID: try row.string("correlation_id"),
            state: try OutboxState(stored: try row.string("state")),
            attempts: try row.int("attempts"), nextAttemptAt: try row.date("next_attempt_at"), lastError: try row.optionalString("last_error"),
            createdAt: try row.date("created_at"), deliveredAt: try row.optionalDate("delivered_at"))
    }
}

/// The audit log in PostgreSQL. An append locks the checkpoint row until its transaction ends, so replicas
/// append one at a time and the chain stays one chain.
struct PostgresAuditRepository: AuditRepository {
    let link: PostgresLink

    func append(_ entry: AuditEntry) throws -> AuditRecord {
        let head = try link.query("SELECT size, head FROM audit_checkpoint WHERE id = 1 FOR UPDATE")
        guard let row = head.first else { throw StoreError.invalid("the audit checkpoint row is missing") }
        let record = AuditChain.next(after: AuditCheckpoint(size: try row.int64("size"), head: try row.string("head")), entry: entry)
        try link.execute(
            """
            INSERT INTO audit (sequence, time, actor, role, event, subject, cell, correlation_id, details, previous_hash, hash)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
            """,
            [
                record.sequence, entry.time, entry.actor, entry.role, entry.event, entry.subject, entry.cell, entry.correlationID, entry.details,
                record.previousHash, record.hash,
            ])
        try link.execute("UPDATE audit_checkpoint SET size = $1, head = $2 WHERE id = 1", [record.sequence, record.hash])
        return record
    }

    func checkpoint() throws -> AuditCheckpoint {
        guard let row = try link.query("SELECT size, head FROM audit_checkpoint WHERE id = 1").first else {
            throw StoreError.invalid("the audit checkpoint row is missing")
        }
        return AuditCheckpoint(size: try row.int64("size"), head: try row.string("head"))
    }

    func records(from sequence: Int64, limit: Int) throws -> [AuditRecord] {
        try link.query("SELECT * FROM audit WHERE sequence >= $1 ORDER BY sequence LIMIT $2", [sequence, limit]).map(Self.record)
    }

    func records(subject: String) throws -> [AuditRecord] {
        try link.query("SELECT * FROM audit WHERE subject = $1 ORDER BY sequence", [subject]).map(Self.record)
    }

    private static func record(_ row: PostgresStoredRow) throws -> AuditRecord {
        AuditRecord(
            sequence: try row.int64("sequence"),
            entry: AuditEntry(
                time: try row.date("time"), actor: try row.string("actor"), role: try row.string("role"), event: try row.string("event"),
                subject: try row.string("subject"), cell: try row.optionalString("cell"), correlationID: try row.optionalString("correlation_id"),
                details: try row.string("details")),
            previousHash: try row.string("previous_hash"), hash: try row.string("hash"))
    }
}

/// Tokens in PostgreSQL.
struct PostgresTokenRepository: TokenRepository {
    let link: PostgresLink

    func insert(_ token: TokenRecord) throws {
        try link.execute(
            "INSERT INTO token (id, name, role, cell, hash, created_at, created_by, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            [token.id, token.name, token.role, token.cell, token.hash, token.createdAt, token.createdBy, token.expiresAt, token.revokedAt])
    }

    func find(hash: String) throws -> TokenRecord? {
        try link.query("SELECT * FROM token WHERE hash = $1", [hash]).first.map(Self.record)
    }

    func get(id: String) throws -> TokenRecord? {
        try link.query("SELECT * FROM token WHERE id = $1", [id]).first.map(Self.record)
    }

    func all() throws -> [TokenRecord] {
        try link.query("SELECT * FROM token ORDER BY created_at, id").map(Self.record)
    }

    func revoke(id: String, at date: Date) throws {
        try link.execute("UPDATE token SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL", [date, id])
    }

    private static func record(_ row: PostgresStoredRow) throws -> TokenRecord {
        TokenRecord(
            id: try row.string("id"), name: try row.string("name"), role: try row.string("role"), cell: try row.optionalString("cell"),
            hash: try row.string("hash"), createdAt: try row.date("created_at"), createdBy: try row.string("created_by"),
            expiresAt: try row.optionalDate("expires_at"), revokedAt: try row.optionalDate("revoked_at"))
    }
}

/// Gates' running state in PostgreSQL.
struct PostgresGateRepository: GateRepository {
    let link: PostgresLink

    func get(id: String) throws -> GateRecord? {
        try link.query("SELECT * FROM gate WHERE id = $1", [id]).first.map(Self.record)
    }

    func save(_ gate: GateRecord) throws {
        try link.execute(
            """
            INSERT INTO gate (id, cell, state, updated_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (id) DO UPDATE SET cell = excluded.cell, state = excluded.state, updated_at = excluded.updated_at
            """, [gate.id, gate.cell, gate.state, gate.updatedAt])
    }

    func all() throws -> [GateRecord] {
        try link.query("SELECT * FROM gate ORDER BY id").map(Self.record)
    }

    private static func record(_ row: PostgresStoredRow) throws -> GateRecord {
        GateRecord(id: try row.string("id"), cell: try row.string("cell"), state: try row.string("state"), updatedAt: try row.date("updated_at"))
    }
}

/// Materials and stock movements in PostgreSQL.
struct PostgresMaterialRepository: MaterialRepository {
    let link: PostgresLink

    func get(item: String) throws -> MaterialRecord? {
        try link.query("SELECT * FROM material WHERE item = $1", [item]).first.map { row in
            MaterialRecord(
                item: try row.string("item"), cell: try row.string("cell"), state: try row.string("state"), updatedAt: try row.date("updated_at"))
        }
    }

    func save(_ material: MaterialRecord) throws {
        try link.execute(
            """
            INSERT INTO material (item, cell, state, updated_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (item) DO UPDATE SET cell = excluded.cell, state = excluded.state, updated_at = excluded.updated_at
            """, [material.item, material.cell, material.state, material.updatedAt])
    }

    func insertMovement(_ movement: MovementRecord) throws {
        try link.execute(
            "INSERT INTO movement (item, kind, quantity, time, batch) VALUES ($1, $2, $3, $4, $5)",
            [movement.item, movement.kind, movement.quantity, movement.time, movement.batch])
    }

    func containsMovement(item: String, kind: String, quantity: Double, time: Date) throws -> Bool {
        !(try link.query(
            "SELECT 1 AS found FROM movement WHERE item = $1 AND time = $2 AND kind = $3 AND quantity = $4 LIMIT 1", [item, time, kind, quantity]
        ).isEmpty)
    }

    func movements(item: String) throws -> [MovementRecord] {
        try link.query("SELECT * FROM movement WHERE item = $1 ORDER BY time, id", [item]).map { row in
            MovementRecord(
                item: try row.string("item"), kind: try row.string("kind"), quantity: try row.double("quantity"), time: try row.date("time"),
                batch: try row.int64("batch"))
        }
    }
}

/// Rehearsals in PostgreSQL.
struct PostgresRehearsalRepository: RehearsalRepository {
    let link: PostgresLink

    func insert(_ rehearsal: RehearsalRecord) throws -> Int64 {
        try link.query(
            """
            INSERT INTO rehearsal (gate, candidate_version, from_time, to_time, created_at, created_by, summary)
            VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id
            """,
            [
                rehearsal.gate, rehearsal.candidateVersion, rehearsal.from, rehearsal.to, rehearsal.createdAt, rehearsal.createdBy, rehearsal.summary,
            ])[0].int64("id")
    }

    func latest(gate: String) throws -> RehearsalRecord? {
        try link.query("SELECT * FROM rehearsal WHERE gate = $1 ORDER BY id DESC LIMIT 1", [gate]).first.map { row in
            RehearsalRecord(
                id: try row.int64("id"), gate: try row.string("gate"), candidateVersion: try row.int("candidate_version"),
                from: try row.date("from_time"), to: try row.date("to_time"), createdAt: try row.date("created_at"),
                createdBy: try row.string("created_by"), summary: try row.string("summary"))
        }
    }
}

/// Cells' locks, versions and scorer leases, and the telemetry inbox, in PostgreSQL.
struct PostgresCoordinationRepository: CoordinationRepository {
    let link: PostgresLink

    /// The database's clock in milliseconds: leases are judged by one clock, whatever the replicas' clocks say.
    private static let databaseNow = "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT"

    func lockCells(_ cells: [String]) throws -> [String: Int64] {
        var versions: [String: Int64] = [:]
        let lock = "SELECT version FROM cell_state WHERE cell = $1 FOR UPDATE"
        for cell in Set(cells).sorted() {
            if let row = try link.query(lock, [cell]).first {
                versions[cell] = try row.int64("version")
            } else {
                try createRow(cell)
                versions[cell] = try link.query(lock, [cell])[0].int64("version")
            }
        }
        return versions
    }

    /// Creates `cell`'s row, the first time the cell is seen.
    private func createRow(_ cell: String) throws {
        try link.execute("INSERT INTO cell_state (cell) VALUES ($1) ON CONFLICT DO NOTHING", [cell])
    }

    func bumpCells(_ cells: [String]) throws -> [String: Int64] {
        var versions: [String: Int64] = [:]
        for cell in Set(cells).sorted() {
            versions[cell] = try link.query("UPDATE cell_state SET version = version + 1 WHERE cell = $1 RETURNING version", [cell]).first?
                .int64("version")
        }
        return versions
    }

    func acquireLease(cell: String, holder: String, duration: TimeInterval) throws -> ScorerLease {
        // `epoch` counts the changes of holder, for whoever reads cell_state; Sluice itself goes by the lease time.
        let taken = try link.query(
            """
            UPDATE cell_state SET lease_until = \(Self.databaseNow) + $3,
                epoch = CASE WHEN holder = $2 THEN epoch ELSE epoch + 1 END, holder = $2
            WHERE cell = $1 AND (holder = $2 OR holder IS NULL OR lease_until <= \(Self.databaseNow))
            RETURNING *, \(Self.databaseNow) AS now
            """, [cell, holder, Int64(duration * 1000)])
        if let row = taken.first { return try Self.lease(row) }
        // Held by another replica, or a cell not seen before: then its row is created and the lease is free.
        if let row = try link.query("SELECT *, \(Self.databaseNow) AS now FROM cell_state WHERE cell = $1", [cell]).first {
            return try Self.lease(row)
        }
        try createRow(cell)
        return try acquireLease(cell: cell, holder: holder, duration: duration)
    }

    func releaseLease(cell: String, holder: String) throws {
        try link.execute("UPDATE cell_state SET holder = NULL, lease_until = 0 WHERE cell = $1 AND holder = $2", [cell, holder])
    }

    func enqueue(_ items: [InboxRecord]) throws {
        var start = items.startIndex
        while start < items.endIndex {
            let chunk = items[start..<min(start + PostgresSampleRepository.rowsPerStatement, items.endIndex)]
            var values: [any SQLBindable] = []
            for item in chunk {
                values += [item.cell, item.batch, item.correlationID, item.kind, item.subject, item.time, item.payload, item.receivedAt]
            }
            try link.execute(
                "INSERT INTO inbox (cell, batch, correlation_id, kind, subject, time, payload, received_at) VALUES "
                    + placeholders(rows: chunk.count, columns: 8), values)
            start = chunk.endIndex
        }
    }

    func takeInbox(cell: String, limit: Int) throws -> [InboxRecord] {
        try link.query(
            """
            DELETE FROM inbox WHERE id IN (SELECT id FROM inbox WHERE cell = $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
            RETURNING *
            """, [cell, limit]
        ).map { row in
            InboxRecord(
                id: try row.int64("id"), cell: try row.string("cell"), batch: try row.int64("batch"), correlationID: try row.string("correlation_id"),
                kind: try row.string("kind"), subject: try row.string("subject"), time: try row.date("time"), payload: try row.string("payload"),
                receivedAt: try row.date("received_at"))
        }.sorted { $0.id < $1.id }
    }

    func inboxDepth() throws -> [String: Int] {
        var depth: [String: Int] = [:]
        for row in try link.query("SELECT cell, COUNT(*) AS n FROM inbox GROUP BY cell") { depth[try row.string("cell")] = try row.int("n") }
        return depth
    }

    func oldestWaiting(cell: String) throws -> Date? {
        try link.query("SELECT received_at FROM inbox WHERE cell = $1 ORDER BY id LIMIT 1", [cell]).first?.date("received_at")
    }

    func hasInbox(cell: String) throws -> Bool {
        !(try link.query("SELECT 1 AS found FROM inbox WHERE cell = $1 LIMIT 1", [cell]).isEmpty)
    }

    func lockStartup() throws {
        try link.execute("SELECT pg_advisory_xact_lock(7302)")
    }

    private static func lease(_ row: PostgresStoredRow) throws -> ScorerLease {
        ScorerLease(
            cell: try row.string("cell"), holder: try row.optionalString("holder"), until: try row.date("lease_until"), now: try row.date("now"))
    }
}

/// `($1, $2), ($3, $4)` for `rows` rows of `columns` parameters.
func placeholders(rows: Int, columns: Int) -> String {
    (0..<rows).map { row in "(" + (1...columns).map { "$\(row * columns + $0)" }.joined(separator: ", ") + ")" }.joined(separator: ", ")
}
