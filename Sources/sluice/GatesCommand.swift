import ArgumentParser
import Foundation
import SluiceBenchmarks
import SluiceGates

struct GatesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gates",
        abstract: "Work with gate definitions.",
        subcommands: [GatesCheckCommand.self, GatesCohortCommand.self])
}

struct GatesCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate gate definition files and print what each one says.",
        discussion: """
            Each FILE is a gate definition (YAML). Every problem is reported as file:line with what to write instead;
            the exit status is non-zero when any file is invalid. Without FILEs, checks every Gates/*.yaml.
            """)

    @Argument(help: "Gate definition files.") var files: [String] = []

    func run() async throws {
        try await reportingErrors {
            var paths = files
            if paths.isEmpty {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: "Gates")) ?? []
                paths = names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { "Gates/\($0)" }
                guard !paths.isEmpty else { throw ValidationError("no Gates/*.yaml here: pass the files to check") }
            }
            var failed = false
            for path in paths {
                do {
                    let g = try GateDefinition.load(path: path)
                    let stages = g.stages.map { "\($0.name) (≥ \($0.minimumSample) decisions, ≥ \(Int($0.minimumDwell / 3_600)) h)" }.joined(
                        separator: " → ")
                    print(
                        "\(path): gate \(g.id) for \(g.actionType) in \(g.cell), model \(g.modelKind) v\(g.modelVersion), flag \(g.enabled ? "on" : "off")"
                    )
                    print("  stages: \(stages)")
                    print(
                        "  pass at ≤ \(g.judge.passRate * 100) %, fall back at ≥ \(g.judge.fallbackRate * 100) % (α \(g.judge.alpha), β \(g.judge.beta)); sponsor sign-off \(g.requiresSponsorSignOff ? "required" : "not required")"
                    )
                    print(
                        "  debounce \(g.debounce), silent \(Int(g.silentPeriod / 60)) min, coverage ≥ \(Int(g.minimumCoverage * 100)) %, actions expire after \(Int(g.actionExpiry / 3_600)) h"
                    )
                } catch let error as GateDefinitionError {
                    printError("error: \(error)")
                    failed = true
                }
            }
            if failed { throw ExitCode.failure }
        }
    }
}

struct GatesCohortCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cohort",
        abstract: "Show which assets a gate's stages place in the canary.",
        discussion: "An asset is in a stage of p % when murmur3(\"<gate>:<asset>\") % 100 + 1 ≤ p; cohorts are sticky and nested.")

    @Option(help: "The gate id.") var gate: String
    @Option(help: "Comma-separated asset ids.") var assets: String

    func run() async throws {
        for asset in assets.split(separator: ",").map(String.init) {
            let bucket = Bucketing.normalizedValue(asset, group: gate)
            let stages = [5.0, 25, 100].filter { Double(bucket) <= $0 }.map { "\(Int($0)) %" }
            print("\(asset): bucket \(bucket); in \(stages.isEmpty ? "no canary stage" : stages.joined(separator: ", "))")
        }
    }
}

struct GatesBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gates",
        abstract: "Monte Carlo of the false-positive judge and the stage machine, and the cost of one gate evaluation.",
        discussion: """
            For each true false-positive rate, --runs simulated runs of a gate in its 5 % stage, fed decisions until it
            falls back, passes, or reaches the judge's maximum sample (500). Prints the probability of fallback and of
            pass, and the median and 95th percentile number of decisions to each.
            """)

    @Option(help: "Runs per rate.") var runs = 10_000
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard runs >= 100 else { throw ValidationError("--runs must be at least 100") }
    }

    func run() async throws {
        let rows = GateBenchmark.run(runs: runs)
        let nanoseconds = GateBenchmark.evaluationNanoseconds()
        if json {
            struct Report: Encodable {
                let rows: [GateBenchmark.Row]
                let evaluationNanoseconds: Double
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(Report(rows: rows, evaluationNanoseconds: nanoseconds)), as: UTF8.self))
            return
        }
        print("true FP rate   P(fallback)  ≤200   ≤500   median  p95    P(pass)  median  p95")
        func n(_ x: Double?) -> String { x.map { String(format: "%6.0f", $0) } ?? "     –" }
        for r in rows {
            print(
                String(format: "%10.0f %%   %9.3f   %5.3f  %5.3f ", 100 * r.rate, r.fallback, r.fallbackWithin200, r.fallbackWithin500)
                    + "\(n(r.medianToFallback)) \(n(r.p95ToFallback))" + String(format: "   %6.3f ", r.pass)
                    + " \(n(r.medianToPass)) \(n(r.p95ToPass))")
        }
        print(String(format: "one gate evaluation (asset mode + one decision judged): %.0f ns", nanoseconds))
    }
}
