/// Wagner–Whitin dynamic lot sizing: known demand per period, a fixed cost per order and a holding
/// cost per unit carried to the next period, both possibly varying by period; no backorders.
public enum WagnerWhitin {
    /// An optimal plan.
    public struct Plan: Sendable, Equatable {
        /// Units ordered at the start of each period (index 0 is period 1).
        public let orders: [Double]
        /// Total fixed and holding cost.
        public let cost: Double
        /// For each period t, the period of the next order when an order is placed in t (the dynamic
        /// program's choice); `demand.count + 1` means no further order.
        public let nextOrderPeriods: [Int]
    }

    /// Solves the dynamic program `θ(t) = min over s > t of [K_t if d_t…d_{s−1} > 0] + Σ_{t≤i<s} h_t·(i − t)·d_i + θ(s)`,
    /// `θ(T+1) = 0`. Conventions: a unit ordered in period t and used in period i costs the holding rate
    /// of the order period, `h_t`, for each of the `i − t` periods it waits; an order that covers no
    /// demand costs nothing; among equally cheap plans the earliest next order wins.
    ///
    /// - Throws: ``ReplenishmentError`` for negative costs or demand, or cost arrays of the wrong length.
    public static func plan(demand: [Double], fixedCost: [Double], holdingCost: [Double]) throws -> Plan {
        let n = demand.count
        guard n > 0 else { throw ReplenishmentError(field: "demand", "is empty: at least one period is needed") }
        guard fixedCost.count == n else {
            throw ReplenishmentError(field: "fixed_cost_K", "needs \(n) values (one per period), got \(fixedCost.count)")
        }
        guard holdingCost.count == n else {
            throw ReplenishmentError(field: "holding_cost_h", "needs \(n) values (one per period), got \(holdingCost.count)")
        }
        for t in 0..<n {
            try ReplenishmentError.require(demand[t], "demand[\(t + 1)]")
            try ReplenishmentError.require(fixedCost[t], "fixed_cost_K[\(t + 1)]")
            try ReplenishmentError.require(holdingCost[t], "holding_cost_h[\(t + 1)]")
        }
        // theta[t]: least cost of periods t…n−1 entering t with no stock (0-based); theta[n] = 0.
        var theta = [Double](repeating: 0, count: n + 1)
        var next = [Int](repeating: n, count: n)
        for t in stride(from: n - 1, through: 0, by: -1) {
            var best = Double.infinity
            var covered = 0.0
            var holding = 0.0
            for s in (t + 1)...n {
                let i = s - 1
                covered += demand[i]
                holding += holdingCost[t] * Double(i - t) * demand[i]
                let cost = (covered > 0 ? fixedCost[t] : 0) + holding + theta[s]
                if cost < best {
                    best = cost
                    next[t] = s
                }
            }
            theta[t] = best
        }
        var orders = [Double](repeating: 0, count: n)
        var t = 0
        while t < n {
            orders[t] = demand[t..<next[t]].reduce(0, +)
            t = next[t]
        }
        return Plan(orders: orders, cost: theta[0], nextOrderPeriods: next.map { $0 + 1 })
    }
}
