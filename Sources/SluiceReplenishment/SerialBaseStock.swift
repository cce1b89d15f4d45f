import Foundation
import SluiceStatistics

/// Optimal echelon base-stock levels of a serial supply chain (Clark–Scarf, in Chen and Zheng's
/// formulation), evaluated on a discretised grid.
///
/// Stage 1 faces the customer and stage N is furthest upstream. Stage j holds echelon holding cost
/// `h_j` per unit per period and receives goods `L_j` periods after its upstream stage ships them;
/// unmet demand at stage 1 is backordered at cost p per unit per period.
public enum SerialBaseStock {
    /// Demand per period at stage 1.
    public enum Demand: Sendable, Equatable {
        /// Poisson with this mean.
        case poisson(mean: Double)
        /// Normal with this mean and standard deviation.
        case normal(mean: Double, standardDeviation: Double)
    }

    /// How finely the cost functions are discretised.
    public struct Discretization: Sendable, Equatable {
        /// Cells in the inventory-level grid (normal demand; Poisson uses integers).
        public var inventoryCells: Int = 1_000
        /// Cells in each stage's lead-time demand grid (normal demand).
        public var demandCells: Int = 100
        /// Probability left out below each stage's lead-time demand grid.
        public var lowerTail: Double = tail(4)
        /// Probability left out above each stage's lead-time demand grid.
        public var upperTail: Double = tail(4)
        /// Probability left out below the total lead-time demand that spans the inventory grid.
        public var totalLowerTail: Double = tail(4)
        /// Probability left out above the total lead-time demand that spans the inventory grid.
        public var totalUpperTail: Double = tail(4)

        /// The defaults: 1,000 inventory cells, 100 demand cells, tails of 1 − Φ(4).
        public init() {}

        /// `1 − Φ(k)`, as a double computed the way a tail constant is written: `1 − fl(Φ(k))`.
        public static func tail(_ k: Double) -> Double { 1 - Distributions.normalCDF(k) }
    }

    /// The optimal policy.
    public struct Solution: Sendable, Equatable {
        /// The echelon base-stock level of each stage, stage 1 first.
        public let echelonBaseStock: [Double]
        /// The expected cost per period.
        public let cost: Double
    }

    /// Optimises the echelon base-stock levels; arrays are indexed stage 1 first.
    ///
    /// - Throws: ``ReplenishmentError`` naming the first invalid input.
    public static func optimize(
        echelonHoldingCosts h: [Double], leadTimes: [Double], stockoutCost p: Double, demand: Demand,
        discretization: Discretization = Discretization()
    ) throws -> Solution {
        let n = h.count
        guard n >= 1 else { throw ReplenishmentError(field: "echelon_holding_cost", "needs at least one stage") }
        guard leadTimes.count == n else {
            throw ReplenishmentError(field: "lead_time", "needs one lead time per stage (\(n)), got \(leadTimes.count)")
        }
        for j in 0..<n {
            try ReplenishmentError.require(h[j], "echelon_holding_cost[\(j + 1)]")
            try ReplenishmentError.require(leadTimes[j], "lead_time[\(j + 1)]")
        }
        try ReplenishmentError.require(p, "stockout_cost_p", positive: true)
        let mean: Double
        switch demand {
        case .poisson(let m): mean = try ReplenishmentError.require(m, "demand_mean", positive: true)
        case .normal(let m, let sd):
            mean = try ReplenishmentError.require(m, "demand_mean", positive: true)
            try ReplenishmentError.require(sd, "demand_sd", positive: true)
        }
        guard discretization.inventoryCells >= 1, discretization.demandCells >= 1 else {
            throw ReplenishmentError(field: "discretization", "needs at least one cell in each grid")
        }
        let discrete: Bool
        if case .poisson = demand { discrete = true } else { discrete = false }

        // The inventory grid spans the total lead-time demand on both sides.
        let total = LeadTimeDemand(demand: demand, periods: leadTimes.reduce(0, +))
        let totalLow = discrete ? -1 : total.lower(discretization.totalLowerTail)
        let totalHigh = total.upper(discretization.totalUpperTail)
        let (xLow, dx, cells) = gridSpacing(low: totalLow - totalHigh, high: totalHigh, cells: discretization.inventoryCells, discrete: discrete)
        let x = (0...cells).map { Double($0) * dx + xLow }
        let beyond = Int((totalHigh / dx).rounded(.up))
        let xExtended = (-beyond...(cells + beyond)).map { Double($0) * dx + xLow }

        let totalHolding = h.reduce(0, +)
        let bigH = p + totalHolding
        var previous = x.map { bigH * max(-$0, 0) }
        var levels: [Double] = []
        var best = 0.0
        for j in 0..<n {
            let hat = zip(x, previous).map { h[j] * $0 + $1 }
            // Left of the grid ĝ_j is linear; its asymptote extends it.
            let a = leadTimes[0..<j].reduce(0, +)
            var asymptote = xExtended.map { -bigH * ($0 - mean * a) }
            for i in 0...j {
                let b = leadTimes[i..<j].reduce(0, +)
                for k in asymptote.indices { asymptote[k] += h[i] * (xExtended[k] - mean * b) }
            }
            let (d, weights) = LeadTimeDemand(demand: demand, periods: leadTimes[j]).grid(discretization, discrete: discrete)
            var stage = [Double](repeating: 0, count: x.count)
            for i in x.indices {
                var sum = 0.0
                for r in d.indices {
                    let v = x[i] - d[r]
                    sum += weights[r] * (v < xLow ? asymptote[nearest(xExtended, v)] : hat[nearest(x, v)])
                }
                stage[i] = sum
            }
            var arg = 0
            for i in stage.indices where stage[i] < stage[arg] { arg = i }
            levels.append(x[arg])
            best = stage[arg]
            previous = x.indices.map { x[$0] <= x[arg] ? stage[$0] : stage[arg] }
        }
        return Solution(echelonBaseStock: levels, cost: best)
    }

    /// The start, step and number of cells of a grid from `low` to `high`: whole units for discrete
    /// demand, `cells` equal cells otherwise, a single point when the range is empty.
    static func gridSpacing(low: Double, high: Double, cells: Int, discrete: Bool) -> (start: Double, step: Double, cells: Int) {
        if discrete {
            let start = low.rounded(.toNearestOrEven)
            return (start, 1, Int((high - start).rounded(.toNearestOrEven)))
        }
        if high > low { return (low, (high - low) / Double(cells), cells) }
        return ((low + high) / 2, 1, 0)
    }

    /// The index of the grid point nearest to v (an exact tie goes to the upper one).
    static func nearest(_ grid: [Double], _ v: Double) -> Int {
        var lo = 0
        var hi = grid.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if grid[mid] < v { lo = mid + 1 } else { hi = mid }
        }
        if lo > 0, lo == grid.count || abs(v - grid[lo - 1]) < abs(v - grid[lo]) { return lo - 1 }
        return lo
    }

    /// Demand over a number of periods and its discretisation.
    struct LeadTimeDemand {
        let demand: Demand
        let periods: Double

        private var isPointMass: Bool { periods == 0 }

        func lower(_ tail: Double) -> Double {
            switch demand {
            case .poisson: return -1
            case .normal(let m, let sd):
                if isPointMass { return -1 }
                return m * periods + sd * periods.squareRoot() * Distributions.normalQuantile(tail)
            }
        }

        func upper(_ tail: Double) -> Double {
            let q = 1 - tail
            if isPointMass { return 0 }
            switch demand {
            case .poisson(let m):
                var k = 0
                while LossFunctions.poissonCDF(k, mean: m * periods) < q { k += 1 }
                return Double(k)
            case .normal(let m, let sd):
                return m * periods + sd * periods.squareRoot() * Distributions.normalQuantile(q)
            }
        }

        func cdf(_ v: Double) -> Double {
            if isPointMass { return v >= 0 ? 1 : 0 }
            switch demand {
            case .poisson(let m): return v < 0 ? 0 : LossFunctions.poissonCDF(Int(v.rounded(.down)), mean: m * periods)
            case .normal(let m, let sd): return Distributions.normalCDF((v - m * periods) / (sd * periods.squareRoot()))
            }
        }

        /// Grid points and the probability of the cell around each; the tails go to the end cells.
        func grid(_ settings: Discretization, discrete: Bool) -> ([Double], [Double]) {
            let low0 = max(lower(settings.lowerTail), 0)
            let (low, step, cells) = SerialBaseStock.gridSpacing(
                low: low0, high: max(upper(settings.upperTail), low0), cells: settings.demandCells, discrete: discrete || isPointMass)
            var points: [Double] = []
            for k in 0...cells {
                let up = k == cells ? 1 : cdf((Double(k) + 0.5) * step + low)
                let down = k == 0 ? 0 : cdf((Double(k) - 0.5) * step + low)
                if up > down { points.append(Double(k) * step + low) }
            }
            let weights = points.indices.map { r in
                (r == points.count - 1 ? 1 : cdf(points[r] + step * 0.5)) - (r == 0 ? 0 : cdf(points[r] - step * 0.5))
            }
            return (points, weights)
        }
    }
}
