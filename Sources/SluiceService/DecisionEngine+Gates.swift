public import Foundation
public import SluiceGates
import SluiceStore
import SluiceTelemetry

extension DecisionEngine {
    /// Applies a person's change to a gate: checks the role, asks the gate's stage machine, and records
    /// what it did (or refuses with the machine's reason).
    @discardableResult
    public func change(gate id: String, _ change: GateChange, by principal: Principal, reason: String) throws -> GateView {
        try principal.require(change.permission)
        let now = clock()
        let (view, raised) = try transact(cells: catalog.gates[id].map { [$0.cell] } ?? []) { state, session in
            guard var runtime = state.gates[id], principal.reaches(runtime.machine.definition.cell) else {
                throw ServiceError.notFound("no gate \(id)")
            }
            let actions: [GateAction]
            do {
                let who = principal.identity
                switch change {
                case .promote: actions = try runtime.machine.promote(by: who, reason: reason, at: now)
                case .signOff: actions = try runtime.machine.signOff(by: who, reason: reason, at: now)
                case .pause: actions = try runtime.machine.pause(by: who, reason: reason, at: now)
                case .resume: actions = try runtime.machine.resume(by: who, reason: reason, at: now)
                case .abort: actions = try runtime.machine.abort(by: who, reason: reason, at: now)
                case .flag(let on): actions = try runtime.machine.setFlag(on, by: who, reason: reason, at: now)
                }
            } catch let refusal as GateRefusal {
                switch refusal.reason {
                case .forbidden: throw ServiceError.forbidden(refusal.message)
                case .conflict: throw ServiceError.conflict(refusal.message)
                case .invalid: throw ServiceError.invalid(refusal.message)
                }
            }
            let raised = try record(actions, runtime: runtime, session: session)
            state.gates[id] = runtime
            try save(runtime.machine, session: session, at: now)
            return (GateView(runtime.machine), raised)
        }
        publish(raised, latency: nil)
        return view
    }

    /// The gates within the principal's reach.
    public func gates(for principal: Principal) throws -> [GateView] {
        try principal.require(.read)
        return try machines().values.filter { principal.reaches($0.definition.cell) }.map(GateView.init).sorted { $0.id < $1.id }
    }

    /// One gate, if within reach.
    public func gate(_ id: String, for principal: Principal) throws -> GateView {
        try principal.require(.read)
        guard let machine = try machines()[id], principal.reaches(machine.definition.cell) else { throw ServiceError.notFound("no gate \(id)") }
        return GateView(machine)
    }

    /// Every gate's stage machine as it stands: from memory, or on a shared store from the store, since
    /// another replica may have moved it.
    func machines() throws -> [String: GateStateMachine] {
        guard store.isShared else { return state.withLock { $0.gates.mapValues(\.machine) } }
        return try store.read { session in
            var machines: [String: GateStateMachine] = [:]
            for record in try session.gates.all() where catalog.gates[record.id] != nil {
                machines[record.id] = try Self.decode(GateStateMachine.self, record.state, what: "gate \(record.id)")
            }
            return machines
        }
    }

    /// Writes a gate's events to the audit log and returns them as queue events.
    func record(_ actions: [GateAction], runtime: GateRuntime, session: any StoreSession) throws -> Raised {
        var raised = Raised()
        for action in actions {
            switch action {
            case .record(let event):
                let evidence = event.evidence
                try session.audit.append(
                    AuditEntry(
                        time: event.time, actor: event.actor.name, role: event.actor.role.rawValue, event: "gate.\(event.kind.rawValue)",
                        subject: event.gate, cell: runtime.machine.definition.cell,
                        details: JSONValue.object([
                            "reason": .string(event.reason), "fromStage": .number(Double(event.fromStage)), "toStage": .number(Double(event.toStage)),
                            "status": .string(event.status.rawValue), "decisions": .number(Double(evidence.decisions)),
                            "falsePositives": .number(Double(evidence.falsePositives)), "verdict": .string(evidence.verdict.rawValue),
                        ]).encoded))
                raised.gateEvents.append(
                    QueueEvent(
                        event: "gate.\(event.kind.rawValue)", cell: runtime.machine.definition.cell, gate: event.gate, state: event.status.rawValue,
                        time: event.time))
                logger.notice(
                    "gate event",
                    metadata: ["gate.id": "\(event.gate)", "gate.event": "\(event.kind.rawValue)", "gate.status": "\(event.status.rawValue)"])
            case .askForDecision(let message), .requestSignOff(let message):
                logger.notice("gate needs a person", metadata: ["gate.id": "\(runtime.machine.definition.id)", "gate.request": "\(message)"])
            case .modesChanged:
                break
            }
        }
        return raised
    }
}

/// A gate as the API shows it.
public struct GateView: Sendable, Codable, Equatable {
    /// One stage.
    public struct Stage: Sendable, Codable, Equatable {
        /// Its name.
        public var name: String
        /// Its share of assets.
        public var percent: Double
        /// Decisions needed before it may pass.
        public var minimumSample: Int
        /// Time it must last before promotion, in seconds.
        public var minimumDwell: TimeInterval
    }

    /// The judge's figures.
    public struct Judge: Sendable, Codable, Equatable {
        /// Decisions counted in this stage.
        public var decisions: Int
        /// False positives among them.
        public var falsePositives: Int
        /// Their ratio.
        public var rate: Double
        /// Wilson 95 % interval of the rate.
        public var interval: [Double]
        /// `undecided`, `pass`, `fallBack` or `inconclusive`.
        public var verdict: String
        /// The sequential test's log-likelihood ratio.
        public var logLikelihoodRatio: Double
    }

    /// The gate's id.
    public var id: String
    /// Its cell.
    public var cell: String
    /// The action type it gates.
    public var actionType: String
    /// The model kind and version it runs.
    public var model: String
    /// The feature flag.
    public var flag: Bool
    /// The current stage's index.
    public var stage: Int
    /// The current stage's name.
    public var stageName: String
    /// The status.
    public var status: String
    /// The mode of assets outside the cohort (and of all while fallen back, paused or aborted).
    public var stages: [Stage]
    /// When the stage began.
    public var stageEnteredAt: Date
    /// Whether the stage (or fresh evidence after a fallback) has passed.
    public var passed: Bool
    /// Whether promotion needs a sponsor's sign-off, and who gave it.
    public var requiresSignOff: Bool
    /// The sponsor who signed off the next promotion.
    public var signedOffBy: String?
    /// The judge.
    public var judge: Judge

    /// The view of a stage machine.
    public init(_ machine: GateStateMachine) {
        let definition = machine.definition
        let evidence = machine.judge.evidence
        id = definition.id
        cell = definition.cell
        actionType = definition.actionType
        model = "\(definition.modelKind) v\(definition.modelVersion)"
        flag = machine.enabled
        stage = machine.stage
        stageName = machine.currentStage.name
        status = machine.status.rawValue
        stages = definition.stages.map { Stage(name: $0.name, percent: $0.percent, minimumSample: $0.minimumSample, minimumDwell: $0.minimumDwell) }
        stageEnteredAt = machine.stageEnteredAt
        passed = machine.passed
        requiresSignOff = definition.requiresSponsorSignOff
        signedOffBy = machine.signedOffBy?.name
        judge = Judge(
            decisions: evidence.decisions, falsePositives: evidence.falsePositives, rate: evidence.rate,
            interval: [evidence.interval.lowerBound, evidence.interval.upperBound], verdict: evidence.verdict.rawValue,
            logLikelihoodRatio: evidence.logLikelihoodRatio)
    }
}
