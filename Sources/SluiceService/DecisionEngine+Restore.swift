import Foundation
import SluiceAnomaly
import SluiceGates
import SluiceReplenishment
import SluiceStore
import SluiceTelemetry

extension DecisionEngine {
    /// First run: creates the gates' and materials' records the store lacks and records changed gate
    /// definitions; then loads the state.
    func start() throws {
        let now = clock()
        try store.write { session in
            // Replicas starting together on one database set the gates up one at a time.
            try session.coordination?.lockStartup()
            for definition in catalog.gates.values.sorted(by: { $0.id < $1.id }) {
                if let record = try session.gates.get(id: definition.id) {
                    let machine = try Self.decode(GateStateMachine.self, record.state, what: "gate \(definition.id)")
                    guard machine.definition != definition else { continue }
                    if machine.definition.modelVersion != definition.modelVersion {
                        // A new model version never acts at once: the gate starts again in its first stage
                        // (shadow) and the new model earns its stages on fresh evidence.
                        let restarted = GateStateMachine(definition: definition, now: now)
                        try save(restarted, session: session, at: now)
                        try session.audit.append(
                            AuditEntry(
                                time: now, actor: Principal.system.name, role: "system", event: "gate.model-changed", subject: definition.id,
                                cell: definition.cell,
                                details: JSONValue.object([
                                    "fromVersion": .number(Double(machine.definition.modelVersion)),
                                    "toVersion": .number(Double(definition.modelVersion)), "fromStage": .number(Double(machine.stage)),
                                    "toStage": .number(0), "stage": .string(restarted.currentStage.name),
                                ]).encoded))
                        logger.notice(
                            "gate model version changed: the gate starts again in its first stage",
                            metadata: ["gate.id": "\(definition.id)", "model.version": "\(definition.modelVersion)"])
                        continue
                    }
                    // The file changed since the gate last ran: the running state (stage, evidence) is kept
                    // and the new definition takes over; the change is on the record.
                    try save(machine.replacingDefinition(with: definition), session: session, at: now)
                    try session.audit.append(
                        AuditEntry(
                            time: now, actor: Principal.system.name, role: "system", event: "gate.definition-changed", subject: definition.id,
                            cell: definition.cell, details: "{}"))
                    logger.notice("gate definition changed since the last run", metadata: ["gate.id": "\(definition.id)"])
                } else {
                    let stage = configuration.startingStages[definition.id] ?? 0
                    let machine = GateStateMachine(definition: definition, startingAt: stage, now: now)
                    try save(machine, session: session, at: now)
                    try session.audit.append(
                        AuditEntry(
                            time: now, actor: Principal.system.name, role: "system", event: "gate.started", subject: definition.id,
                            cell: definition.cell,
                            details: JSONValue.object([
                                "stage": .string(machine.currentStage.name), "percent": .number(machine.currentStage.percent),
                                "flag": .string(machine.enabled ? "on" : "off"),
                            ]).encoded))
                }
            }
            for cell in catalog.cells.values.sorted(by: { $0.id < $1.id }) {
                for material in cell.materials where try session.materials.get(item: material.item) == nil {
                    try session.materials.save(
                        MaterialRecord(
                            item: material.item, cell: cell.id, state: try Self.encode(MaterialTwin(state: material, now: now)), updatedAt: now))
                }
            }
        }
        let loaded = try store.read { session in try loadState(session) }
        state.withLock { $0 = loaded }
    }

    /// The engine's state as the store holds it: gates and debouncers, materials, and each asset's twin
    /// and scorers warmed on its latest stored samples.
    func loadState(_ session: any StoreSession) throws -> EngineState {
        var state = EngineState()
        let recent = try recentSamples(session)
        for cell in catalog.cells.values { try load(cell, into: &state, recent: recent, session: session) }
        return state
    }

    /// Reloads cells (their gates, materials and twins) from the store: another replica changed them. The
    /// newest samples are read once for all of them.
    func reload(cells ids: [String], into state: inout EngineState, session: any StoreSession) throws {
        let cells = ids.compactMap { catalog.cells[$0] }
        guard !cells.isEmpty else { return }
        let recent = try recentSamples(session)
        for cell in cells { try load(cell, into: &state, recent: recent, session: session) }
    }

    /// The newest samples of each asset, enough to fill its window and warm its scorers, from one
    /// backward pass over the newest samples.
    private func recentSamples(_ session: any StoreSession) throws -> [String: [SampleRecord]] {
        let warmUps = catalog.models.values.map { $0.filter.warmUp }
        let perAsset = max(configuration.windowLength, (warmUps.max() ?? 0) + 1)
        return try session.samples.recentByAsset(perAsset: perAsset, scanLimit: perAsset * max(1, catalog.assetIndex.count) * 2)
    }

    private func load(_ cell: CellDefinition, into state: inout EngineState, recent: [String: [SampleRecord]], session: any StoreSession) throws {
        for definition in catalog.gates(of: cell.id) {
            guard let record = try session.gates.get(id: definition.id) else { throw StoreError.invalid("gate \(definition.id) has no record") }
            // The debouncer comes back from the queue: open actions stay open, silent periods run from the last
            // action raised; runs of scores over the threshold start afresh.
            var debouncer = DetectionDebouncer(definition: definition)
            for open in try session.actions.open(gate: definition.id) { debouncer.markOpen(asset: open.subject) }
            for (subject, time) in try session.actions.lastRaised(gate: definition.id) { debouncer.markRaised(asset: subject, at: time) }
            state.gates[definition.id] = GateRuntime(
                machine: try Self.decode(GateStateMachine.self, record.state, what: "gate \(definition.id)"), debouncer: debouncer)
        }
        for material in cell.materials {
            guard let record = try session.materials.get(item: material.item) else { continue }
            state.materials[material.item] = try Self.decode(MaterialTwin.self, record.state, what: "material \(material.item)")
        }
        for asset in cell.assets {
            var twin = AssetTwin(id: asset.id, capacity: configuration.windowLength)
            for gate in anomalyGates[cell.id] ?? [] {
                guard let model = catalog.models[Catalog.ModelKey(gate: gate.id, asset: asset.id)] else { continue }
                twin.scorers[gate.id] = StreamingScorer(scorer: try AnomalyScorer(model: model))
            }
            for sample in recent[asset.id] ?? [] where twin.update(time: sample.time, values: sample.values) {
                for gate in Array(twin.scorers.keys) {
                    let features = twin.scorers[gate]!.scorer.model.features
                    if let raw = twin.state(of: features) { _ = twin.scorers[gate]!.push(raw) }
                }
            }
            state.assets[asset.id] = twin
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String, what: String) throws -> T {
        do {
            return try SluiceJSON.decoder.decode(type, from: Data(text.utf8))
        } catch {
            throw StoreError.invalid("\(what) cannot be read back: \(error)")
        }
    }
}
