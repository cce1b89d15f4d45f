public import Foundation
public import SluiceStore
import SluiceTelemetry

/// One operator response joined with what produced it: a row of the data team's labelled export.
public struct LabelRow: Sendable, Equatable {
    /// The action.
    public var action: ActionRecord
    /// The decision on it.
    public var decision: DecisionRecord
    /// Its evidence, when it can be read.
    public var evidence: Evidence?

    /// `normal` for an anomaly the operators called a false alarm (any rejection but `already-handled`,
    /// or a recommendation judged not useful), `anomaly` otherwise; empty for other kinds of action.
    public var label: String {
        guard evidence?.kind == "anomaly" else { return "" }
        return decision.falsePositive ? "normal" : "anomaly"
    }
}

/// The labelled export (`sluice export labels`, `GET /v1/labels`): every decided action and judged
/// recommendation, one CSV row each, with the features and scores that raised it. The columns are
/// documented in `notebooks-data/README.md`.
public enum LabelExport {
    /// The decisions people make; expiry is the absence of one and is left out.
    public static let decisions: Set<ActionState> = [.approved, .rejected, .useful, .notUseful]

    /// The columns every export has, in order; `value_<sensor>` and `contribution_<sensor>` follow for
    /// every sensor any anomaly row has, sorted by name.
    public static let columns = [
        "action_id", "cell", "gate", "action_type", "mode", "stage", "subject", "model_name", "model_version", "raised_at", "detected_at",
        "triggered_at", "decision", "label", "false_positive", "reason_code", "reason_text", "proposed_quantity", "quantity",
        "quantity_edited", "decided_by", "role", "decided_at", "response_seconds", "score", "threshold", "t2", "q", "drivers",
        "inventory_position", "reorder_point", "order_up_to", "forecast_mean", "expected_fill_rate", "policy",
    ]

    /// The rows for decisions made in `from..<to` on actions of `cells` (nil: every cell), oldest first.
    public static func rows(in store: any Store, from: Date, to: Date, cells: [String]?) throws -> [LabelRow] {
        try store.read { session in
            try session.actions.decisions(from: from, to: to, cells: cells).compactMap { decision in
                guard Self.decisions.contains(decision.decision), let action = try session.actions.get(id: decision.actionID) else { return nil }
                return LabelRow(
                    action: action, decision: decision, evidence: try session.actions.evidence(id: action.id).flatMap { try? Evidence.decode($0) })
            }
        }
    }

    /// The rows as CSV text.
    public static func csv(_ rows: [LabelRow]) -> String {
        let sensors = Set(rows.flatMap { $0.evidence?.anomaly?.contributions.keys.map { $0 } ?? [] }).sorted()
        let header = columns + sensors.map { "value_\($0)" } + sensors.map { "contribution_\($0)" }
        var lines = header.joined(separator: ",") + "\n"
        for row in rows {
            lines += (fields(row) + sensorFields(row, sensors)).map { TelemetryCSV.quoted($0) }.joined(separator: ",") + "\n"
        }
        return lines
    }

    private static func fields(_ row: LabelRow) -> [String] {
        let action = row.action
        let decision = row.decision
        let anomaly = row.evidence?.anomaly
        let replenishment = row.evidence?.replenishment
        let edited = decision.quantity != nil && decision.proposedQuantity != nil && decision.quantity != decision.proposedQuantity
        return [
            action.id, action.cell, action.gate, action.type, action.mode, action.stage ?? row.evidence?.gate.stage ?? "", action.subject,
            action.modelName, String(action.modelVersion), ISOTime.format(action.createdAt),
            (action.detectedAt ?? row.evidence?.firstSeen).map(ISOTime.format) ?? "", row.evidence.map { ISOTime.format($0.triggeredAt) } ?? "",
            decision.decision.rawValue, row.label, decision.falsePositive ? "true" : "false", decision.reasonCode ?? "", decision.reasonText ?? "",
            number(decision.proposedQuantity), number(decision.quantity), decision.quantity == nil ? "" : (edited ? "true" : "false"),
            decision.decidedBy, decision.role, ISOTime.format(decision.decidedAt), number(decision.decidedAt.timeIntervalSince(action.createdAt)),
            number(anomaly?.score ?? action.severity), number(anomaly?.threshold), number(anomaly?.primary), number(anomaly?.q),
            anomaly?.drivers.joined(separator: ";") ?? "", number(replenishment?.proposal.inventoryPosition),
            number(replenishment?.proposal.reorderPoint), number(replenishment?.proposal.orderUpTo), number(replenishment?.proposal.forecast.mean),
            number(replenishment?.proposal.expectedFillRate), replenishment?.proposal.policy ?? "",
        ]
    }

    private static func sensorFields(_ row: LabelRow, _ sensors: [String]) -> [String] {
        let anomaly = row.evidence?.anomaly
        return sensors.map { number(anomaly?.snapshot.values[$0]) } + sensors.map { number(anomaly?.contributions[$0]) }
    }

    /// Shortest round-tripping text; empty for nothing.
    private static func number(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "" }
        return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }
}

extension DecisionEngine {
    /// The labelled export for decisions made in `from..<to`, within the principal's reach.
    public func exportLabels(from: Date, to: Date, for principal: Principal) throws -> String {
        try principal.require(.exportLabels)
        let cells = principal.cell.map { [$0] }
        return LabelExport.csv(try LabelExport.rows(in: store, from: from, to: to, cells: cells))
    }
}
