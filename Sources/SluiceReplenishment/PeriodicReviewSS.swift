import Foundation

/// The periodic-review (s, S) policy with backorders: at each review, when the inventory position is at
/// or below s, order up to S. Holding cost h and stockout cost p per unit per period, fixed cost K per
/// order; with a lead time of L periods, each period's cost is that of L + 1 periods of demand.
public enum PeriodicReviewSS {
    /// A policy and its long-run cost per period.
    public struct Solution: Sendable, Equatable {
        /// The reorder point: order when the inventory position is at or below it.
        public let reorderPoint: Double
        /// The order-up-to level.
        public let orderUpTo: Double
        /// Expected cost per period (nil for approximations that do not cost the policy).
        public let cost: Double?
    }

    /// The exact optimum for integer demand with probabilities `pmf` per period (Zheng & Federgruen 1991).
    ///
    /// - Throws: ``ReplenishmentError`` for non-positive costs or a pmf that has no mass.
    public static func optimal(
        holdingCost h: Double, stockoutCost p: Double, fixedCost k: Double, pmf: DiscreteDemand
    ) throws -> Solution {
        var model = try Model(holdingCost: h, stockoutCost: p, fixedCost: k, demand: pmf)
        // 1. The minimiser of the one-period cost; s starts there and falls until ordering from s is no
        //    dearer than the average cost of (s, y*).
        var yStar = 0
        while model.g(yStar + 1) < model.g(yStar) { yStar += 1 }
        while model.g(yStar - 1) < model.g(yStar) { yStar -= 1 }
        var s = yStar
        repeat { s -= 1 } while model.cost(s: s, orderUpTo: yStar) > model.g(s)
        var bestS = yStar
        var best = model.cost(s: s, orderUpTo: bestS)
        // 2. Raise S while the one-period cost there stays below the best average cost, moving s up
        //    whenever a better S makes that pay.
        var candidate = bestS + 1
        while model.g(candidate) <= best {
            let c = model.cost(s: s, orderUpTo: candidate)
            if c < best {
                bestS = candidate
                while model.cost(s: s, orderUpTo: bestS) <= model.g(s + 1) { s += 1 }
                best = model.cost(s: s, orderUpTo: bestS)
            }
            candidate += 1
        }
        return Solution(reorderPoint: Double(s), orderUpTo: Double(bestS), cost: best)
    }

    /// The expected cost per period of a given (s, S) for integer demand.
    public static func cost(
        reorderPoint s: Int, orderUpTo bigS: Int, holdingCost h: Double, stockoutCost p: Double, fixedCost k: Double, pmf: DiscreteDemand
    ) throws -> Double {
        guard bigS > s else { throw ReplenishmentError(field: "S", "must exceed s (s = \(s), S = \(bigS))") }
        var model = try Model(holdingCost: h, stockoutCost: p, fixedCost: k, demand: pmf)
        return model.cost(s: s, orderUpTo: bigS)
    }

    /// Ehrhardt and Mosier's power approximation for normal demand (mean, sd per period):
    /// `Q = 1.30 μ^0.494 (K/h)^0.506 (1 + σ²/μ²)^0.116`, `z = √(Q h / (σ p))`,
    /// `s = 0.973 μ + σ (0.183/z + 1.063 − 2.192 z)`, `S = s + Q`; with a lead time, μ and σ are those of
    /// L + 1 periods in s and z.
    public static func powerApproximation(
        holdingCost h: Double, stockoutCost p: Double, fixedCost k: Double, mean: Double, standardDeviation sd: Double, leadTime: Double = 0
    ) throws -> Solution {
        try ReplenishmentError.require(h, "holding_cost_h", positive: true)
        try ReplenishmentError.require(p, "stockout_cost_p", positive: true)
        try ReplenishmentError.require(k, "fixed_cost_K", positive: true)
        try ReplenishmentError.require(mean, "demand_mean", positive: true)
        try ReplenishmentError.require(sd, "demand_sd", positive: true)
        try ReplenishmentError.require(leadTime, "lead_time_L")
        let muL = (leadTime + 1) * mean
        let sigmaL = (leadTime + 1).squareRoot() * sd
        let q = 1.30 * pow(mean, 0.494) * pow(k / h, 0.506) * pow(1 + sigmaL * sigmaL / (mean * mean), 0.116)
        let z = (q / sigmaL * h / p).squareRoot()
        let s = 0.973 * muL + sigmaL * (0.183 / z + 1.063 - 2.192 * z)
        return Solution(reorderPoint: s, orderUpTo: s + q, cost: nil)
    }

    /// The cost structure of one item: the one-period cost G and the renewal quantities behind c(s, S).
    struct Model {
        let h: Double, p: Double, k: Double
        let demand: DiscreteDemand
        private var renewal: [Double] = []  // m(j)
        private var cumulative: [Double] = [0]  // M(j) = Σ_{i<j} m(i)

        init(holdingCost h: Double, stockoutCost p: Double, fixedCost k: Double, demand: DiscreteDemand) throws {
            try ReplenishmentError.require(h, "holding_cost_h", positive: true)
            try ReplenishmentError.require(p, "stockout_cost_p", positive: true)
            try ReplenishmentError.require(k, "fixed_cost_K")
            guard demand.probability(0) < 1 else {
                throw ReplenishmentError(field: "demand", "is zero with certainty: there is nothing to replenish")
            }
            self.h = h
            self.p = p
            self.k = k
            self.demand = demand
        }

        /// Expected holding and stockout cost of a period that starts with inventory position y.
        func g(_ y: Int) -> Double {
            h * demand.complementaryLoss(y) + p * demand.loss(y)
        }

        /// The average cost per period of (s, S): `[K + Σ_{d<S−s} m(d)·G(S−d)] / M(S−s)`.
        mutating func cost(s: Int, orderUpTo: Int) -> Double {
            let span = orderUpTo - s
            extend(to: span)
            var total = k
            for d in 0..<span { total += renewal[d] * g(orderUpTo - d) }
            return total / cumulative[span]
        }

        /// Extends m and M through index `n`: `m(0) = 1/(1 − p₀)`, `m(j) = Σ_{l=1…j} p_l m(j − l) / (1 − p₀)`.
        private mutating func extend(to n: Int) {
            let p0 = demand.probability(0)
            while renewal.count < n {
                let j = renewal.count
                var value = j == 0 ? 1.0 : 0.0
                for l in stride(from: 1, through: j, by: 1) { value += demand.probability(l) * renewal[j - l] }
                renewal.append(value / (1 - p0))
                cumulative.append(cumulative[j] + renewal[j])
            }
        }
    }
}
