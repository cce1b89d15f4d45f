import ArgumentParser
import Foundation
import SluiceBenchmarks

struct ScoringBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scoring",
        abstract: "Measure fitting and scoring speed of a PCA T²+Q model on 8-sensor states (one BLAS thread).",
        discussion: """
            Fits on --fit-rows synthetic correlated states (best of 3), scores --states states in batches (--runs
            runs; best and median reported), and times single-state scoring as the mean of 1,000 consecutive
            calls, taken 2,000 times (median and 99th percentile reported).
            """)

    @Option(help: "Rows to fit on.") var fitRows = 1_000_000
    @Option(help: "States per batch run.") var states = 4_000_000
    @Option(help: "Batch runs.") var runs = 5
    @Flag(help: "Print the result as JSON.") var json = false

    func validate() throws {
        guard fitRows >= 100, states >= 2_000, runs >= 1 else { throw ValidationError("--fit-rows ≥ 100, --states ≥ 2000 and --runs ≥ 1") }
    }

    func run() async throws {
        try await reportingErrors {
            let r = try ScoringBenchmark.run(fitRows: fitRows, batchStates: states, runs: runs)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(r), as: UTF8.self))
                return
            }
            print(String(format: "fit:          %d rows × %d sensors in %.4f s", r.fitRows, r.sensors, r.fitSeconds))
            print(String(format: "batch:        %.2f million states/s (best of %d), %.2f million median", r.batchStatesPerSecond / 1e6, runs, r.batchStatesPerSecondMedian / 1e6))
            print(String(format: "single state: %.0f ns median, %.0f ns p99", r.singleStateNanosecondsMedian, r.singleStateNanosecondsP99))
            print("BLAS threads: \(r.blasThreads)")
        }
    }
}
