import ArgumentParser
import Foundation
import SluiceBenchmarks
import SluiceLinearAlgebra
import SluiceReplenishment

struct ReplenishmentBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replenishment",
        abstract: "Simulate a year of daily demand and compare Sluice's proposals with a static min/max rule.",
        discussion: """
            --materials materials (a quarter each smooth, erratic, intermittent and lumpy demand, 180 days of history)
            with stochastic lead times are replenished for a year. The static min/max rule (min = mean demand over the
            lead time × one common factor, max = 2 × min) has its factor tuned so it reaches --target fill rate over
            all materials. Sluice's proposals (forecast per material, (s, S) in cost mode) get one common shortage
            cost, tuned the same way to reach the static rule's fill rate; a second Sluice run plans every material
            for a --per-material fill rate instead. Prints fill rate, cycle service level, average inventory value,
            stockout days and orders, the same by demand class, and the time to compute --proposals proposals.
            The simulation is seeded: the figures repeat exactly.
            """)

    @Option(help: "Materials simulated.") var materials = 500
    @Option(help: "Fill rate the static rule is tuned to.") var target = 0.98
    @Option(help: "Fill-rate target of the per-material Sluice run.") var perMaterial = 0.98
    @Option(help: "Materials in the proposal-speed run.") var proposals = 10_000
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard materials >= 4, proposals >= 1 else { throw ValidationError("--materials ≥ 4 and --proposals ≥ 1") }
        guard target > 0, target < 1, perMaterial > 0, perMaterial < 1 else { throw ValidationError("fill rates must be between 0 and 1") }
    }

    func run() async throws {
        try await reportingErrors {
            BLAS.setThreadCount(1)
            let population = ReplenishmentBenchmark.materials(count: materials)
            let (factor, baseline) = try ReplenishmentBenchmark.calibrateStaticFactor(population, target: target)
            let (shortageCost, sluice) = try ReplenishmentBenchmark.calibrateShortageCost(population, target: baseline.fillRate)
            let uniform = try ReplenishmentBenchmark.simulate(
                population, rule: "Sluice \(Int((100 * perMaterial).rounded())) % each",
                rule: ReplenishmentBenchmark.sluice(fillRateTarget: perMaterial))
            var byClass: [String: [ReplenishmentBenchmark.Outcome]] = [:]
            for demandClass in DemandClass.allCases {
                let subset = population.filter { $0.demandClass == demandClass }
                byClass[demandClass.rawValue] = [
                    try ReplenishmentBenchmark.simulate(subset, rule: "static min/max", rule: ReplenishmentBenchmark.staticMinMax(factor: factor)),
                    try ReplenishmentBenchmark.simulate(subset, rule: "Sluice", rule: ReplenishmentBenchmark.sluice(shortageCost: shortageCost)),
                ]
            }
            let speed = try ReplenishmentBenchmark.proposalSpeed(count: proposals)
            let reduction = 1 - sluice.averageInventoryValue / baseline.averageInventoryValue
            if json {
                struct Report: Encodable {
                    let staticFactor: Double
                    let shortageCost: Double
                    let outcomes: [ReplenishmentBenchmark.Outcome]
                    let byClass: [String: [ReplenishmentBenchmark.Outcome]]
                    let inventoryReduction: Double
                    let proposals: Int
                    let proposalSeconds: Double
                }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                let report = Report(
                    staticFactor: factor, shortageCost: shortageCost, outcomes: [baseline, sluice, uniform], byClass: byClass,
                    inventoryReduction: reduction,
                    proposals: proposals, proposalSeconds: speed)
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
                return
            }
            print(
                String(
                    format: "%d materials, 365 days; static factor %.3f; Sluice shortage cost %.3f per unit short", materials, factor, shortageCost))
            print("rule                fill rate   cycle service   avg inventory value   stockout days   orders")
            for o in [baseline, sluice, uniform] { print(line(o)) }
            print(
                String(
                    format: "Sluice holds %.1f %% less inventory at %+.2f points of fill rate", 100 * reduction,
                    100 * (sluice.fillRate - baseline.fillRate)))
            print("by demand class:")
            for demandClass in DemandClass.allCases {
                let pair = byClass[demandClass.rawValue]!
                print(
                    String(
                        format: "  %@ fill rate %6.2f %% (static %6.2f %%), inventory %+.1f %%",
                        demandClass.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0) as NSString,
                        100 * pair[1].fillRate, 100 * pair[0].fillRate, 100 * (pair[1].averageInventoryValue / pair[0].averageInventoryValue - 1)))
            }
            print(String(format: "%d proposals in %.1f ms (best of 5)", proposals, 1_000 * speed))
        }
    }

    private func line(_ o: ReplenishmentBenchmark.Outcome) -> String {
        String(
            format: "%@  %8.2f %%      %8.2f %%   %19.0f   %13d   %6d", o.rule.padding(toLength: 18, withPad: " ", startingAt: 0) as NSString,
            100 * o.fillRate,
            100 * o.cycleServiceLevel, o.averageInventoryValue, o.stockoutDays, o.orders)
    }
}
