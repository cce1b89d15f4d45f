import Foundation
import SluiceGates
import SluiceSimulation
import SluiceStatistics

/// A Monte Carlo of the false-positive judge driving the stage machine: for each true false-positive
/// rate, many simulated stage runs, each fed decisions until the gate falls back, passes, or reaches the
/// judge's maximum sample.
public enum GateBenchmark {
    /// The outcome at one true rate.
    public struct Row: Sendable, Codable {
        /// The true false-positive rate.
        public let rate: Double
        /// Runs simulated.
        public let runs: Int
        /// Share of runs that fell back.
        public let fallback: Double
        /// Share of runs that passed.
        public let pass: Double
        /// Share of runs that fell back within 200 decisions.
        public let fallbackWithin200: Double
        /// Share of runs that fell back within 500 decisions.
        public let fallbackWithin500: Double
        /// Median decisions to fallback (runs that fell back).
        public let medianToFallback: Double?
        /// 95th percentile of decisions to fallback.
        public let p95ToFallback: Double?
        /// Median decisions to pass (runs that passed).
        public let medianToPass: Double?
        /// 95th percentile of decisions to pass.
        public let p95ToPass: Double?
    }

    /// The rates the issue of record asks about.
    public static let rates = [0.01, 0.03, 0.05, 0.08, 0.10, 0.15, 0.25]

    /// Simulates `runs` stage runs at each rate on a gate in its 5 % stage with `minimumSample` decisions.
    public static func run(rates: [Double] = rates, runs: Int = 10_000, minimumSample: Int = 30, seed: UInt64 = 2_026) -> [Row] {
        var definition = GateDefinition(id: "bench", cell: "cell", actionType: "maintenance-order", modelKind: "pca-t2q", modelVersion: 1)
        definition.stages[1].minimumSample = minimumSample
        let start = Date(timeIntervalSince1970: 0)
        // A gate already promoted into its 5 % stage.
        var template = GateStateMachine(definition: definition, now: start)
        let admin = Identity(name: "bench", role: .admin)
        let sponsor = Identity(name: "bench-sponsor", role: .sponsor)
        _ = try? template.signOff(by: sponsor, reason: "benchmark", at: start)
        _ = try? template.promote(by: admin, reason: "benchmark", at: start.addingTimeInterval(definition.stages[0].minimumDwell))
        precondition(template.stage == 1, "the benchmark gate must start in its first canary stage")
        var random = SeededGenerator(seed: seed)
        return rates.map { rate in
            var toFallback: [Double] = []
            var toPass: [Double] = []
            for _ in 0..<runs {
                var gate = template
                var n = 0
                while true {
                    n += 1
                    _ = gate.recordDecision(falsePositive: random.uniform() < rate, at: start)
                    if gate.status == .fallenBack {
                        toFallback.append(Double(n))
                        break
                    }
                    if gate.passed {
                        toPass.append(Double(n))
                        break
                    }
                    if gate.status == .holding { break }
                }
            }
            func quantile(_ xs: [Double], _ q: Double) -> Double? { xs.isEmpty ? nil : Distributions.empiricalQuantile(xs, q) }
            return Row(
                rate: rate, runs: runs, fallback: Double(toFallback.count) / Double(runs), pass: Double(toPass.count) / Double(runs),
                fallbackWithin200: Double(toFallback.filter { $0 <= 200 }.count) / Double(runs),
                fallbackWithin500: Double(toFallback.filter { $0 <= 500 }.count) / Double(runs), medianToFallback: quantile(toFallback, 0.5),
                p95ToFallback: quantile(toFallback, 0.95), medianToPass: quantile(toPass, 0.5), p95ToPass: quantile(toPass, 0.95))
        }
    }

    /// Nanoseconds per gate evaluation: an asset's mode (its bucket in the stage) and one decision counted
    /// by the judge, averaged over `count` evaluations.
    public static func evaluationNanoseconds(count: Int = 1_000_000) -> Double {
        let definition = GateDefinition(
            id: "press-line-anomaly", cell: "press-line", actionType: "maintenance-order", modelKind: "pca-t2q", modelVersion: 1)
        var gate = GateStateMachine(definition: definition, now: Date(timeIntervalSince1970: 0))
        _ = try? gate.signOff(by: Identity(name: "s", role: .sponsor), reason: "bench", at: Date(timeIntervalSince1970: 0))
        _ = try? gate.promote(by: Identity(name: "a", role: .admin), reason: "bench", at: Date(timeIntervalSince1970: 86_400))
        let assets = (0..<1_000).map { "press-\($0)" }
        let now = Date(timeIntervalSince1970: 100_000)
        let clock = ContinuousClock()
        let started = clock.now
        var actions = 0
        for i in 0..<count {
            if gate.mode(for: assets[i % assets.count]) == .action { actions += 1 }
            // About 1 % false positives: the judge passes and starts over, the gate keeps running.
            _ = gate.recordDecision(falsePositive: i % 97 == 0, at: now)
        }
        let elapsed = clock.now - started
        precondition(gate.status == .running && actions > 0, "the benchmark gate must stay running and act on some assets")
        return (Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) * 1e-9) / Double(count)
    }
}
