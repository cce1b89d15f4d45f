import Foundation
import SluiceStore
import SluiceTelemetry

/// Maps an approved action to the call its ERP/MES connector makes: a maintenance order for anomalies, a
/// purchase requisition for replenishment, or the action as it stands for a generic webhook.
public enum ConnectorMapping {
    /// The connector for an action type.
    public static func connector(for actionType: String) -> String {
        switch actionType {
        case "maintenance-order", "work-order": "maintenance-order"
        case "purchase-requisition", "material-request": "purchase-requisition"
        default: "webhook"
        }
    }

    /// The path the connector posts to, under the cell's ERP/MES URL.
    public static func path(for connector: String) -> String {
        switch connector {
        case "maintenance-order": "/maintenance-orders"
        case "purchase-requisition": "/purchase-requisitions"
        default: "/webhook"
        }
    }

    /// The JSON body for `action` approved by `approvedBy` with `quantity`.
    static func payload(
        for action: ActionRecord, evidence: Evidence.Summary?, evidenceText: String?, quantity: Double?, approvedBy: String, at time: Date
    ) -> String {
        var body: [String: JSONValue] = [
            "sourceAction": .string(action.id),
            "correlationId": .string(action.correlationID),
            "cell": .string(action.cell),
            "approvedBy": .string(approvedBy),
            "approvedAt": .string(ISOTime.format(time)),
        ]
        switch connector(for: action.type) {
        case "maintenance-order":
            let drivers = evidence?.anomaly?.drivers ?? []
            body["orderType"] = .string(action.type == "work-order" ? "work-order" : "corrective-maintenance")
            body["equipment"] = .string(action.subject)
            body["priority"] = .string(action.severity >= 3 ? "high" : "medium")
            body["description"] = .string(
                "Anomaly on \(action.subject): score \(String(format: "%.2f", action.severity)) over a threshold of 1"
                    + (drivers.isEmpty ? "" : ", driven by \(drivers.prefix(3).joined(separator: ", "))")
                    + " (\(action.modelName) \(evidence?.model.kind ?? "") v\(action.modelVersion))")
            body["detectedAt"] = .string(ISOTime.format(evidence?.triggeredAt ?? action.createdAt))
        case "purchase-requisition":
            let proposal = evidence?.replenishment?.proposal
            body["documentType"] = .string(action.type)
            body["item"] = .string(action.subject)
            body["quantity"] = .number(quantity ?? action.quantity ?? 0)
            body["unit"] = .string(action.unit ?? proposal?.unit ?? "")
            body["supplier"] = .string(proposal?.supplier ?? "")
            body["warehouse"] = .string(proposal?.warehouse ?? "")
            if let needBy = evidence?.replenishment?.needBy { body["needBy"] = .string(ISOTime.format(needBy)) }
        default:
            body["type"] = .string(action.type)
            body["subject"] = .string(action.subject)
            body["mode"] = .string(action.mode)
            body["severity"] = .number(action.severity)
            if let q = quantity ?? action.quantity { body["quantity"] = .number(q) }
            body["evidence"] = evidenceText.flatMap(JSONValue.init(parsing:)) ?? .object([:])
        }
        return JSONValue.object(body).encoded
    }
}
