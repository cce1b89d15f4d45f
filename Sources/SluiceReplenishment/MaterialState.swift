/// What the twin knows of a material at one warehouse: stock, open orders, demand history, supply and
/// costs. Quantities are in the material's unit; time is in periods (days, for daily demand history).
public struct MaterialState: Sendable, Codable, Equatable {
    /// The item code.
    public var item: String
    /// The warehouse (or plant storage location).
    public var warehouse: String
    /// The unit of measure.
    public var unit: String
    /// The preferred supplier.
    public var supplier: String
    /// Units on hand.
    public var onHand: Double
    /// Units ordered and not yet received.
    public var onOrder: Double
    /// Units owed to demand that could not be served.
    public var backorders: Double
    /// Demand per period, oldest first.
    public var demandHistory: [Double]
    /// Periods from order to receipt.
    public var leadTime: Double
    /// Standard deviation of the lead time, in periods.
    public var leadTimeStandardDeviation: Double
    /// Periods between reviews (1 for daily review).
    public var reviewPeriod: Double
    /// Cost of holding one unit for one period.
    public var holdingCost: Double
    /// Fixed cost of placing one order.
    public var orderingCost: Double
    /// Cost of each unit of demand not served from stock.
    public var shortageCost: Double
    /// The smallest quantity the supplier accepts (0 for none).
    public var minimumOrderQuantity: Double
    /// Orders are multiples of this (1 for whole units).
    public var orderMultiple: Double
    /// The fill rate to plan for (share of demand served from stock); `nil` balances the costs instead.
    public var fillRateTarget: Double?

    /// A material state; optional fields default to no lead-time variability, daily review, no minimum,
    /// whole units and cost-based service.
    public init(
        item: String, warehouse: String, unit: String = "pcs", supplier: String, onHand: Double, onOrder: Double = 0, backorders: Double = 0,
        demandHistory: [Double], leadTime: Double, leadTimeStandardDeviation: Double = 0, reviewPeriod: Double = 1, holdingCost: Double,
        orderingCost: Double, shortageCost: Double, minimumOrderQuantity: Double = 0, orderMultiple: Double = 1, fillRateTarget: Double? = nil
    ) {
        self.item = item
        self.warehouse = warehouse
        self.unit = unit
        self.supplier = supplier
        self.onHand = onHand
        self.onOrder = onOrder
        self.backorders = backorders
        self.demandHistory = demandHistory
        self.leadTime = leadTime
        self.leadTimeStandardDeviation = leadTimeStandardDeviation
        self.reviewPeriod = reviewPeriod
        self.holdingCost = holdingCost
        self.orderingCost = orderingCost
        self.shortageCost = shortageCost
        self.minimumOrderQuantity = minimumOrderQuantity
        self.orderMultiple = orderMultiple
        self.fillRateTarget = fillRateTarget
    }

    /// On hand plus on order minus backorders: what ordering decisions compare with the reorder point.
    public var inventoryPosition: Double { onHand + onOrder - backorders }

    /// Checks every field and names the first one that is wrong.
    public func validate() throws {
        for (name, value) in [
            ("onHand", onHand), ("onOrder", onOrder), ("backorders", backorders), ("leadTime", leadTime),
            ("leadTimeStandardDeviation", leadTimeStandardDeviation), ("holdingCost", holdingCost), ("orderingCost", orderingCost),
            ("shortageCost", shortageCost), ("minimumOrderQuantity", minimumOrderQuantity),
        ] {
            try ReplenishmentError.require(value, name)
        }
        try ReplenishmentError.require(holdingCost, "holdingCost", positive: true)
        try ReplenishmentError.require(shortageCost, "shortageCost", positive: true)
        try ReplenishmentError.require(reviewPeriod, "reviewPeriod", positive: true)
        try ReplenishmentError.require(orderMultiple, "orderMultiple", positive: true)
        if let fillRateTarget, !(fillRateTarget > 0 && fillRateTarget < 1) {
            throw ReplenishmentError(field: "fillRateTarget", "must be between 0 and 1 (exclusive), got \(fillRateTarget)")
        }
        for (name, value) in [("item", item), ("warehouse", warehouse), ("supplier", supplier), ("unit", unit)] where value.isEmpty {
            throw ReplenishmentError(field: name, "must not be empty")
        }
    }
}
