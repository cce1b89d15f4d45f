import ArgumentParser
import Foundation
import SluiceAnomaly
import SluiceBenchmarks
import SluiceLinearAlgebra
import SluiceSimulation
import SluiceTelemetry

struct EvaluateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Offline: simulate a cell, train a model per asset on its normal hour, and show what it detects.",
        discussion: """
            Writes the simulated telemetry and one model per asset under --out-dir, then scores the second hour of
            each asset, where a fault starts every ten minutes. Without --kind each asset gets the default detector
            (as `sluice train` fits it). Detections need --debounce scores in a row over the threshold (1.0), or a
            full window of them for a model that averages over a window, so one fault raises one detection. For each injected fault it prints whether and
            how fast it was detected and the sensors that drove the score; detections outside every fault are
            counted as false alarms.
            """)

    @Option(help: "Seed of the simulated cell.") var seed: UInt64 = 42
    @Option(help: "A textbook model instead of the default detector: hotelling-t2, pca-t2q or mset.") var kind: AnomalyModelKind?
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
            print(
                "Simulated cell (seed \(seed)): \(config.assets.joined(separator: ", ")); \(config.samples) s each, faults after the first \(config.normalSamples) s → \(telemetryPath)"
            )
            var detected = 0
            var falseAlarms = 0
            let faults = simulator.schedule
            for asset in config.assets {
                let frame = try TelemetryCSV.read(path: telemetryPath, options: .init(filter: ("asset", asset)))
                let report = try FaultDetectionReport.evaluate(
                    asset: asset, frame: frame, faults: faults, normalSamples: config.normalSamples,
                    configuration: kind.map { TrainingConfiguration(kind: $0) } ?? .automatic,
                    debounce: debounce)
                let chosen = report.model.kind.rawValue
                let modelPath = (outDir as NSString).appendingPathComponent("\(asset).\(chosen).v1.json")
                try report.model.save(to: modelPath)
                print("\n\(asset): \(chosen) model\(kind == nil ? " (the default detector)" : "") → \(modelPath)")
                for detection in report.detections {
                    let fault = detection.fault
                    let what = "  \(pad(fault.kind.rawValue, 11)) on \(pad(fault.sensor, 11)) at +\(fault.start)s:"
                    guard let episode = detection.episode, let delay = detection.delay else {
                        print("\(what) not detected")
                        continue
                    }
                    detected += 1
                    let drivers = detection.drivers.prefix(2).map { "\($0.sensor) \(Int((100 * $0.share).rounded())) %" }.joined(separator: ", ")
                    print("\(what) detected after \(delay) s, peak score \(String(format: "%.1f", episode.peak)), driven by \(drivers)")
                }
                falseAlarms += report.falseAlarms
                print("  false alarms: \(report.falseAlarms) in \(config.samples - config.normalSamples) s outside the faults")
            }
            print("\nDetected \(detected) of \(faults.count) injected faults; \(falseAlarms) false alarms.")
        }
    }

    private func pad(_ s: String, _ n: Int) -> String { s.padding(toLength: max(n, s.count), withPad: " ", startingAt: 0) }
}
