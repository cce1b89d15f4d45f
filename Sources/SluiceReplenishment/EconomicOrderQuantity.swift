/// The economic order quantity and its variants: deterministic demand at rate λ, fixed cost K per
/// order, holding cost h per unit per unit time. Costs are per unit time and exclude the purchase
/// cost, except with quantity discounts, where the price depends on the quantity.
public enum EconomicOrderQuantity {
    /// An order quantity and its cost per unit time.
    public struct Solution: Sendable, Equatable {
        /// The order quantity.
        public let quantity: Double
        /// The cost per unit time.
        public let cost: Double
        /// With planned backorders: the fraction of demand backordered.
        public let stockoutFraction: Double?
        /// With quantity discounts: the index of the price region chosen.
        public let region: Int?
    }

    /// `Q* = √(2Kλ/h)`, `g* = √(2Kλh)`.
    public static func classic(fixedCost k: Double, holdingCost h: Double, demandRate lambda: Double) throws -> Solution {
        try ReplenishmentError.require(k, "fixed_cost_K")
        try ReplenishmentError.require(h, "holding_cost_h", positive: true)
        try ReplenishmentError.require(lambda, "demand_rate_lambda")
        return Solution(quantity: (2 * k * lambda / h).squareRoot(), cost: (2 * k * lambda * h).squareRoot(), stockoutFraction: nil, region: nil)
    }

    /// With planned backorders at cost p per unit per unit time: `Q* = √(2Kλ(h+p)/(hp))`,
    /// stockout fraction `h/(h+p)`, `g* = √(2Kλhp/(h+p))`.
    public static func withBackorders(fixedCost k: Double, holdingCost h: Double, stockoutCost p: Double, demandRate lambda: Double) throws
        -> Solution
    {
        try ReplenishmentError.require(k, "fixed_cost_K")
        try ReplenishmentError.require(h, "holding_cost_h", positive: true)
        try ReplenishmentError.require(p, "stockout_cost_p", positive: true)
        try ReplenishmentError.require(lambda, "demand_rate_lambda")
        return Solution(
            quantity: (2 * k * lambda * (h + p) / (h * p)).squareRoot(), cost: (2 * k * lambda * h * p / (h + p)).squareRoot(),
            stockoutFraction: h / (h + p), region: nil)
    }

    /// With a finite production rate μ > λ (EPQ): `Q* = √(2Kλ/(h(1−λ/μ)))`, `g* = √(2Kλh(1−λ/μ))`.
    public static func withProductionRate(fixedCost k: Double, holdingCost h: Double, demandRate lambda: Double, productionRate mu: Double) throws
        -> Solution
    {
        try ReplenishmentError.require(mu, "production_rate_mu", positive: true)
        guard lambda < mu else { throw ReplenishmentError(field: "production_rate_mu", "must exceed the demand rate \(lambda), got \(mu)") }
        let rho = lambda / mu
        let base = try classic(fixedCost: k, holdingCost: h * (1 - rho), demandRate: lambda)
        return Solution(quantity: base.quantity, cost: base.cost, stockoutFraction: nil, region: nil)
    }

    /// With all-units quantity discounts: the unit price is `unitCosts[j]` for every unit when the order is
    /// at least `breakpoints[j]`; holding cost is `i·c_j`. Each region's best feasible quantity (its EOQ,
    /// raised to the breakpoint when below it, none when above the next) is costed at
    /// `cλ + Kλ/Q + icQ/2`, purchase included, and the cheapest is chosen.
    public static func withAllUnitsDiscounts(
        fixedCost k: Double, holdingCostRate i: Double, demandRate lambda: Double, breakpoints: [Double], unitCosts: [Double]
    ) throws -> Solution {
        try ReplenishmentError.require(k, "fixed_cost_K")
        try ReplenishmentError.require(i, "holding_cost_rate_i", positive: true)
        try ReplenishmentError.require(lambda, "demand_rate_lambda", positive: true)
        guard !breakpoints.isEmpty, breakpoints.count == unitCosts.count else {
            throw ReplenishmentError(
                field: "breakpoints", "needs one unit cost per breakpoint (\(breakpoints.count) breakpoints, \(unitCosts.count) unit costs)")
        }
        guard breakpoints[0] == 0, zip(breakpoints, breakpoints.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw ReplenishmentError(field: "breakpoints", "must start at 0 and increase, got \(breakpoints)")
        }
        for (j, c) in unitCosts.enumerated() { try ReplenishmentError.require(c, "unit_costs[\(j)]", positive: true) }
        var best: Solution?
        for j in breakpoints.indices {
            let c = unitCosts[j]
            let eoq = (2 * k * lambda / (i * c)).squareRoot()
            let upper = j + 1 < breakpoints.count ? breakpoints[j + 1] : .infinity
            guard eoq < upper else { continue }
            let q = max(eoq, breakpoints[j])
            guard q > 0 else { continue }
            let cost = c * lambda + k * lambda / q + i * c * q / 2
            if best == nil || cost < best!.cost { best = Solution(quantity: q, cost: cost, stockoutFraction: nil, region: j) }
        }
        guard let best else { throw ReplenishmentError(field: "breakpoints", "no price region admits a positive order quantity") }
        return best
    }
}
