public import Foundation
import Logging
public import SluiceAnomaly
public import SluiceGates
public import SluiceStore
import SluiceTelemetry
import Synchronization

/// What a rehearsal found: what a candidate model and its gate would have done on recorded telemetry, beside
/// what the live model did on the same span.
public struct RehearsalReport: Sendable, Codable, Equatable {
    /// Counts of one side.
    public struct Tally: Sendable, Codable, Equatable {
        /// Model version.
        public var modelVersion: Int?
        /// Soft actions.
        public var actions: Int
        /// Recommendations.
        public var recommendations: Int
        /// Shadow detections.
        public var shadow: Int
        /// Detections decided by operators (for the candidate: the live decisions on the same need).
        public var decided: Int
        /// Those counted as false positives.
        public var falsePositives: Int
    }

    /// One gate transition the rehearsal went through.
    public struct Transition: Sendable, Codable, Equatable {
        /// When (by the telemetry's clock).
        public var time: Date
        /// `gate.passed`, `gate.fell-back`, …
        public var event: String
        /// Why.
        public var reason: String
    }

    /// One detection of the candidate.
    public struct Detection: Sendable, Codable, Equatable {
        /// The asset.
        public var subject: String
        /// When its triggering sample was measured.
        public var triggeredAt: Date
        /// `action`, `recommendation` or `shadow`.
        public var mode: String
        /// Its score over the threshold.
        public var severity: Double
        /// The live action raised for the same need, if one was.
        public var liveAction: String?
        /// The operators' decision on that live action, replayed onto this one.
        public var liveDecision: String?
    }

    /// The gate.
    public var gate: String
    /// Its cell.
    public var cell: String
    /// The stage the rehearsal ran the gate at.
    public var stage: String
    /// The first sample replayed.
    public var from: Date
    /// The last sample replayed.
    public var to: Date
    /// Samples replayed.
    public var samples: Int
    /// The candidate's side.
    public var candidate: Tally
    /// The live side over the same span.
    public var live: Tally
    /// The gate transitions the candidate's detections and the replayed decisions led to.
    public var transitions: [Transition]
    /// The candidate's detections (the first 500).
    public var detections: [Detection]
}

/// A dry run: recorded telemetry through a candidate model and its gate, in a store of its own held in
/// memory, so nothing is queued or dispatched. Where the live model raised an action for the same asset
/// within the match window of a candidate detection, the operators' decision on it is replayed onto the
/// candidate's, so the gate's judge moves as it would have.
public struct Rehearsal: Sendable {
    /// The live catalog.
    public let catalog: Catalog
    /// The gate rehearsed.
    public let gate: GateDefinition
    /// The candidate models, by asset.
    public let models: [String: AnomalyModel]
    /// The stage to run the gate at (an index into its stages).
    public let stage: Int
    /// How far apart a candidate detection and a live action may be to count as the same need.
    public let matchWindow: TimeInterval

    /// A rehearsal of `gate` with `models` (every asset of its cell needs one) at `stage`.
    public init(catalog: Catalog, gate: GateDefinition, models: [String: AnomalyModel], stage: Int, matchWindow: TimeInterval = 600) throws {
        guard let cell = catalog.cells[gate.cell] else { throw ServiceError.notFound("no cell \(gate.cell)") }
        for asset in cell.assets where models[asset.id] == nil { throw ServiceError.invalid("no candidate model for asset \(asset.id)") }
        self.catalog = catalog
        self.gate = gate
        self.models = models
        self.stage = min(max(stage, 0), gate.stages.count - 1)
        self.matchWindow = matchWindow
    }

    /// Runs `samples` (any order; sorted here) and compares with what `live` holds for the same span.
    public func run(_ samples: [SampleRecord], live: (any Store)?, progress: (Int) -> Void = { _ in }) throws -> RehearsalReport {
        let cell = catalog.cells[gate.cell]!
        let assets = Set(cell.assets.map(\.id))
        let ordered = samples.filter { assets.contains($0.asset) }.sorted { $0.time < $1.time }
        guard let first = ordered.first, let last = ordered.last else {
            throw ServiceError.invalid("no telemetry of cell \(gate.cell) to rehearse on")
        }

        var candidateGate = gate
        candidateGate.modelVersion = models.values.first?.version ?? gate.modelVersion
        var keyed: [Catalog.ModelKey: AnomalyModel] = [:]
        for (asset, model) in models { keyed[Catalog.ModelKey(gate: gate.id, asset: asset)] = model }
        let rehearsalCatalog = try Catalog(cells: [cell], gates: [candidateGate], models: keyed)
        var configuration = EngineConfiguration()
        configuration.startingStages = [gate.id: stage]
        configuration.maximumSampleAge = .infinity
        configuration.closesDetectionsAtOnce = true
        let clock = Mutex(first.time)
        // The rehearsal's own gate events are in its report, not the service's log.
        var quiet = Logger(label: "sluice.rehearsal")
        quiet.logLevel = .error
        let engine = try DecisionEngine(
            store: try SQLiteStore(), catalog: rehearsalCatalog, configuration: configuration, logger: quiet, clock: { clock.withLock { $0 } })
        let operatorPrincipal = Principal(tokenID: "", name: "rehearsal (replayed decisions)", role: .operator, cell: nil)
        let liveActions = try live.map { try LiveActions(store: $0, gate: gate.id, from: first.time.addingTimeInterval(-matchWindow), to: last.time) }

        var detections: [RehearsalReport.Detection] = []
        var used = Set<String>()
        var start = 0
        while start < ordered.count {
            let end = min(start + 1_000, ordered.count)
            let batch = ordered[start..<end]
            clock.withLock { $0 = batch.last!.time }
            let report = try engine.ingest(
                TelemetryBatch(
                    samples: batch.map { TelemetryBatch.Sample(asset: $0.asset, time: ISOTime.format($0.time), values: $0.values) }),
                from: .system)
            for id in report.raised {
                let view = try engine.action(id, for: .system)
                let triggeredAt = view.evidence?.triggeredAt ?? view.action.createdAt
                var detection = RehearsalReport.Detection(
                    subject: view.action.subject, triggeredAt: triggeredAt, mode: view.action.mode, severity: view.action.severity)
                if let match = liveActions?.match(subject: view.action.subject, near: triggeredAt, within: matchWindow, excluding: used) {
                    used.insert(match.action.id)
                    detection.liveAction = match.action.id
                    detection.liveDecision = match.decision?.decision.rawValue
                    if let decision = match.decision, view.action.mode != AssetMode.shadow.rawValue {
                        try replay(decision, onto: view.action, engine: engine, by: operatorPrincipal)
                    }
                }
                detections.append(detection)
            }
            progress(end)
            start = end
        }

        let (candidate, transitions) = try engine.store.read { session in
            let actions = try session.actions.list(ActionFilter(gate: gate.id, includesShadow: true, limit: Int.max))
            var decided = 0
            var falsePositives = 0
            for action in actions {
                for decision in try session.actions.decisions(actionID: action.id) where LabelExport.decisions.contains(decision.decision) {
                    decided += 1
                    if decision.falsePositive { falsePositives += 1 }
                }
            }
            let transitions = SponsorReport.timeline(try session.audit.records(subject: gate.id), stages: gate.stages.map(\.name))
                .filter { $0.event != "gate.started" }.map { RehearsalReport.Transition(time: $0.time, event: $0.event, reason: $0.reason) }
            return (Self.tally(actions, decided: decided, falsePositives: falsePositives, version: candidateGate.modelVersion), transitions)
        }
        return RehearsalReport(
            gate: gate.id, cell: gate.cell, stage: gate.stages[stage].name, from: first.time, to: last.time, samples: ordered.count,
            candidate: candidate,
            live: liveActions?.tally(from: first.time, to: last.time) ?? Self.tally([], decided: 0, falsePositives: 0, version: nil),
            transitions: transitions, detections: Array(detections.prefix(500)))
    }

    /// Puts a live decision onto the candidate's detection: the same verdict, in the form its mode takes.
    private func replay(_ decision: DecisionRecord, onto action: ActionRecord, engine: DecisionEngine, by principal: Principal) throws {
        let useful = !decision.falsePositive
        do {
            if action.mode == AssetMode.recommendation.rawValue {
                _ = try engine.judge(action.id, useful: useful, by: principal, text: "replayed from the live decision")
            } else if useful {
                _ = try engine.approve(action.id, by: principal, quantity: nil, note: "replayed from the live decision")
            } else {
                let reason = decision.reasonCode.flatMap(RejectionReason.init(rawValue:)) ?? .falseAlarm
                _ = try engine.reject(action.id, by: principal, reason: reason, text: "replayed from the live decision")
            }
        } catch let error as ServiceError where error.kind == .conflict {
            // Already decided or expired in the rehearsal: the live decision has nothing to land on.
        }
    }

    static func tally(_ actions: [ActionRecord], decided: Int, falsePositives: Int, version: Int?) -> RehearsalReport.Tally {
        RehearsalReport.Tally(
            modelVersion: version, actions: actions.filter { $0.mode == AssetMode.action.rawValue }.count,
            recommendations: actions.filter { $0.mode == AssetMode.recommendation.rawValue }.count,
            shadow: actions.filter { $0.mode == AssetMode.shadow.rawValue }.count, decided: decided, falsePositives: falsePositives)
    }
}

/// The live actions of a gate over a span, with their decisions and trigger times, for matching.
struct LiveActions {
    struct Entry {
        var action: ActionRecord
        var triggeredAt: Date
        var decision: DecisionRecord?
    }

    let entries: [Entry]

    init(store: any Store, gate: String, from: Date, to: Date) throws {
        entries = try store.read { session in
            // Actions are stamped when queued, which for live telemetry is moments after the trigger.
            try session.actions.list(ActionFilter(gate: gate, since: from, until: to.addingTimeInterval(3_600), includesShadow: true, limit: Int.max))
                .map { action in
                    let triggeredAt =
                        try session.actions.evidence(id: action.id).flatMap { try? Evidence.summary($0) }?.triggeredAt ?? action.createdAt
                    let decision = try session.actions.decisions(actionID: action.id).last { LabelExport.decisions.contains($0.decision) }
                    return Entry(action: action, triggeredAt: triggeredAt, decision: decision)
                }
        }
    }

    /// The closest live action on `subject` within `window` of `time`, not yet matched.
    func match(subject: String, near time: Date, within window: TimeInterval, excluding used: Set<String>) -> Entry? {
        entries.filter { $0.action.subject == subject && !used.contains($0.action.id) && abs($0.triggeredAt.timeIntervalSince(time)) <= window }
            .min { abs($0.triggeredAt.timeIntervalSince(time)) < abs($1.triggeredAt.timeIntervalSince(time)) }
    }

    /// The live side's counts for triggers in `from...to`.
    func tally(from: Date, to: Date) -> RehearsalReport.Tally {
        let inSpan = entries.filter { $0.triggeredAt >= from && $0.triggeredAt <= to }
        let decided = inSpan.compactMap(\.decision)
        return Rehearsal.tally(
            inSpan.map(\.action), decided: decided.count, falsePositives: decided.filter(\.falsePositive).count,
            version: inSpan.last?.action.modelVersion)
    }
}

extension Rehearsal {
    /// Keeps a rehearsal in `store` for the sponsor's report, on the record.
    @discardableResult
    public static func record(_ report: RehearsalReport, in store: any Store, by who: String, at now: Date) throws -> Int64 {
        let summary = try DecisionEngine.encode(report)
        return try store.write { session in
            let id = try session.rehearsals.insert(
                RehearsalRecord(
                    gate: report.gate, candidateVersion: report.candidate.modelVersion ?? 0, from: report.from, to: report.to, createdAt: now,
                    createdBy: who, summary: summary))
            try session.audit.append(
                AuditEntry(
                    time: now, actor: who, role: "admin", event: "gate.rehearsed", subject: report.gate, cell: report.cell,
                    details: JSONValue.object([
                        "candidateVersion": .number(Double(report.candidate.modelVersion ?? 0)), "samples": .number(Double(report.samples)),
                        "actions": .number(Double(report.candidate.actions)), "recommendations": .number(Double(report.candidate.recommendations)),
                        "liveActions": .number(Double(report.live.actions)),
                    ]).encoded))
            return id
        }
    }
}
