public import Foundation
import SluiceStore

/// Scoring on a store that replicas share: any replica accepts telemetry into the store's inbox, and the
/// replica holding a cell's scorer lease takes it from there, in order, through the same pipeline as
/// ``DecisionEngine/ingest(_:from:correlationID:arrival:)`` on a store of its own.
extension DecisionEngine {
    /// Stores a validated batch in the inbox for its cells' scorers, on the record.
    func enqueue(
        _ samples: [ValidSample], _ movements: [ValidMovement], from principal: Principal, correlation: String, now: Date,
        rejected: [IngestReport.Rejection], arrival: ContinuousClock.Instant
    ) throws -> IngestReport {
        let batchID = try store.write { session in
            guard let coordination = session.coordination else { throw StoreError.invalid("a shared store without coordination") }
            let batchID = try session.samples.insertBatch(
                IngestBatchRecord(
                    correlationID: correlation, source: principal.name, receivedAt: now, accepted: samples.count + movements.count,
                    rejected: rejected.count))
            var items: [InboxRecord] = []
            items.reserveCapacity(samples.count + movements.count)
            for sample in samples {
                items.append(
                    InboxRecord(
                        cell: sample.cell, batch: batchID, correlationID: correlation, kind: "sample", subject: sample.asset, time: sample.time,
                        payload: try Self.encode(sample.values), receivedAt: now))
            }
            for movement in movements {
                items.append(
                    InboxRecord(
                        cell: movement.cell, batch: batchID, correlationID: correlation, kind: "movement", subject: movement.item,
                        time: movement.time, payload: try Self.encode(QueuedMovement(kind: movement.kind, quantity: movement.quantity)),
                        receivedAt: now))
            }
            try coordination.enqueue(items)
            try session.audit.append(
                AuditEntry(
                    time: now, actor: principal.name, role: principal.role.rawValue, event: "telemetry.accepted", subject: "batch:\(batchID)",
                    cell: principal.cell, correlationID: correlation,
                    details: JSONField.object([
                        "samples": .number(Double(samples.count)), "movements": .number(Double(movements.count)),
                        "rejected": .number(Double(rejected.count)), "queued": .string("yes"),
                    ]).encoded()))
            return batchID
        }
        let elapsed = ContinuousClock.now - arrival
        metrics.batches.increment()
        metrics.ingestDuration.record(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        return IngestReport(
            batch: batchID, correlationID: correlation, acceptedSamples: samples.count, acceptedMovements: movements.count, rejected: rejected,
            raised: [], queued: true)
    }

    /// One round of `cell`'s scorer on this replica: takes or renews the cell's lease for `replica`, and
    /// while it holds it, scores what waits in the inbox, up to `limit` items per transaction. Returns how
    /// many items it scored, or nil when another replica holds the lease.
    ///
    /// The lease is renewed inside each scoring transaction, after the cell's row is locked: a replica that
    /// lost its lease (paused past it, cut off from the database) scores nothing more, and what it took from
    /// the inbox goes back when its transaction rolls back.
    public func scoreQueued(cell: String, replica: String, lease: TimeInterval, limit: Int = 2_000) throws -> Int? {
        let holds = try store.write { session -> (Bool, Bool) in
            guard let coordination = session.coordination else { return (false, false) }
            let held = try coordination.acquireLease(cell: cell, holder: replica, duration: lease).isHeld(by: replica)
            return (held, held ? try coordination.hasInbox(cell: cell) : false)
        }
        guard holds.0 else { return nil }
        guard holds.1 else { return 0 }
        var scored = 0
        while true {
            let now = clock()
            let (taken, stored, raised) = try transact(cells: [cell]) { state, session -> (Int, Int, Raised) in
                guard let coordination = session.coordination,
                    try coordination.acquireLease(cell: cell, holder: replica, duration: lease).isHeld(by: replica)
                else { return (0, 0, Raised()) }
                let items = try coordination.takeInbox(cell: cell, limit: limit)
                var raised = Raised()
                let stored = try process(items, cell: cell, now: now, state: &state, session: session, raised: &raised)
                return (items.count, stored, raised)
            }
            scored += taken
            metrics.samplesAccepted.increment(by: Int64(stored))
            publish(raised, latency: nil)
            guard taken == limit else { return scored }
        }
    }

    /// Inbox items through the pipeline, as ingest does with a batch: samples already stored are dropped
    /// (a resend, or a sample two replicas both accepted), the rest are stored and observed in order.
    private func process(
        _ items: [InboxRecord], cell: String, now: Date, state: inout EngineState, session: any StoreSession, raised: inout Raised
    ) throws -> Int {
        var samples: [(ValidSample, InboxRecord)] = []
        var movements: [(ValidMovement, InboxRecord)] = []
        for item in items {
            switch item.kind {
            case "sample":
                let values = try Self.decode([String: Double].self, item.payload, what: "queued sample \(item.id)")
                samples.append((ValidSample(index: 0, asset: item.subject, cell: cell, time: item.time, values: values), item))
            case "movement":
                let movement = try Self.decode(QueuedMovement.self, item.payload, what: "queued movement \(item.id)")
                movements.append(
                    (ValidMovement(index: 0, item: item.subject, cell: cell, kind: movement.kind, quantity: movement.quantity, time: item.time), item)
                )
            default:
                throw StoreError.invalid("queued item \(item.id) is a '\(item.kind)'")
            }
        }
        var stored: [(ValidSample, InboxRecord)] = []
        var seen = Set<String>()
        for (sample, item) in samples.sorted(by: { $0.0.time < $1.0.time }) {
            let key = "\(sample.asset)\u{1F}\(sample.time.timeIntervalSince1970)"
            guard seen.insert(key).inserted else { continue }
            let newer = state.assets[sample.asset]?.lastTime.map { sample.time > $0 } ?? false
            if !newer, try session.samples.contains(asset: sample.asset, time: sample.time) { continue }
            stored.append((sample, item))
        }
        try session.samples.insert(stored.map { SampleRecord(asset: $0.0.asset, time: $0.0.time, values: $0.0.values, batch: $0.1.batch) })
        for (sample, item) in stored {
            try observe(sample, correlation: item.correlationID, now: now, state: &state, session: session, raised: &raised)
        }
        var touched = Set<String>()
        for (movement, item) in movements.sorted(by: { $0.0.time < $1.0.time }) {
            if try session.materials.containsMovement(
                item: movement.item, kind: movement.kind.rawValue, quantity: movement.quantity, time: movement.time)
            {
                continue
            }
            try session.materials.insertMovement(
                MovementRecord(item: movement.item, kind: movement.kind.rawValue, quantity: movement.quantity, time: movement.time, batch: item.batch)
            )
            try observe(movement, correlation: item.correlationID, now: now, state: &state, session: session, raised: &raised)
            touched.insert(movement.item)
        }
        for item in touched.sorted() {
            guard let material = state.materials[item] else { continue }
            try session.materials.save(MaterialRecord(item: item, cell: cell, state: try Self.encode(material), updatedAt: now))
        }
        return stored.count
    }
}

/// A stock movement as it waits in the inbox.
struct QueuedMovement: Codable {
    var kind: MovementKind
    var quantity: Double
}
