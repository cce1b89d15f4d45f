import SluiceStatistics

/// The newsvendor and the periodic-review base-stock policy with backorders: holding cost h per unit
/// left over, stockout cost p per unit short, per period. With a lead time of L periods the order-up-to
/// level covers L + 1 periods of demand.
public enum Newsvendor {
    /// A base-stock level and its expected cost per period.
    public struct Solution: Sendable, Equatable {
        /// The order-up-to (base-stock) level.
        public let level: Double
        /// The expected holding and stockout cost per period.
        public let cost: Double
    }

    /// Normal demand per period (mean, sd): `S* = μ' + σ'·Φ⁻¹(p/(p+h))` with `μ' = (L+1)μ`,
    /// `σ' = √(L+1)·σ`; the cost of a level S is `h·n̄(S) + p·n(S)`. Evaluates `level` when given.
    public static func normal(
        holdingCost h: Double, stockoutCost p: Double, mean: Double, standardDeviation sd: Double, leadTime: Double = 0, level: Double? = nil
    ) throws -> Solution {
        try ReplenishmentError.require(h, "holding_cost_h", positive: true)
        try ReplenishmentError.require(p, "stockout_cost_p", positive: true)
        try ReplenishmentError.require(mean, "demand_mean")
        try ReplenishmentError.require(sd, "demand_sd", positive: true)
        try ReplenishmentError.require(leadTime, "lead_time_L")
        let mu = (leadTime + 1) * mean
        let sigma = (leadTime + 1).squareRoot() * sd
        let s = level ?? mu + sigma * Distributions.normalQuantile(p / (p + h))
        let z = (s - mu) / sigma
        let cost = h * sigma * LossFunctions.normalComplementaryLoss(z) + p * sigma * LossFunctions.normalLoss(z)
        return Solution(level: s, cost: cost)
    }

    /// Poisson demand per period: the smallest integer S with `F(S) ≥ p/(p+h)`.
    public static func poisson(holdingCost h: Double, stockoutCost p: Double, mean: Double, leadTime: Double = 0) throws -> Solution {
        try ReplenishmentError.require(mean, "demand_mean")
        try ReplenishmentError.require(leadTime, "lead_time_L")
        let mu = (leadTime + 1) * mean
        return try discrete(holdingCost: h, stockoutCost: p, maximum: Int(mu + 12 * mu.squareRoot() + 20)) { LossFunctions.poissonPMF($0, mean: mu) }
    }

    /// Discrete demand with probabilities `pmf` over the values `0…maximum`: the smallest S with
    /// `F(S) ≥ p/(p+h)`, costed exactly.
    public static func discrete(holdingCost h: Double, stockoutCost p: Double, maximum: Int, pmf: (Int) -> Double) throws -> Solution {
        try ReplenishmentError.require(h, "holding_cost_h", positive: true)
        try ReplenishmentError.require(p, "stockout_cost_p", positive: true)
        let probabilities = (0...max(maximum, 0)).map(pmf)
        for (d, f) in probabilities.enumerated() where !f.isFinite || f < 0 {
            throw ReplenishmentError(field: "demand_pmf[\(d)]", "must be a probability, got \(f)")
        }
        let ratio = p / (p + h)
        var cumulative = 0.0
        var level = probabilities.count - 1
        for (d, f) in probabilities.enumerated() {
            cumulative += f
            if cumulative >= ratio - 1e-12 {
                level = d
                break
            }
        }
        var cost = 0.0
        for (d, f) in probabilities.enumerated() {
            cost += f * (d <= level ? h * Double(level - d) : p * Double(d - level))
        }
        return Solution(level: Double(level), cost: cost)
    }
}
