import ArgumentParser
import Foundation
import SluiceBenchmarks
import SluiceLinearAlgebra

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Sluice: detection on SKAB, scoring speed, policy conformance, replenishment, the gate judge, ingest.",
        subcommands: [
            SKABCommand.self, ScoringBenchCommand.self, OracleCommand.self, ReplenishmentBenchCommand.self, GatesBenchCommand.self,
            IngestBenchCommand.self,
        ])
}

struct SKABCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skab",
        abstract: "Run the SKAB protocol: fit on each file's first 400 rows, predict the rest, report F1/FAR/MAR and NAB.",
        discussion: """
            --data is a folder laid out like SKAB's data: sub-folders holding <n>.csv files with 'datetime', sensor
            columns and the 'anomaly' and 'changepoint' labels (other files are passed over). One fixed
            configuration is used for every file; labels never reach the detector; each prediction uses its own
            row and earlier ones only. Outlier figures pool the confusion matrix over all files; changepoints are
            the edges of the prediction, scored with NAB (60 s window to the right of each true changepoint).
            Predictions are written to --predictions/<folder>/<n>.csv with columns datetime, score, alarm, change and
            anomaly (the prediction scored: the alarm, toggled for one row at each change mark).
            """)

    @Option(help: "The SKAB data folder.") var data = "../shared/data/skab"
    @Option(help: "Where to write one prediction CSV per labelled file.") var predictions: String?
    @Option(help: "Detector: \(SKABDetector.all.map(\.name).joined(separator: ", ")).") var model = "drift-aware"
    @Flag(help: "Also run every other detector and print them side by side.") var compare = false
    @Flag(help: "Print the summary as JSON.") var json = false
    @Option(help: "Override: smoothing window of the chosen detector (samples).") var window: Int?
    @Option(help: "Override: lag over which slow sensors are judged (samples).") var slowLag: Int?
    @Option(help: "Override: margin on the empirical limit.") var margin: Double?
    @Option(help: "Override: score below which an alarm clears (≤ 1).") var clearBelow: Double?
    @Option(help: "Override: change-mark threshold (multiples of the 99th percentile).") var changeThreshold: Double?

    /// The chosen detector with the overrides applied, renamed so a report cannot pass for the default.
    var chosenDetector: SKABDetector {
        let base = SKABDetector.named(model)!
        var configuration = base.configuration
        var changes: [String] = []
        if let window {
            configuration.filter.window = window
            changes.append("window=\(window)")
        }
        if let slowLag {
            configuration.filter.slowLag = slowLag
            changes.append("lag=\(slowLag)")
        }
        if let margin {
            configuration.margin = margin
            changes.append("margin=\(margin)")
        }
        if let clearBelow {
            configuration.clearBelow = clearBelow
            changes.append("clear=\(clearBelow)")
        }
        if let changeThreshold {
            configuration.changeThreshold = changeThreshold
            changes.append("change=\(changeThreshold)")
        }
        return changes.isEmpty ? base : SKABDetector(name: base.name + "(" + changes.joined(separator: ",") + ")", configuration: configuration)
    }

    func validate() throws {
        if let window, window < 1 { throw ValidationError("--window must be at least 1") }
        if let slowLag, slowLag < 0 { throw ValidationError("--slow-lag must not be negative") }
        if let margin, margin <= 0 { throw ValidationError("--margin must be positive") }
        if let clearBelow, clearBelow <= 0 || clearBelow > 1 { throw ValidationError("--clear-below must be in (0, 1]") }
        if let changeThreshold, changeThreshold <= 0 { throw ValidationError("--change-threshold must be positive") }
        let overrides = [window != nil, slowLag != nil, margin != nil, clearBelow != nil, changeThreshold != nil].contains(true)
        if overrides, !model.hasPrefix("drift-aware") {
            throw ValidationError("--window, --slow-lag, --margin, --clear-below and --change-threshold apply to the drift-aware detectors only")
        }
        guard SKABDetector.named(model) != nil else {
            throw ValidationError("unknown detector '\(model)'; choose one of \(SKABDetector.all.map(\.name).joined(separator: ", "))")
        }
    }

    func run() async throws {
        try await reportingErrors {
            BLAS.setThreadCount(1)
            let listing = try SKABDataset.load(root: data)
            if !json {
                print("SKAB: \(listing.experiments.count) labelled files under \(data) (\(listing.skipped.count) other files passed over)")
            }
            var results: [SKABResult] = []
            let chosen = chosenDetector
            let detectors = compare ? [chosen] + SKABDetector.all.filter { $0.name != chosen.name } : [chosen]
            for detector in detectors {
                let writeTo = detector.name == chosen.name ? predictions : nil
                results.append(
                    try SKABBenchmark.run(listing.experiments, detector: detector) { experiment, prediction in
                        if let writeTo { try SKABBenchmark.writePrediction(prediction, for: experiment, under: writeTo) }
                    })
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(results), as: UTF8.self))
            } else {
                print(SKABReport.table(results))
                if let predictions { print("predictions of \(chosen.name) written under \(predictions)/") }
            }
        }
    }
}
