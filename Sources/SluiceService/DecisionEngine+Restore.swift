import Foundation
import SluiceAnomaly
import SluiceGates
import SluiceReplenishment
import SluiceStore

extension DecisionEngine {
    /// Restores gates and materials from the store (creating them the first time), and warms each asset's
    /// twin and scorers on its latest stored samples.
    func restore() throws {
        let now = clock()
        try transact { state, session in
            for definition in catalog.gates.values.sorted(by: { $0.id < $1.id }) {
                if let record = try session.gates.get(id: definition.id) {
                    var machine = try Self.decode(GateStateMachine.self, record.state, what: "gate \(definition.id)")
                    if machine.definition != definition {
                        // The file changed since the gate last ran: the running state (stage, evidence) is kept
                        // and the new definition takes over; the change is on the record.
                        machine = machine.replacingDefinition(with: definition)
                        try session.audit.append(
                            AuditEntry(
                                time: now, actor: Principal.system.name, role: "system", event: "gate.definition-changed", subject: definition.id,
                                cell: definition.cell, details: JSONField.object(["file": .string("Gates/\(definition.id).yaml")]).encoded()))
                        logger.notice("gate definition changed since the last run", metadata: ["gate.id": "\(definition.id)"])
                    }
                    var debouncer = try Self.decode(DetectionDebouncer.self, record.debouncer, what: "gate \(definition.id)'s debouncer")
                    if debouncer.consecutive != definition.debounce || debouncer.silentPeriod != definition.silentPeriod
                        || debouncer.minimumCoverage != definition.minimumCoverage
                    {
                        debouncer = DetectionDebouncer(definition: definition)
                        for open in try session.actions.open(gate: definition.id) { debouncer.markOpen(asset: open.subject) }
                    }
                    state.gates[definition.id] = GateRuntime(machine: machine, debouncer: debouncer)
                } else {
                    let stage = configuration.startingStages[definition.id] ?? 0
                    let machine = GateStateMachine(definition: definition, startingAt: stage, now: now)
                    let runtime = GateRuntime(machine: machine, debouncer: DetectionDebouncer(definition: definition))
                    state.gates[definition.id] = runtime
                    try save(runtime, session: session, at: now)
                    try session.audit.append(
                        AuditEntry(
                            time: now, actor: Principal.system.name, role: "system", event: "gate.started", subject: definition.id,
                            cell: definition.cell,
                            details: JSONField.object([
                                "stage": .string(machine.currentStage.name), "percent": .number(machine.currentStage.percent),
                                "flag": .string(machine.enabled ? "on" : "off"),
                            ]).encoded()))
                }
            }
            for cell in catalog.cells.values.sorted(by: { $0.id < $1.id }) {
                for material in cell.materials {
                    if let record = try session.materials.get(item: material.item) {
                        state.materials[material.item] = try Self.decode(MaterialTwin.self, record.state, what: "material \(material.item)")
                    } else {
                        let twin = MaterialTwin(state: material, now: now)
                        state.materials[material.item] = twin
                        try session.materials.save(MaterialRecord(item: material.item, cell: cell.id, state: Self.encode(twin), updatedAt: now))
                    }
                }
                for asset in cell.assets {
                    var twin = AssetTwin(id: asset.id, cell: cell.id, capacity: configuration.windowLength)
                    var longestWarmUp = 0
                    for gate in anomalyGates[cell.id] ?? [] {
                        guard let model = catalog.models[Catalog.ModelKey(gate: gate.id, asset: asset.id)] else { continue }
                        let scorer = try AnomalyScorer(model: model)
                        twin.scorers[gate.id] = StreamingScorer(scorer: scorer)
                        longestWarmUp = max(longestWarmUp, scorer.warmUp)
                    }
                    let history = try session.samples.recent(asset: asset.id, limit: max(configuration.windowLength, longestWarmUp + 1))
                    for sample in history where twin.update(time: sample.time, values: sample.values) {
                        for (gate, var scorer) in twin.scorers {
                            if let raw = twin.state(of: scorer.scorer.model.features) { _ = scorer.push(raw) }
                            twin.scorers[gate] = scorer
                        }
                    }
                    state.assets[asset.id] = twin
                }
            }
            metrics.auditRecords.set(Double(try session.audit.checkpoint().size))
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String, what: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw StoreError.invalid("\(what) cannot be read back: \(error)")
        }
    }
}
