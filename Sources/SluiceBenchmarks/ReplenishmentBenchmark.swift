import Foundation
public import SluiceReplenishment
import SluiceSimulation
import SluiceTelemetry

/// A year of daily demand for a population of materials of mixed demand classes, with stochastic lead
/// times, replenished by Sluice's proposals and by a static min/max rule of the kind ERPs ship.
public enum ReplenishmentBenchmark {
    /// One simulated material: how its demand and supply behave, and its costs.
    public struct Material: Sendable {
        /// Index, for names.
        public let index: Int
        /// The class its demand was generated as.
        public let demandClass: DemandClass
        /// Daily demand: the history before the simulated year, then the year.
        public let demand: [Double]
        /// Mean lead time in days.
        public let leadTime: Double
        /// Standard deviation of the lead time in days.
        public let leadTimeStandardDeviation: Double
        /// Value of one unit.
        public let unitCost: Double
        /// Fixed cost of one order.
        public let orderingCost: Double
        /// Order multiple (pack size).
        public let orderMultiple: Double
        /// Minimum order quantity.
        public let minimumOrderQuantity: Double
    }

    /// Days of demand history before the simulated year.
    public static let historyDays = 180

    /// Generates `count` materials, a quarter of each demand class, fixed by `seed`.
    public static func materials(count: Int, days: Int = 365, seed: UInt64 = 7) -> [Material] {
        var random = SeededGenerator(seed: seed)
        return (0..<count).map { index in
            let demandClass = DemandClass.allCases[index % 4]
            let total = historyDays + days
            var demand = [Double](repeating: 0, count: total)
            switch demandClass {
            case .smooth:
                let mean = 10 + 50 * random.uniform()
                for t in 0..<total { demand[t] = max(0, (mean + 0.25 * mean * random.normal()).rounded()) }
            case .erratic:
                let mean = 10 + 50 * random.uniform()
                for t in 0..<total where random.uniform() < 0.9 { demand[t] = max(1, gamma(shape: 1, mean: mean, &random).rounded()) }
            case .intermittent:
                let probability = 0.15 + 0.3 * random.uniform()
                let mean = 5 + 25 * random.uniform()
                for t in 0..<total where random.uniform() < probability { demand[t] = max(1, gamma(shape: 8, mean: mean, &random).rounded()) }
            case .lumpy:
                let probability = 0.1 + 0.3 * random.uniform()
                let mean = 5 + 35 * random.uniform()
                for t in 0..<total where random.uniform() < probability { demand[t] = max(1, gamma(shape: 0.8, mean: mean, &random).rounded()) }
            }
            let leadTime = Double(3 + Int(13 * random.uniform()))
            let pack = [1.0, 1, 5, 10][Int(4 * random.uniform()) % 4]
            return Material(
                index: index, demandClass: demandClass, demand: demand, leadTime: leadTime, leadTimeStandardDeviation: 0.25 * leadTime,
                unitCost: 1 + 99 * random.uniform(), orderingCost: 20 + 80 * random.uniform(), orderMultiple: pack, minimumOrderQuantity: pack * 2)
        }
    }

    /// A replenishment rule: given a material, its state and the day, the quantity to order now.
    public typealias Rule = @Sendable (Material, MaterialState, Int) throws -> Double

    /// What a year of replenishment achieved, over all materials.
    public struct Outcome: Sendable, Codable {
        /// The rule's name.
        public let rule: String
        /// Share of demand served from stock.
        public let fillRate: Double
        /// Share of orders during whose lead time no demand went unserved.
        public let cycleServiceLevel: Double
        /// Average value of stock on hand (sum over materials, mean over days).
        public let averageInventoryValue: Double
        /// Material-days that ended with unserved demand.
        public let stockoutDays: Int
        /// Orders placed.
        public let orders: Int
    }

    /// The state a rule sees on a given day: stock, open orders, backorders and the trailing history.
    static func state(for m: Material, onHand: Double, onOrder: Double, backorders: Double, history: ArraySlice<Double>) -> MaterialState {
        MaterialState(
            item: "M\(m.index)", warehouse: "main", supplier: "S\(m.index % 17)", onHand: onHand, onOrder: onOrder, backorders: backorders,
            demandHistory: Array(history), leadTime: m.leadTime, leadTimeStandardDeviation: m.leadTimeStandardDeviation,
            holdingCost: 0.25 * m.unitCost / 365, orderingCost: m.orderingCost, shortageCost: m.unitCost,
            minimumOrderQuantity: m.minimumOrderQuantity,
            orderMultiple: m.orderMultiple)
    }

    /// Simulates `days` days of every material under `rule`; lead times are drawn per order from a seeded
    /// generator, the same draws for every rule.
    public static func simulate(_ materials: [Material], days: Int = 365, rule name: String, seed: UInt64 = 11, rule: Rule) throws -> Outcome {
        var served = 0.0
        var demanded = 0.0
        var inventoryValue = 0.0
        var stockoutDays = 0
        var orders = 0
        var cyclesWithoutStockout = 0
        var cycles = 0
        for m in materials {
            var random = SeededGenerator(seed: seed &+ UInt64(m.index) &* 7_919)
            var onHand = m.demand[(historyDays - 30)..<historyDays].reduce(0, +) / 30 * (m.leadTime + 7)
            var backorders = 0.0
            var pipeline: [(arrival: Int, quantity: Double, placed: Int)] = []
            var stockoutOn = [Bool](repeating: false, count: days)
            for day in 0..<days {
                let arriving = pipeline.filter { $0.arrival == day }
                pipeline.removeAll { $0.arrival == day }
                onHand += arriving.reduce(0) { $0 + $1.quantity }
                let cleared = min(onHand, backorders)
                onHand -= cleared
                backorders -= cleared
                let d = m.demand[historyDays + day]
                let fromStock = min(onHand, d)
                onHand -= fromStock
                backorders += d - fromStock
                served += fromStock
                demanded += d
                if d > fromStock {
                    stockoutDays += 1
                    stockoutOn[day] = true
                }
                for order in arriving {
                    cycles += 1
                    if !stockoutOn[order.placed...day].contains(true) { cyclesWithoutStockout += 1 }
                }
                let onOrder = pipeline.reduce(0) { $0 + $1.quantity }
                let history = m.demand[(day + 1)..<(historyDays + day + 1)]
                let quantity = try rule(m, state(for: m, onHand: onHand, onOrder: onOrder, backorders: backorders, history: history), day)
                if quantity > 0 {
                    let lead = max(1, Int((m.leadTime + m.leadTimeStandardDeviation * random.normal()).rounded()))
                    pipeline.append((day + lead, quantity, day))
                    orders += 1
                }
                inventoryValue += onHand * m.unitCost
            }
        }
        return Outcome(
            rule: name, fillRate: demanded > 0 ? served / demanded : 1,
            cycleServiceLevel: cycles > 0 ? Double(cyclesWithoutStockout) / Double(cycles) : 1,
            averageInventoryValue: inventoryValue / Double(days), stockoutDays: stockoutDays, orders: orders)
    }

    /// The static min/max rule: `min = mean daily demand of the history × lead time × factor`,
    /// `max = 2·min`; when the inventory position is at or below min, order up to max.
    public static func staticMinMax(factor: Double) -> Rule {
        { m, state, _ in
            let history = m.demand[0..<historyDays]
            let minimum = history.reduce(0, +) / Double(historyDays) * m.leadTime * factor
            guard state.inventoryPosition <= minimum, minimum > 0 else { return 0 }
            let multiple = state.orderMultiple
            let quantity = ((2 * minimum - state.inventoryPosition) / multiple).rounded(.up) * multiple
            return max(quantity, state.minimumOrderQuantity)
        }
    }

    /// Sluice's rule: every day, the planner's proposal from the trailing history, with a fill-rate target.
    public static func sluice(fillRateTarget: Double) -> Rule {
        { m, state, _ in
            var planned = state
            planned.fillRateTarget = fillRateTarget
            return try ReplenishmentPlanner.propose(planned).quantity
        }
    }

    /// Sluice's rule in cost mode: every day, the planner's proposal with one shortage cost per unit short for
    /// every material, so safety stock goes where a unit of it prevents the most shortage per unit of value.
    public static func sluice(shortageCost: Double) -> Rule {
        { m, state, _ in
            var planned = state
            planned.shortageCost = shortageCost
            return try ReplenishmentPlanner.propose(planned).quantity
        }
    }

    /// The shortage cost that brings Sluice's fill rate over all materials to `target`, by bisection on
    /// its logarithm.
    public static func calibrateShortageCost(_ materials: [Material], target: Double) throws -> (shortageCost: Double, outcome: Outcome) {
        var lo = log(1.0)
        var hi = log(1e5)
        var best: (Double, Outcome)?
        for _ in 0..<14 {
            let mid = (lo + hi) / 2
            let outcome = try simulate(materials, rule: "Sluice", rule: sluice(shortageCost: exp(mid)))
            if outcome.fillRate >= target {
                hi = mid
                best = (exp(mid), outcome)
            } else {
                lo = mid
            }
        }
        guard let best else { throw ReplenishmentError(field: "target", "Sluice cannot reach a fill rate of \(target)") }
        return best
    }

    /// The factor of the static rule that brings its fill rate over all materials to `target`, by bisection.
    public static func calibrateStaticFactor(_ materials: [Material], target: Double) throws -> (factor: Double, outcome: Outcome) {
        var lo = 0.5
        var hi = 6.0
        var best: (Double, Outcome)?
        for _ in 0..<25 {
            let mid = (lo + hi) / 2
            let outcome = try simulate(materials, rule: "static min/max", rule: staticMinMax(factor: mid))
            if outcome.fillRate >= target {
                hi = mid
                best = (mid, outcome)
            } else {
                lo = mid
            }
        }
        guard let best else { throw ReplenishmentError(field: "target", "the static rule cannot reach a fill rate of \(target)") }
        return best
    }

    /// Gamma-distributed value with the given shape and mean (Marsaglia–Tsang).
    static func gamma(shape: Double, mean: Double, _ random: inout SeededGenerator) -> Double {
        if shape < 1 {
            let u = max(random.uniform(), 1e-300)
            // Gamma(a) = Gamma(a + 1)·U^(1/a); the mean shrinks by a/(a + 1), so scale back up.
            return gamma(shape: shape + 1, mean: mean, &random) * pow(u, 1 / shape) * (shape + 1) / shape
        }
        let d = shape - 1.0 / 3.0
        let c = 1 / (9 * d).squareRoot()
        while true {
            let x = random.normal()
            let v = pow(1 + c * x, 3)
            if v <= 0 { continue }
            let u = random.uniform()
            if log(max(u, 1e-300)) < 0.5 * x * x + d - d * v + d * log(v) { return d * v * mean / shape }
        }
    }
}

extension ReplenishmentBenchmark {
    /// Seconds to compute proposals for `count` materials with 180 days of history (best of 5 runs).
    public static func proposalSpeed(count: Int, runs: Int = 5) throws -> Double {
        let population = materials(count: count, days: 0, seed: 99)
        let states = population.map { m in
            var s = state(for: m, onHand: 0, onOrder: 0, backorders: 0, history: m.demand[0..<historyDays])
            s.fillRateTarget = 0.98
            return s
        }
        let clock = ContinuousClock()
        var best = Double.infinity
        for _ in 0..<runs {
            let start = clock.now
            var total = 0.0
            for s in states { total += try ReplenishmentPlanner.propose(s).quantity }
            let elapsed = clock.now - start
            precondition(total.isFinite, "proposals must be finite")
            best = min(best, elapsed.inSeconds)
        }
        return best
    }
}
