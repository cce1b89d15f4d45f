/// A proposed replenishment order, with the reasoning an operator needs to approve it.
public struct ReplenishmentProposal: Sendable, Codable, Equatable {
    /// The material.
    public let item: String
    /// Where the order is delivered.
    public let warehouse: String
    /// The unit of measure.
    public let unit: String
    /// The supplier to order from.
    public let supplier: String
    /// Whether the inventory position has reached the reorder point (`position ≤ s`).
    public let triggered: Bool
    /// Units to order: `S − position`, rounded up to the order multiple and at least the minimum; 0 when
    /// not triggered.
    public let quantity: Double
    /// Periods from now by which the goods are needed (the lead time).
    public let needByPeriods: Double
    /// The inventory position the decision was made on.
    public let inventoryPosition: Double
    /// The reorder point s.
    public let reorderPoint: Double
    /// The order-up-to level S = s + Q.
    public let orderUpTo: Double
    /// The lot size Q behind S (economic order quantity, at least the minimum, in order multiples).
    public let lotSize: Double
    /// The policy, in words.
    public let policy: String
    /// The forecast behind it.
    public let forecast: DemandForecast
    /// Expected share of demand served from stock.
    public let expectedFillRate: Double
    /// Probability that a replenishment cycle ends without a stockout.
    public let cycleServiceLevel: Double
    /// Expected holding, ordering and shortage cost per period under the policy.
    public let expectedCostPerPeriod: Double
    /// Why, in a sentence or two.
    public let explanation: String

    /// The payload of an ERP replenishment document for this proposal.
    public func document(kind: ReplenishmentDocument.Kind = .purchaseRequisition, needBy date: String) -> ReplenishmentDocument {
        ReplenishmentDocument(kind: kind, item: item, warehouse: warehouse, quantity: quantity, unit: unit, needBy: date, supplier: supplier)
    }
}

/// An ERP replenishment document: a purchase requisition (buy from a supplier) or a material request
/// (transfer or make), with the fields ERPs have in common.
public struct ReplenishmentDocument: Sendable, Codable, Equatable {
    /// The document type.
    public enum Kind: String, Sendable, Codable {
        /// Buy from a supplier.
        case purchaseRequisition = "purchase-requisition"
        /// Request material (transfer, production).
        case materialRequest = "material-request"
    }

    /// The document type.
    public let kind: Kind
    /// Item code.
    public let item: String
    /// Receiving warehouse.
    public let warehouse: String
    /// Quantity in `unit`.
    public let quantity: Double
    /// Unit of measure.
    public let unit: String
    /// Date the goods are needed (ISO 8601 date).
    public let needBy: String
    /// Supplier (purchase requisitions).
    public let supplier: String
}
