import Foundation
import SluiceAnomaly
import SluiceGates
import SluiceReplenishment
import SluiceStore
public import SluiceTelemetry

extension DecisionEngine {
    /// A sample that passed validation, waiting to be stored.
    struct ValidSample {
        let index: Int
        let asset: String
        let cell: String
        let time: Date
        let values: [String: Double]
    }

    /// A movement that passed validation.
    struct ValidMovement {
        let index: Int
        let item: String
        let cell: String
        let kind: MovementKind
        let quantity: Double
        let time: Date
    }

    /// What a transaction raised, to publish once it has committed.
    struct Raised: Sendable {
        var actions: [ActionRecord] = []
        var gateEvents: [QueueEvent] = []
    }

    /// Validates, stores and processes one batch: every valid sample is stored in one transaction, moves the
    /// twin, is scored by the models the cell's gates name, and may raise a soft action, recommendation or
    /// shadow detection; every refused item is listed with its reason.
    ///
    /// - Parameters:
    ///   - correlationID: carried to every action the batch raises and on to the ERP/MES call; one is
    ///     made up when the sender gives none.
    ///   - arrival: when the request arrived, for the sample-to-action latency.
    public func ingest(
        _ batch: TelemetryBatch, from principal: Principal, correlationID: String? = nil, arrival: ContinuousClock.Instant = .now
    ) throws -> IngestReport {
        try principal.require(.ingest)
        let items = batch.samples.count + batch.movements.count
        guard items <= configuration.maximumBatchItems else {
            throw ServiceError(.tooLarge, "a batch holds at most \(configuration.maximumBatchItems) samples and movements; this one has \(items)")
        }
        let now = clock()
        let correlation = correlationID.flatMap { $0.isEmpty ? nil : String($0.prefix(128)) } ?? UUID().uuidString.lowercased()
        var rejected: [IngestReport.Rejection] = []
        let samples = validate(batch.samples, principal: principal, now: now, rejected: &rejected)
        let movements = validate(batch.movements, principal: principal, now: now, rejected: &rejected)
        metrics.samplesRejected.increment(by: Int64(rejected.count))
        guard !samples.isEmpty || !movements.isEmpty else {
            return IngestReport(batch: nil, correlationID: correlation, acceptedSamples: 0, acceptedMovements: 0, rejected: rejected, raised: [])
        }
        if store.isShared {
            return try enqueue(samples, movements, from: principal, correlation: correlation, now: now, rejected: rejected, arrival: arrival)
        }

        let (batchID, acceptedSamples, acceptedMovements, duplicates, raised) = try transact { state, session in
            let batchID = try session.samples.insertBatch(
                IngestBatchRecord(correlationID: correlation, source: principal.name, receivedAt: now))
            var raised = Raised()
            let origin = Arrival(batch: batchID, correlation: correlation)
            let outcome = try storeAndObserve(
                samples.map { ($0, origin) }, movements.map { ($0, origin) }, now: now, state: &state, session: session, raised: &raised)
            let duplicates: [IngestReport.Rejection] =
                outcome.duplicateSamples.map { sample in
                    .init(
                        list: "samples", index: sample.index, subject: sample.asset,
                        reason: "duplicate: a sample of \(sample.asset) at \(ISOTime.format(sample.time)) is already stored")
                }
                + outcome.duplicateMovements.map { movement in
                    .init(
                        list: "movements", index: movement.index, subject: movement.item,
                        reason: "duplicate: this \(movement.kind.rawValue) of \(movement.item) at \(ISOTime.format(movement.time)) is already stored")
                }
            let (acceptedSamples, acceptedMovements) = (outcome.storedSamples, outcome.storedMovements)
            try session.samples.updateBatchCounts(
                id: batchID, accepted: acceptedSamples + acceptedMovements, rejected: rejected.count + duplicates.count)
            try session.audit.append(
                AuditEntry(
                    time: now, actor: principal.name, role: principal.role.rawValue, event: "telemetry.accepted", subject: "batch:\(batchID)",
                    cell: principal.cell, correlationID: correlation,
                    details: JSONValue.object([
                        "samples": .number(Double(acceptedSamples)), "movements": .number(Double(acceptedMovements)),
                        "rejected": .number(Double(rejected.count + duplicates.count)), "raised": .number(Double(raised.actions.count)),
                    ]).encoded))
            return (batchID, acceptedSamples, acceptedMovements, duplicates, raised)
        }

        let elapsed = ContinuousClock.now - arrival
        let seconds = elapsed.inSeconds
        metrics.batches.increment()
        metrics.samplesAccepted.increment(by: Int64(acceptedSamples))
        metrics.movementsAccepted.increment(by: Int64(acceptedMovements))
        metrics.samplesRejected.increment(by: Int64(duplicates.count))
        metrics.ingestDuration.record(seconds)
        publish(raised, latency: seconds)
        rejected += duplicates
        rejected.sort { ($0.list, $0.index) < ($1.list, $1.index) }
        return IngestReport(
            batch: batchID, correlationID: correlation, acceptedSamples: acceptedSamples, acceptedMovements: acceptedMovements, rejected: rejected,
            raised: raised.actions.map(\.id))
    }

    /// Where a sample or movement came from: its ingest batch and that batch's correlation id.
    struct Arrival {
        let batch: Int64
        let correlation: String
    }

    /// What ``storeAndObserve(_:_:now:state:session:raised:)`` kept and what it found already stored.
    struct Stored {
        var storedSamples = 0
        var storedMovements = 0
        var duplicateSamples: [ValidSample] = []
        var duplicateMovements: [ValidMovement] = []
    }

    /// Stores the samples and movements not already stored and runs each through the pipeline, in the
    /// order given (time order, no sample twice); saves the materials the movements moved. Ingest calls it with one batch, a
    /// cell's scorer with what it took from the inbox.
    func storeAndObserve(
        _ samples: [(ValidSample, Arrival)], _ movements: [(ValidMovement, Arrival)], now: Date, state: inout EngineState,
        session: any StoreSession, raised: inout Raised
    ) throws -> Stored {
        var result = Stored()
        var stored: [(ValidSample, Arrival)] = []
        stored.reserveCapacity(samples.count)
        for (sample, arrival) in samples {
            // Only a sample not newer than its asset's latest can be a resend; it is looked up by its time.
            let newer = state.assets[sample.asset]?.lastTime.map { sample.time > $0 } ?? false
            if !newer, try session.samples.contains(asset: sample.asset, time: sample.time) {
                result.duplicateSamples.append(sample)
                continue
            }
            stored.append((sample, arrival))
        }
        try session.samples.insert(stored.map { SampleRecord(asset: $0.0.asset, time: $0.0.time, values: $0.0.values, batch: $0.1.batch) })
        result.storedSamples = stored.count
        for (sample, arrival) in stored {
            try observe(sample, correlation: arrival.correlation, now: now, state: &state, session: session, raised: &raised)
        }
        var touched: [String: String] = [:]
        for (movement, arrival) in movements {
            // A resent movement (an MQTT redelivery, a client's retry) must not draw the stock twice.
            if try session.materials.containsMovement(
                item: movement.item, kind: movement.kind.rawValue, quantity: movement.quantity, time: movement.time)
            {
                result.duplicateMovements.append(movement)
                continue
            }
            try session.materials.insertMovement(
                MovementRecord(
                    item: movement.item, kind: movement.kind.rawValue, quantity: movement.quantity, time: movement.time, batch: arrival.batch))
            try observe(movement, correlation: arrival.correlation, now: now, state: &state, session: session, raised: &raised)
            touched[movement.item] = movement.cell
            result.storedMovements += 1
        }
        for (item, cell) in touched.sorted(by: { $0.key < $1.key }) {
            guard let material = state.materials[item] else { continue }
            try session.materials.save(MaterialRecord(item: item, cell: cell, state: try Self.encode(material), updatedAt: now))
        }
        return result
    }

    /// Sends what a transaction raised to the event stream and the metrics.
    func publish(_ raised: Raised, latency: Double?) {
        for action in raised.actions {
            switch action.mode {
            case AssetMode.action.rawValue: metrics.raisedAction.increment()
            case AssetMode.recommendation.rawValue: metrics.raisedRecommendation.increment()
            default: metrics.raisedShadow.increment()
            }
            if let latency, action.mode != AssetMode.shadow.rawValue { metrics.sampleToAction.record(latency) }
            guard action.mode != AssetMode.shadow.rawValue else { continue }
            events.publish(
                QueueEvent(
                    event: action.mode == AssetMode.action.rawValue ? "action.queued" : "recommendation.shown", cell: action.cell, action: action.id,
                    gate: action.gate, state: action.state.rawValue, mode: action.mode, subject: action.subject, time: action.createdAt))
        }
        for event in raised.gateEvents {
            metrics.gateTransitions.increment()
            events.publish(event)
        }
    }

    // MARK: Validation

    private func validate(_ items: [TelemetryBatch.Sample], principal: Principal, now: Date, rejected: inout [IngestReport.Rejection])
        -> [ValidSample]
    {
        var valid: [ValidSample] = []
        valid.reserveCapacity(items.count)
        var seen = Set<String>()
        for (index, item) in items.enumerated() {
            func refuse(_ reason: String) {
                rejected.append(.init(list: "samples", index: index, subject: item.asset, reason: reason))
            }
            if let problem = item.problem {
                refuse(problem)
                continue
            }
            guard let assetID = item.asset, !assetID.isEmpty else {
                refuse("asset is missing")
                continue
            }
            guard let (cell, asset) = catalog.assetIndex[assetID], principal.reaches(cell.id) else {
                refuse("unknown asset '\(assetID)'\(principal.cell.map { " in cell \($0)" } ?? "")")
                continue
            }
            guard let timeText = item.time else {
                refuse("time is missing")
                continue
            }
            guard let time = ISOTime.parse(timeText) else {
                refuse("time '\(timeText.prefix(40))' is not an RFC 3339 time such as 2026-11-21T08:00:00.250Z")
                continue
            }
            if now.timeIntervalSince(time) > configuration.maximumSampleAge {
                refuse(
                    "time \(timeText) is more than \(Self.duration(configuration.maximumSampleAge)) before the service's clock (\(ISOTime.format(now)))"
                )
                continue
            }
            if time.timeIntervalSince(now) > configuration.maximumClockSkew {
                refuse(
                    "time \(timeText) is more than \(Self.duration(configuration.maximumClockSkew)) after the service's clock (\(ISOTime.format(now)))"
                )
                continue
            }
            guard let raw = item.values, !raw.isEmpty else {
                refuse("values are missing: send at least one sensor's value")
                continue
            }
            var values: [String: Double] = [:]
            var problem: String?
            for (sensor, value) in raw {
                guard asset.sensors.contains(sensor), let spec = cell.sensors[sensor] else {
                    problem = "unknown sensor '\(sensor)' on \(assetID) (it reports \(asset.sensors.joined(separator: ", ")))"
                    break
                }
                switch value {
                case .invalid(let what):
                    problem = "\(sensor): \(what) is not a number"
                case .number(let x) where !x.isFinite:
                    problem = "\(sensor): the value is not finite"
                case .number(let x):
                    if let minimum = spec.minimum, x < minimum {
                        problem = "\(sensor): \(x) \(spec.unit) is below the sensor's physical minimum \(minimum)"
                    } else if let maximum = spec.maximum, x > maximum {
                        problem = "\(sensor): \(x) \(spec.unit) is above the sensor's physical maximum \(maximum)"
                    } else {
                        values[sensor] = x
                    }
                }
                if problem != nil { break }
            }
            if let problem {
                refuse(problem)
                continue
            }
            let key = "\(assetID)\u{1F}\(AuditChain.milliseconds(time))"
            guard seen.insert(key).inserted else {
                refuse("duplicate: another sample of \(assetID) at \(timeText) is in this batch")
                continue
            }
            valid.append(ValidSample(index: index, asset: assetID, cell: cell.id, time: time, values: values))
        }
        // Scored in time order, whatever order they were sent in.
        valid.sort { $0.time < $1.time }
        return valid
    }

    private func validate(_ items: [TelemetryBatch.Movement], principal: Principal, now: Date, rejected: inout [IngestReport.Rejection])
        -> [ValidMovement]
    {
        var valid: [ValidMovement] = []
        for (index, item) in items.enumerated() {
            func refuse(_ reason: String) {
                rejected.append(.init(list: "movements", index: index, subject: item.item, reason: reason))
            }
            if let problem = item.problem {
                refuse(problem)
                continue
            }
            guard let itemCode = item.item, !itemCode.isEmpty else {
                refuse("item is missing")
                continue
            }
            guard let cell = catalog.materialCells[itemCode], principal.reaches(cell) else {
                refuse("unknown item '\(itemCode)'")
                continue
            }
            guard let kindText = item.kind, let kind = MovementKind(rawValue: kindText) else {
                refuse("kind must be one of \(MovementKind.allCases.map(\.rawValue).joined(separator: ", "))")
                continue
            }
            guard let quantity = item.quantity, quantity.isFinite, quantity >= 0, quantity <= 1e12 else {
                refuse("quantity must be a number from 0 to 1e12")
                continue
            }
            guard let timeText = item.time, let time = ISOTime.parse(timeText) else {
                refuse("time must be an RFC 3339 time such as 2026-11-21T08:00:00Z")
                continue
            }
            guard now.timeIntervalSince(time) <= configuration.maximumSampleAge, time.timeIntervalSince(now) <= configuration.maximumClockSkew else {
                refuse("time \(timeText) is too far from the service's clock (\(ISOTime.format(now)))")
                continue
            }
            valid.append(ValidMovement(index: index, item: itemCode, cell: cell, kind: kind, quantity: quantity, time: time))
        }
        valid.sort { $0.time < $1.time }
        return valid
    }

    static func duration(_ seconds: TimeInterval) -> String {
        seconds >= 3_600 ? "\(Int(seconds / 3_600)) h" : seconds >= 60 ? "\(Int(seconds / 60)) min" : "\(Int(seconds)) s"
    }
}
