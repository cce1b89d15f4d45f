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
    @Flag(help: "Also run the numpy peer (scripts/numpy_scoring_peer.py, needs python3 with numpy) in the same run.")
    var peer = false
    @Option(help: "The numpy peer script.") var peerScript = "scripts/numpy_scoring_peer.py"
    @Flag(help: "Print the result as JSON.") var json = false

    func validate() throws {
        guard fitRows >= 100, states >= 2_000, runs >= 1 else { throw ValidationError("--fit-rows ≥ 100, --states ≥ 2000 and --runs ≥ 1") }
    }

    func run() async throws {
        try await reportingErrors {
            let r = try ScoringBenchmark.run(fitRows: fitRows, batchStates: states, runs: runs)
            let peerResult = peer ? try runPeer() : nil
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                var text = String(decoding: try encoder.encode(r), as: UTF8.self)
                if let peerResult { text = "{\"sluice\":\(text),\"peer\":\(peerResult.json)}" }
                print(text)
                return
            }
            print(String(format: "fit:          %d rows × %d sensors in %.4f s (PCA T²+Q)", r.fitRows, r.sensors, r.fitSeconds))
            print(
                String(
                    format: "fit default:  %d rows × %d sensors in %.4f s (the default detector, every choice derived)", r.fitRows, r.sensors,
                    r.defaultFitSeconds))
            print(
                String(
                    format: "batch:        %.2f million states/s (best of %d), %.2f million median", r.batchStatesPerSecond / 1e6, runs,
                    r.batchStatesPerSecondMedian / 1e6))
            print(String(format: "single state: %.0f ns median, %.0f ns p99", r.singleStateNanosecondsMedian, r.singleStateNanosecondsP99))
            print("BLAS threads: \(r.blasThreads)")
            if let p = peerResult {
                print("\(p.name), same sizes, one BLAS thread:")
                print(
                    String(
                        format: "  fit %.4f s; batch %.2f million states/s (best), %.2f million median; single state %.0f ns median", p.fitSeconds,
                        p.best / 1e6, p.median / 1e6, p.single))
            }
        }
    }
}

extension ScoringBenchCommand {
    struct PeerResult {
        var name: String
        var fitSeconds: Double
        var best: Double
        var median: Double
        var single: Double
        var json: String
    }

    /// Runs the numpy peer script with the same sizes and reads its JSON line.
    func runPeer() throws -> PeerResult {
        guard FileManager.default.fileExists(atPath: peerScript) else {
            throw ValidationError("the numpy peer script is not at \(peerScript): run from the repository root or pass --peer-script")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", peerScript, String(fitRows), String(states), String(runs)]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        struct Peer: Decodable {
            var peer: String
            var fitSeconds: Double
            var batchStatesPerSecond: Double
            var batchStatesPerSecondMedian: Double
            var singleStateNanosecondsMedian: Double
        }
        guard process.terminationStatus == 0, let p = try? JSONDecoder().decode(Peer.self, from: data) else {
            throw ValidationError("the numpy peer failed; it needs python3 with numpy (pip install numpy)")
        }
        return PeerResult(
            name: p.peer, fitSeconds: p.fitSeconds, best: p.batchStatesPerSecond, median: p.batchStatesPerSecondMedian,
            single: p.singleStateNanosecondsMedian, json: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
