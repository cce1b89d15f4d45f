public import Foundation
import SluiceStore
import SluiceTelemetry

/// Scoring on a store that replicas share: any replica accepts telemetry into the store's inbox, and the
/// replica holding a cell's scorer lease takes it from there, in order, through the same pipeline as
/// ``DecisionEngine/ingest(_:from:correlationID:arrival:)`` on a store of its own.
extension DecisionEngine {
    /// Seconds a client refused for a lagging scorer is asked to wait.
    static let retryAfter = 2

    /// Stores a validated batch in the inbox for its cells' scorers, on the record; refuses it, storing
    /// nothing, while a cell's scoring lags acceptance by more than ``EngineConfiguration/maximumScoringLag``.
    func enqueue(
        _ samples: [ValidSample], _ movements: [ValidMovement], from principal: Principal, correlation: String, now: Date,
        rejected: [IngestReport.Rejection], arrival: ContinuousClock.Instant
    ) throws -> IngestReport {
        let batchID = try store.write { session in
            guard let coordination = session.coordination else { throw StoreError.invalid("a shared store without coordination") }
            for cell in Set(samples.map(\.cell) + movements.map(\.cell)).sorted() {
                guard let oldest = try coordination.oldestWaiting(cell: cell) else { continue }
                let lag = now.timeIntervalSince(oldest)
                if lag > configuration.maximumScoringLag {
                    metrics.batchesRefusedBusy.increment()
                    throw ServiceError(
                        .busy,
                        "cell \(cell) is busy: its scoring is \(Int(lag)) s behind (at most \(Int(configuration.maximumScoringLag)) s); "
                            + "nothing of this batch was stored, send it again shortly",
                        retryAfter: Self.retryAfter)
                }
            }
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
                        payload: SensorValuesCoding.encode(sample.values), receivedAt: now))
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
                    details: JSONValue.object([
                        "samples": .number(Double(samples.count)), "movements": .number(Double(movements.count)),
                        "rejected": .number(Double(rejected.count)), "queued": .string("yes"),
                    ]).encoded))
            return batchID
        }
        let elapsed = ContinuousClock.now - arrival
        metrics.batches.increment()
        metrics.ingestDuration.record(elapsed.inSeconds)
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
    /// (a resend, or a sample two replicas both accepted), the rest are stored and observed in time order.
    /// Returns how many samples were stored.
    private func process(
        _ items: [InboxRecord], cell: String, now: Date, state: inout EngineState, session: any StoreSession, raised: inout Raised
    ) throws -> Int {
        var samples: [(ValidSample, Arrival)] = []
        var movements: [(ValidMovement, Arrival)] = []
        var seen = Set<String>()
        for item in items {
            let arrival = Arrival(batch: item.batch, correlation: item.correlationID)
            switch item.kind {
            case "sample":
                guard seen.insert("\(item.subject)\u{1F}\(AuditChain.milliseconds(item.time))").inserted else { continue }
                let values = try Self.decode([String: Double].self, item.payload, what: "queued sample \(item.id)")
                samples.append((ValidSample(index: 0, asset: item.subject, cell: cell, time: item.time, values: values), arrival))
            case "movement":
                let movement = try Self.decode(QueuedMovement.self, item.payload, what: "queued movement \(item.id)")
                movements.append(
                    (
                        ValidMovement(index: 0, item: item.subject, cell: cell, kind: movement.kind, quantity: movement.quantity, time: item.time),
                        arrival
                    ))
            default:
                throw StoreError.invalid("queued item \(item.id) is a '\(item.kind)'")
            }
        }
        return try storeAndObserve(
            samples.sorted { $0.0.time < $1.0.time }, movements.sorted { $0.0.time < $1.0.time }, now: now, state: &state, session: session,
            raised: &raised
        ).storedSamples
    }
}

/// A stock movement as it waits in the inbox.
struct QueuedMovement: Codable {
    var kind: MovementKind
    var quantity: Double
}
