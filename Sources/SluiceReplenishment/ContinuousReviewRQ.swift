import Foundation
import SluiceStatistics

/// The continuous-review (r, Q) policy with backorders: when the inventory position falls to r, order Q.
/// Demand arrives at rate λ per unit time; lead-time demand is normal with mean λL and standard
/// deviation τ√L. Holding cost h per unit per unit time, stockout cost p per unit backordered per unit
/// time, fixed cost K per order; costs are per unit time.
public enum ContinuousReviewRQ {
    /// Demand and costs of one item.
    public struct Problem: Sendable, Equatable {
        /// Holding cost per unit per unit time.
        public var holdingCost: Double
        /// Backorder cost per unit per unit time.
        public var stockoutCost: Double
        /// Fixed cost per order.
        public var fixedCost: Double
        /// Demand rate λ.
        public var demandRate: Double
        /// Standard deviation of demand per unit time, τ.
        public var demandStandardDeviation: Double
        /// Lead time L (> 0).
        public var leadTime: Double

        /// A problem; ``validate()`` checks it.
        public init(
            holdingCost: Double, stockoutCost: Double, fixedCost: Double, demandRate: Double, demandStandardDeviation: Double, leadTime: Double
        ) {
            self.holdingCost = holdingCost
            self.stockoutCost = stockoutCost
            self.fixedCost = fixedCost
            self.demandRate = demandRate
            self.demandStandardDeviation = demandStandardDeviation
            self.leadTime = leadTime
        }

        /// Mean lead-time demand λL.
        public var leadTimeMean: Double { demandRate * leadTime }
        /// Standard deviation of lead-time demand τ√L.
        public var leadTimeStandardDeviation: Double { demandStandardDeviation * leadTime.squareRoot() }

        /// Names the first invalid field.
        public func validate(needsFixedCost: Bool = true) throws {
            try ReplenishmentError.require(holdingCost, "holding_cost_h", positive: true)
            try ReplenishmentError.require(stockoutCost, "stockout_cost_p", positive: true)
            if needsFixedCost { try ReplenishmentError.require(fixedCost, "fixed_cost_K", positive: true) }
            try ReplenishmentError.require(demandRate, "demand_rate_lambda", positive: true)
            try ReplenishmentError.require(demandStandardDeviation, "demand_sd_tau", positive: true)
            guard leadTime > 0, leadTime.isFinite else {
                throw ReplenishmentError(
                    field: "lead_time_L", "must be greater than zero for an (r, Q) policy (lead-time demand needs a lead time), got \(leadTime)")
            }
        }

        /// `G(y) = h·n̄(y) + p·n(y)` for lead-time demand.
        func g(_ y: Double) -> Double {
            let sigma = leadTimeStandardDeviation
            let z = (y - leadTimeMean) / sigma
            return holdingCost * sigma * LossFunctions.normalComplementaryLoss(z) + stockoutCost * sigma * LossFunctions.normalLoss(z)
        }

        /// `n(y) = E[(D_L − y)⁺]`.
        func loss(_ y: Double) -> Double {
            leadTimeStandardDeviation * LossFunctions.normalLoss((y - leadTimeMean) / leadTimeStandardDeviation)
        }

        /// `n²(y)`, the second-order loss.
        func secondOrderLoss(_ y: Double) -> Double {
            let sigma = leadTimeStandardDeviation
            return sigma * sigma * LossFunctions.normalSecondOrderLoss((y - leadTimeMean) / sigma)
        }

        /// `n̄²(y)`, the complementary second-order loss.
        func complementarySecondOrderLoss(_ y: Double) -> Double {
            let sigma = leadTimeStandardDeviation
            let z = (y - leadTimeMean) / sigma
            return sigma * sigma * (0.5 * (z * z + 1) - LossFunctions.normalSecondOrderLoss(z))
        }

        var eoq: Double { (2 * fixedCost * demandRate / holdingCost).squareRoot() }
    }

    /// A policy.
    public struct Policy: Sendable, Equatable {
        /// The reorder point.
        public let reorderPoint: Double
        /// The order quantity.
        public let quantity: Double
        /// Its cost per unit time, when computed.
        public let cost: Double?
    }

    /// The exact cost of (r, Q): `(Kλ + ∫_r^{r+Q} G(y) dy) / Q`, the integral in closed form through the
    /// second-order loss functions.
    public static func cost(reorderPoint r: Double, quantity q: Double, problem: Problem) throws -> Double {
        try problem.validate()
        try ReplenishmentError.require(q, "order_quantity_Q", positive: true)
        guard r.isFinite else { throw ReplenishmentError(field: "reorder_point_r", "must be a finite number, got \(r)") }
        let h = problem.holdingCost
        let p = problem.stockoutCost
        let integral =
            h * (problem.complementarySecondOrderLoss(r + q) - problem.complementarySecondOrderLoss(r))
            + p * (problem.secondOrderLoss(r) - problem.secondOrderLoss(r + q))
        return (problem.fixedCost * problem.demandRate + integral) / q
    }

    /// The best r for a given Q, where `G(r) = G(r + Q)`: bisection on `[S − 5Q, S]` (S the minimiser of
    /// G) until `|G(r) − G(r + Q)| ≤ tolerance` (a tolerance on cost, as in the textbook's solver).
    public static func optimalReorderPoint(quantity q: Double, problem: Problem, tolerance: Double = 1e-6) throws -> Double {
        try problem.validate(needsFixedCost: false)
        try ReplenishmentError.require(q, "order_quantity_Q", positive: true)
        try ReplenishmentError.require(tolerance, "solver_tol", positive: true)
        let s =
            problem.leadTimeMean
            + problem.leadTimeStandardDeviation * Distributions.normalQuantile(problem.stockoutCost / (problem.stockoutCost + problem.holdingCost))
        var lo = s - 5 * q
        var hi = s
        var r = (lo + hi) / 2
        var gr = problem.g(r)
        var grq = problem.g(r + q)
        var steps = 0
        while abs(gr - grq) > tolerance, steps < 400 {
            if gr < grq { hi = r } else { lo = r }
            r = (lo + hi) / 2
            gr = problem.g(r)
            grq = problem.g(r + q)
            steps += 1
        }
        return r
    }

    /// The expected-inventory-level approximation: from Q = EOQ, alternate
    /// `r = μ_L + σ_L Φ⁻¹(1 − Qh/(pλ))` and `Q = √(2λ(K + p·n(r))/h)` until both move by at most
    /// `tolerance`; cost `h(r − μ_L + Q/2) + Kλ/Q + pλ·n(r)/Q`.
    public static func expectedInventoryLevelApproximation(problem: Problem, tolerance: Double = 1e-6) throws -> Policy {
        let h = problem.holdingCost
        let p = problem.stockoutCost
        let k = problem.fixedCost
        let lambda = problem.demandRate
        let (r, q) = try alternate(problem: problem, tolerance: tolerance) { q in
            let tail = 1 - q * h / (p * lambda)
            guard tail > 0 else {
                throw ReplenishmentError(
                    field: "stockout_cost_p", "is too low next to the holding cost for this approximation (Qh/(pλ) = \(q * h / (p * lambda)) ≥ 1)")
            }
            let r = problem.leadTimeMean + problem.leadTimeStandardDeviation * Distributions.normalQuantile(tail)
            return (r, (2 * lambda * (k + p * problem.loss(r)) / h).squareRoot())
        }
        let cost = h * (r - problem.leadTimeMean + q / 2) + k * lambda / q + p * lambda * problem.loss(r) / q
        return Policy(reorderPoint: r, quantity: q, cost: cost)
    }

    /// EOQ plus safety stock: `Q = EOQ`, `r = μ_L + σ_L Φ⁻¹(p/(p+h))`.
    public static func eoqPlusSafetyStock(problem: Problem) throws -> Policy {
        try problem.validate()
        let r =
            problem.leadTimeMean
            + problem.leadTimeStandardDeviation * Distributions.normalQuantile(problem.stockoutCost / (problem.stockoutCost + problem.holdingCost))
        return Policy(reorderPoint: r, quantity: problem.eoq, cost: nil)
    }

    /// The loss-function approximation: from Q = EOQ, alternate `r` solving `n(r) = hQ/(h+p)` and
    /// `Q = √(2(Kλ + (h+p)·n²(r))/h)` until both move by at most `tolerance`.
    public static func lossFunctionApproximation(problem: Problem, tolerance: Double = 1e-6) throws -> Policy {
        let h = problem.holdingCost
        let p = problem.stockoutCost
        let k = problem.fixedCost
        let lambda = problem.demandRate
        let sigma = problem.leadTimeStandardDeviation
        let (r, q) = try alternate(problem: problem, tolerance: tolerance) { q in
            let r = problem.leadTimeMean + sigma * LossFunctions.normalLossInverse(h * q / (h + p) / sigma)
            return (r, (2 * (k * lambda + (h + p) * problem.secondOrderLoss(r)) / h).squareRoot())
        }
        return Policy(reorderPoint: r, quantity: q, cost: nil)
    }

    /// The fixed-point iteration both approximations share: from r = 0 and Q = EOQ, `next` maps the last
    /// Q to a new (r, Q) until both move by at most `tolerance` (the textbook's stopping rule, which the
    /// results depend on).
    private static func alternate(problem: Problem, tolerance: Double, next: (Double) throws -> (Double, Double)) throws -> (Double, Double) {
        try problem.validate()
        try ReplenishmentError.require(tolerance, "solver_tol", positive: true)
        var q = problem.eoq
        var r = 0.0
        var previousQ = Double.infinity
        var previousR = Double.infinity
        var passes = 0
        while abs(q - previousQ) > tolerance || abs(r - previousR) > tolerance {
            previousQ = q
            previousR = r
            (r, q) = try next(q)
            passes += 1
            guard passes < 1_000 else { throw ReplenishmentError(field: "solver_tol", "the iteration did not settle in 1,000 passes") }
        }
        return (r, q)
    }

    /// The exact optimum for Poisson demand at rate λ (Federgruen & Zheng 1992): the cost of integer
    /// (r, Q) is `(Kλ + Σ_{y=r+1}^{r+Q} G(y)) / Q` with G for Poisson lead-time demand; starting from
    /// Q = 1 at the newsvendor level, the window of Q consecutive levels grows by whichever end is
    /// cheaper until the average cost rises.
    public static func poissonOptimal(holdingCost h: Double, stockoutCost p: Double, fixedCost k: Double, demandRate lambda: Double, leadTime: Double)
        throws -> Policy
    {
        try ReplenishmentError.require(h, "holding_cost_h", positive: true)
        try ReplenishmentError.require(p, "stockout_cost_p", positive: true)
        try ReplenishmentError.require(k, "fixed_cost_K", positive: true)
        try ReplenishmentError.require(lambda, "demand_rate_lambda", positive: true)
        guard leadTime > 0, leadTime.isFinite else {
            throw ReplenishmentError(field: "lead_time_L", "must be greater than zero for an (r, Q) policy, got \(leadTime)")
        }
        let demand = try DiscreteDemand.poisson(mean: lambda * leadTime)
        func g(_ y: Int) -> Double { h * demand.complementaryLoss(y) + p * demand.loss(y) }
        func cost(_ r: Int, _ q: Int) -> Double { (k * lambda + (r + 1...r + q).reduce(0) { $0 + g($1) }) / Double(q) }
        let ratio = p / (p + h)
        var s = 0
        while demand.cdf(s) < ratio { s += 1 }
        var q = 1
        var r = s - 1
        var current = cost(r, 1)
        while true {
            let previous = current
            let previousR = r
            if g(r) < g(r + q + 1) { r -= 1 }
            current = cost(r, q + 1)
            if current > previous { return Policy(reorderPoint: Double(previousR), quantity: Double(q), cost: previous) }
            q += 1
            guard q < 1_000_000 else { throw ReplenishmentError(field: "fixed_cost_K", "the search did not end: check the costs") }
        }
    }
}
