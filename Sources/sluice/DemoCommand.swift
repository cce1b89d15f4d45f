import ArgumentParser
import Foundation
import SluiceAnomaly
import SluiceLinearAlgebra
import SluiceSimulation
import SluiceTelemetry

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Simulate a cell, train a model per asset on its normal hour, and show what it detects.",
        discussion: """
            Writes the simulated telemetry and one model per asset under --out-dir, then scores the second hour of
            each asset, where a fault starts every ten minutes. Detections need --debounce scores in a row over
            the threshold (1.0), so one fault raises one detection. For each injected fault it prints whether and
            how fast it was detected and the sensors that drove the score; detections outside every fault are
            counted as false alarms.
            """)

    @Option(help: "Seed of the simulated cell.") var seed: UInt64 = 42
    @Option(help: "Model kind: hotelling-t2, pca-t2q or mset.") var kind: AnomalyModelKind = .pcaT2Q
    @Option(help: "Consecutive scores over the threshold before a detection is raised.") var debounce = 3
    @Option(help: "Folder for the telemetry and the models.") var outDir = "demo-output"

    func validate() throws {
        guard debounce >= 1 else { throw ValidationError("--debounce must be at least 1") }
    }

    func run() async throws {
        try await reportingErrors {
            BLAS.setThreadCount(1)
            try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
            let simulator = CellSimulator(configuration: .init(seed: seed))
            let config = simulator.configuration
            let telemetryPath = (outDir as NSString).appendingPathComponent("simulated-cell.csv")
            try simulator.csv().write(toFile: telemetryPath, atomically: true, encoding: .utf8)
            print("Simulated cell (seed \(seed)): \(config.assets.joined(separator: ", ")); \(config.samples) s each, faults after the first \(config.normalSamples) s → \(telemetryPath)")
            var detected = 0, falseAlarms = 0
            let faults = simulator.schedule
            for asset in config.assets {
                let frame = try TelemetryCSV.read(path: telemetryPath, options: .init(filter: ("asset", asset)))
                var configuration = TrainingConfiguration(kind: kind)
                if kind == .mset { configuration.limitMethod = "empirical" }
                let result = try AnomalyTrainer.fit(
                    frame.values.rows(0..<config.normalSamples), features: frame.sensors, configuration: configuration, name: "\(asset)-\(kind.rawValue)",
                    createdBy: "sluice demo", source: telemetryPath)
                let modelPath = (outDir as NSString).appendingPathComponent("\(asset).\(kind.rawValue).v1.json")
                try result.model.save(to: modelPath)
                let scorer = try AnomalyScorer(model: result.model)
                let scores = scorer.scores(sequence: frame.values)
                let centered = scorer.centeredFeatures(sequence: frame.values)
                let episodes = AlarmEpisodes.find(scores: scores, consecutive: debounce).filter { $0.start >= config.normalSamples }
                print("\n\(asset): \(kind.rawValue) model → \(modelPath)")
                var matched = Set<Int>()
                for fault in faults where fault.asset == asset {
                    let hit = episodes.enumerated().first { $0.element.start >= fault.start && $0.element.start < fault.samples.upperBound }
                    if let (index, episode) = hit {
                        matched.insert(index)
                        detected += 1
                        let drivers = topSensors(scorer.explain(centered: centered.row(episode.start)), names: result.model.features)
                        print("  \(pad(fault.kind.rawValue, 11)) on \(pad(fault.sensor, 11)) at +\(fault.start)s: detected after \(episode.start - fault.start) s, peak score \(String(format: "%.1f", episode.peak)), driven by \(drivers)")
                    } else {
                        print("  \(pad(fault.kind.rawValue, 11)) on \(pad(fault.sensor, 11)) at +\(fault.start)s: not detected")
                    }
                }
                let unmatched = episodes.indices.filter { index in
                    !matched.contains(index) && !faults.contains { $0.asset == asset && $0.samples.contains(episodes[index].start) }
                }
                falseAlarms += unmatched.count
                print("  false alarms: \(unmatched.count) in \(config.samples - config.normalSamples) s outside the faults")
            }
            print("\nDetected \(detected) of \(faults.count) injected faults; \(falseAlarms) false alarms.")
        }
    }

    private func topSensors(_ explanation: AnomalyScorer.Explanation, names: [String]) -> String {
        let total = explanation.contributions.map { max($0, 0) }.reduce(0, +)
        return explanation.contributions.indices.sorted { explanation.contributions[$0] > explanation.contributions[$1] }.prefix(2)
            .map { "\(names[$0]) \(total > 0 ? Int((100 * max(explanation.contributions[$0], 0) / total).rounded()) : 0) %" }.joined(separator: ", ")
    }

    private func pad(_ s: String, _ n: Int) -> String { s.padding(toLength: max(n, s.count), withPad: " ", startingAt: 0) }
}
