import Foundation
import SluiceAnomaly
import SluiceGates
import SluiceReplenishment
import SluiceStore
import SluiceTelemetry

extension DecisionEngine {
    /// One stored sample through the pipeline: twin → each anomaly gate's model → debounce → gate → action.
    /// Twins and gates are changed in place: a copy of an asset's window or a gate's debouncer per sample
    /// would cost more than the scoring.
    func observe(
        _ sample: ValidSample, correlation: String, now: Date, state: inout EngineState, session: any StoreSession, raised: inout Raised
    ) throws {
        // A sample older than the twin's latest is stored but not scored: the twin only moves forward.
        guard state.assets[sample.asset]?.update(time: sample.time, values: sample.values) == true else { return }
        let freshness = self.freshness[sample.cell] ?? 5
        for gate in anomalyGates[sample.cell] ?? [] where state.gates[gate.id] != nil {
            if let action = try observe(
                sample, gate: gate, freshness: freshness, twin: &state.assets[sample.asset]!, runtime: &state.gates[gate.id]!,
                correlation: correlation, now: now, session: session)
            {
                raised.actions.append(action)
            }
        }
    }

    private func observe(
        _ sample: ValidSample, gate: GateDefinition, freshness: TimeInterval, twin: inout AssetTwin, runtime: inout GateRuntime,
        correlation: String, now: Date, session: any StoreSession
    ) throws -> ActionRecord? {
        guard let model = catalog.models[Catalog.ModelKey(gate: gate.id, asset: sample.asset)] else { return nil }
        let features = model.features
        let coverage = twin.coverage(of: features, at: sample.time, freshness: freshness)
        guard let raw = twin.state(of: features) else {
            // Some sensor has never reported: nothing to score, and the debouncer says why.
            _ = runtime.debouncer.observe(asset: sample.asset, score: 0, coverage: coverage, at: sample.time)
            return nil
        }
        guard let (score, settled) = twin.score(gate: gate.id, raw), settled else { return nil }
        let settle = model.settle
        guard runtime.debouncer.observe(asset: sample.asset, score: score, coverage: coverage, at: sample.time, settle: settle) == .detection,
            let explanation = twin.explainLast(gate: gate.id)
        else { return nil }
        let mode = runtime.machine.mode(for: sample.asset)
        let drivers = features.indices.sorted { explanation.contributions[$0] > explanation.contributions[$1] }.prefix(3).map { features[$0] }
        let recent = twin.recent(features, count: configuration.evidenceLength)
        let evidence = Evidence(
            kind: "anomaly",
            model: .init(
                name: model.name, kind: model.kind.rawValue, version: model.version, trainingDigest: model.trainingDigest,
                design: model.design?.map { "\($0.name): \($0.value) — \($0.reason)" }),
            gate: gateEvidence(runtime.machine, mode: mode), triggeredAt: sample.time,
            anomaly: .init(
                score: explanation.score, threshold: 1, primary: explanation.primary, q: explanation.q,
                contributions: Dictionary(uniqueKeysWithValues: zip(features, explanation.contributions)), drivers: Array(drivers),
                consecutive: max(gate.debounce, settle), snapshot: twin.snapshot(freshness: freshness, sensors: features), recent: recent.values,
                recentTimes: recent.times),
            replenishment: nil)
        let action = try raise(
            gate: gate, mode: mode, subject: sample.asset, severity: explanation.score, quantity: nil, unit: nil, correlation: correlation,
            model: (model.name, model.version), evidence: evidence, now: now, session: session)
        if mode == .shadow || configuration.closesDetectionsAtOnce { runtime.debouncer.close(asset: sample.asset) }
        return action
    }

    /// One stored movement through the pipeline: material twin → planner → debounce → gate → action.
    func observe(
        _ movement: ValidMovement, correlation: String, now: Date, state: inout EngineState, session: any StoreSession, raised: inout Raised
    ) throws {
        guard state.materials[movement.item] != nil else { return }
        state.materials[movement.item]!.apply(kind: movement.kind, quantity: movement.quantity, at: movement.time)
        let twin = state.materials[movement.item]!
        for gate in replenishmentGates[movement.cell] ?? [] where state.gates[gate.id] != nil {
            let proposal: ReplenishmentProposal
            do {
                proposal = try ReplenishmentPlanner.propose(twin.state)
            } catch {
                logger.warning("cannot plan material", metadata: ["material.item": "\(movement.item)", "error": "\(error)"])
                continue
            }
            // How far the position has fallen through the reorder point: 1 at the point, more below it.
            let severity =
                proposal.triggered ? min(100, max(1.000_001, (proposal.reorderPoint + 1) / max(proposal.inventoryPosition + 1, 0.01))) : 0
            let outcome = state.gates[gate.id]!.debouncer.observe(asset: movement.item, score: severity, coverage: 1, at: movement.time)
            guard outcome == .detection else { continue }
            let mode = state.gates[gate.id]!.machine.mode(for: movement.item)
            let needBy = movement.time.addingTimeInterval(proposal.needByPeriods * twin.period)
            let evidence = Evidence(
                kind: "replenishment", model: .init(name: movement.item, kind: gate.modelKind, version: gate.modelVersion, trainingDigest: nil),
                gate: gateEvidence(state.gates[gate.id]!.machine, mode: mode), triggeredAt: movement.time, anomaly: nil,
                replenishment: .init(proposal: proposal, state: twin.state, needBy: needBy))
            let action = try raise(
                gate: gate, mode: mode, subject: movement.item, severity: severity, quantity: proposal.quantity, unit: proposal.unit,
                correlation: correlation, model: (proposal.policy, gate.modelVersion), evidence: evidence, now: now, session: session)
            if mode == .shadow || configuration.closesDetectionsAtOnce { state.gates[gate.id]!.debouncer.close(asset: movement.item) }
            raised.actions.append(action)
        }
    }

    /// Stores a detection as an action, recommendation or shadow record, on the record.
    private func raise(
        gate: GateDefinition, mode: AssetMode, subject: String, severity: Double, quantity: Double?, unit: String?, correlation: String,
        model: (name: String, version: Int), evidence: Evidence, now: Date, session: any StoreSession
    ) throws -> ActionRecord {
        let action = ActionRecord(
            id: Self.newActionID(), cell: gate.cell, gate: gate.id, type: gate.actionType, mode: mode.rawValue,
            state: mode == .shadow ? .logged : .pending, subject: subject, severity: severity,
            quantity: quantity, unit: unit, correlationID: correlation, modelName: model.name, modelVersion: model.version,
            createdAt: now, expiresAt: now.addingTimeInterval(gate.actionExpiry), stage: evidence.gate.stage, detectedAt: evidence.firstSeen)
        try session.actions.insert(action, evidence: try Self.encode(evidence))
        let event =
            switch mode {
            case .action: "action.queued"
            case .recommendation: "recommendation.shown"
            case .shadow: "detection.logged"
            }
        var details: [String: JSONValue] = [
            "gate": .string(gate.id), "subject": .string(subject), "severity": .number((severity * 1_000).rounded() / 1_000),
            "model": .string("\(model.name) v\(model.version)"),
        ]
        if let quantity { details["quantity"] = .number(quantity) }
        try session.audit.append(
            AuditEntry(
                time: now, actor: Principal.system.name, role: "system", event: event, subject: action.id, cell: gate.cell,
                correlationID: correlation,
                details: JSONValue.object(details).encoded))
        return action
    }

    func gateEvidence(_ machine: GateStateMachine, mode: AssetMode) -> Evidence.Gate {
        Evidence.Gate(
            id: machine.definition.id, stage: machine.currentStage.name, percent: machine.currentStage.percent, status: machine.status.rawValue,
            mode: mode.rawValue)
    }

    static func newActionID() -> String {
        "act-" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
    }
}
