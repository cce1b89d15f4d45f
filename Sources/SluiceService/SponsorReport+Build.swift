public import Foundation
import SluiceGates
import SluiceReplenishment
import SluiceStatistics
public import SluiceStore

extension SponsorReport {
    /// The ISA-18.2 flood level: more than this many alarms in 10 minutes.
    public static let floodLevel = 10
    /// ISA-18.2's average alarm rate per operator that is very likely acceptable (about 150 a day).
    public static let acceptablePerHour = 6.0
    /// ISA-18.2's maximum manageable average (about 300 a day).
    public static let manageablePerHour = 12.0

    /// Builds the report over `from..<to` for `cells`, from what the store holds, and verifies the audit log.
    public static func build(store: any Store, catalog: Catalog, from: Date, to: Date, now: Date, cells: [String]) throws -> SponsorReport {
        let verification = try DecisionEngine.verifyAudit(store)
        let definitions = cells.flatMap { catalog.gates(of: $0) }
        var report = try store.read { session in
            var gates: [Gate] = []
            var cellAlarms: [String: [Date]] = [:]
            var delivered = 0
            var faults = 0
            for definition in definitions {
                guard let record = try session.gates.get(id: definition.id) else { continue }
                let machine = try DecisionEngine.decode(GateStateMachine.self, record.state, what: "gate \(definition.id)")
                let actions = try session.actions.list(
                    ActionFilter(gate: definition.id, since: from, until: to, includesShadow: true, limit: Int.max)
                ).reversed()
                var decisions: [(action: ActionRecord, decision: DecisionRecord)] = []
                for action in actions {
                    for decision in try session.actions.decisions(actionID: action.id) { decisions.append((action, decision)) }
                    if action.mode != "shadow" { cellAlarms[definition.cell, default: []].append(action.createdAt) }
                    if try session.outbox.entries(actionID: action.id).contains(where: { $0.state == .delivered }) { delivered += 1 }
                }
                decisions.sort { $0.decision.decidedAt < $1.decision.decidedAt }
                let human = decisions.filter { LabelExport.decisions.contains($0.decision.decision) }
                if !Catalog.replenishmentKinds.contains(definition.modelKind) {
                    faults += human.filter { [.approved, .useful].contains($0.decision.decision) }.count
                }
                let settings = catalog.cells[definition.cell]?.report ?? ReportSettings()
                let view = GateView(machine)
                let rehearsal = try session.rehearsals.latest(gate: definition.id)
                gates.append(
                    Gate(
                        view: view, timeline: try timeline(session.audit.records(subject: definition.id), stages: definition.stages.map(\.name)),
                        stages: stageDecisions(definition, actions: Array(actions), decisions: decisions),
                        trace: trace(definition, human), passBoundary: definition.judge.lowerBoundary,
                        fallBackBoundary: definition.judge.upperBoundary,
                        detection: durations(
                            actions.filter { $0.mode != "shadow" }.compactMap { a in a.detectedAt.map { a.createdAt.timeIntervalSince($0) } },
                            objective: settings.detectionObjective),
                        response: durations(
                            human.map { $0.decision.decidedAt.timeIntervalSince($0.action.createdAt) }, objective: settings.responseObjective),
                        awaitsSignOff: view.requiresSignOff && view.passed && view.signedOffBy == nil && view.stage + 1 < view.stages.count,
                        rehearsal: rehearsal.flatMap {
                            try? SluiceJSON.decoder.decode(RehearsalReport.self, from: Data($0.summary.utf8))
                        },
                        rehearsalBy: rehearsal.map { "\($0.createdBy), \(ISOTime.format($0.createdAt))" }))
            }
            let operatorDecisions = try session.actions.decisions(from: from, to: to, cells: cells).filter { $0.role == "operator" }
            let settings = cells.first.flatMap { catalog.cells[$0]?.report } ?? ReportSettings()
            return SponsorReport(
                generatedAt: now, from: from, to: to, cells: cells, gates: gates,
                cellLoad: cells.map { load(name: $0, times: cellAlarms[$0] ?? [], from: from, to: to) },
                operatorLoad: Dictionary(grouping: operatorDecisions, by: \.decidedBy).keys.sorted().map { name in
                    load(name: name, times: operatorDecisions.filter { $0.decidedBy == name }.map(\.decidedAt), from: from, to: to)
                },
                materials: try materials(session: session, catalog: catalog, cells: cells, from: from, to: to, now: now, definitions: definitions),
                returns: returns(delivered: delivered, faults: faults, settings: settings),
                audit: Audit(
                    size: verification.checkpoint.size, head: verification.checkpoint.head, verified: verification.intact,
                    problem: verification.problem),
                settings: settings)
        }
        report.gates.sort { $0.view.id < $1.view.id }
        return report
    }

    /// A gate's audit records as its timeline; a start names its stage, which is turned back into its index.
    static func timeline(_ records: [AuditRecord], stages: [String]) -> [TimelineEntry] {
        records.map { record in
            let details = (try? JSONSerialization.jsonObject(with: Data(record.entry.details.utf8))) as? [String: Any] ?? [:]
            let named = (details["stage"] as? String).flatMap { stages.firstIndex(of: $0) }
            return TimelineEntry(
                time: record.entry.time, event: record.entry.event, actor: record.entry.actor, reason: details["reason"] as? String ?? "",
                toStage: (details["toStage"] as? NSNumber)?.intValue ?? named,
                status: details["status"] as? String ?? (named == nil ? nil : "running"))
        }
    }

    static func stageDecisions(
        _ definition: GateDefinition, actions: [ActionRecord], decisions: [(action: ActionRecord, decision: DecisionRecord)]
    ) -> [StageDecisions] {
        let names = definition.stages.map(\.name)
        let seen = Set(actions.compactMap(\.stage))
        let order = names.filter(seen.contains) + seen.subtracting(names).sorted() + (actions.contains { $0.stage == nil } ? ["(not recorded)"] : [])
        return order.map { stage in
            let inStage = actions.filter { ($0.stage ?? "(not recorded)") == stage }
            let decided = decisions.filter { ($0.action.stage ?? "(not recorded)") == stage }
            let judged = decided.filter { LabelExport.decisions.contains($0.decision.decision) }
            let falsePositives = judged.filter(\.decision.falsePositive).count
            let interval = FalsePositiveJudge.wilsonInterval(successes: falsePositives, trials: judged.count)
            return StageDecisions(
                stage: stage, raised: Dictionary(grouping: inStage, by: \.mode).mapValues(\.count),
                decisions: Dictionary(grouping: decided, by: \.decision.decision.rawValue).mapValues(\.count), judged: judged.count,
                falsePositives: falsePositives, rate: judged.isEmpty ? 0 : Double(falsePositives) / Double(judged.count),
                interval: [interval.lowerBound, interval.upperBound])
        }
    }

    /// The sequential test replayed over the decisions in order: one judge per stage, started afresh after
    /// each verdict, as the gate's own judge is.
    static func trace(_ definition: GateDefinition, _ decisions: [(action: ActionRecord, decision: DecisionRecord)]) -> [TracePoint] {
        var points: [TracePoint] = []
        var judge: FalsePositiveJudge?
        var stage: String?
        for (action, decision) in decisions {
            let name = action.stage ?? "(not recorded)"
            if judge == nil || name != stage {
                let minimum = definition.stages.first { $0.name == name }?.minimumSample ?? 0
                judge = FalsePositiveJudge(settings: definition.judge, minimumSample: minimum)
                stage = name
            }
            let verdict = judge!.record(falsePositive: decision.falsePositive)
            points.append(
                TracePoint(
                    time: decision.decidedAt, stage: name, decisions: judge!.decisions, logLikelihoodRatio: judge!.logLikelihoodRatio,
                    verdict: verdict == .undecided ? nil : verdict.rawValue))
            if verdict != .undecided { judge!.reset() }
        }
        return points
    }

    /// The median and 95th percentile of `values` against `objective`.
    public static func durations(_ values: [TimeInterval], objective: TimeInterval?) -> Durations {
        let sorted = values.filter(\.isFinite).map { max(0, $0) }.sorted()
        return Durations(
            count: sorted.count, median: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), objective: objective,
            withinObjective: objective.flatMap { limit in sorted.isEmpty ? nil : Double(sorted.filter { $0 <= limit }.count) / Double(sorted.count) })
    }

    /// The `q` quantile of the values, interpolated linearly between the closest ranks; nil when there are none.
    public static func percentile(_ sorted: [Double], _ q: Double) -> Double? {
        sorted.isEmpty ? nil : Distributions.empiricalQuantile(sorted, q)
    }

    static func load(name: String, times: [Date], from: Date, to: Date) -> AlarmLoad {
        let span = max(to.timeIntervalSince(from), 600)
        var buckets: [Int: Int] = [:]
        for time in times { buckets[Int(time.timeIntervalSince(from) / 600), default: 0] += 1 }
        let periods = Int((span / 600).rounded(.up))
        return AlarmLoad(
            name: name, alarms: times.count, perHour: Double(times.count) / (span / 3_600), peakPer10Minutes: buckets.values.max() ?? 0,
            floodShare: Double(buckets.values.filter { $0 > floodLevel }.count) / Double(max(periods, 1)))
    }

    static func materials(
        session: any StoreSession, catalog: Catalog, cells: [String], from: Date, to: Date, now: Date, definitions: [GateDefinition]
    ) throws -> [Material] {
        let orders = try definitions.filter { Catalog.replenishmentKinds.contains($0.modelKind) }.flatMap {
            try session.actions.list(ActionFilter(gate: $0.id, since: from, until: to, limit: Int.max))
        }
        var out: [Material] = []
        for cell in cells.compactMap({ catalog.cells[$0] }) {
            for start in cell.materials {
                // The stock is replayed from the cell file's starting state through every movement, as the twin
                // applies them.
                var twin = MaterialTwin(state: start, now: from)
                var demand = 0.0
                var served = 0.0
                var area = 0.0
                var clock: Date?
                for movement in try session.materials.movements(item: start.item) where movement.time < to {
                    guard let kind = MovementKind(rawValue: movement.kind) else { continue }
                    let before = twin.state.onHand
                    if movement.time >= from {
                        if let last = clock { area += before * movement.time.timeIntervalSince(last) }
                        clock = movement.time
                    }
                    twin.apply(kind: kind, quantity: movement.quantity, at: movement.time)
                    if kind == .consumption, movement.time >= from {
                        demand += movement.quantity
                        served += before - twin.state.onHand
                    }
                }
                let onHand = twin.state.onHand
                var covered = 0.0
                if let last = clock {
                    let end = min(to, now)
                    area += onHand * max(0, end.timeIntervalSince(last))
                    covered = end.timeIntervalSince(from)
                }
                var leadTimes: [TimeInterval] = []
                for action in orders where action.subject == start.item {
                    guard let need = action.detectedAt,
                        let acknowledged = try session.outbox.entries(actionID: action.id).compactMap(\.deliveredAt).first
                    else { continue }
                    leadTimes.append(acknowledged.timeIntervalSince(need))
                }
                out.append(
                    Material(
                        item: start.item, unit: start.unit, demand: demand, fillRate: demand > 0 ? served / demand : nil,
                        baselineFillRate: cell.report.baselineFillRate, averageOnHand: covered > 0 ? area / covered : nil,
                        baselineOnHand: cell.report.baselineInventory[start.item], onHand: onHand,
                        leadTime: durations(leadTimes, objective: cell.report.baselineLeadTime)))
            }
        }
        return out
    }

    static func returns(delivered: Int, faults: Int, settings: ReportSettings) -> Return {
        let hours = Double(delivered) * settings.minutesPerAction / 60
        let downtime = Double(faults) * settings.downtimeHoursPerFault
        return Return(
            currency: settings.currency, interventionsAvoided: delivered, hoursSaved: hours, hoursValue: hours * settings.hourlyRate,
            faultsConfirmed: faults, downtimeHoursAvoided: downtime, downtimeValue: downtime * settings.downtimeCostPerHour,
            assumptions: [
                "each order the ERP/MES acknowledged saves \(format(settings.minutesPerAction)) minutes of manual work at "
                    + "\(format(settings.hourlyRate)) \(settings.currency) an hour",
                "each fault operators confirmed (approved or judged useful) avoids \(format(settings.downtimeHoursPerFault)) hours of downtime "
                    + "at \(format(settings.downtimeCostPerHour)) \(settings.currency) an hour",
            ])
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.2f", value)
    }
}
