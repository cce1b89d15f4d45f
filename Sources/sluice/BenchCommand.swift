import ArgumentParser
import Foundation
import SluiceBenchmarks
import SluiceLinearAlgebra

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Sluice: detection on SKAB, scoring speed, policy conformance, replenishment, the gate judge, ingest.",
        subcommands: [
            SKABCommand.self, GeneraliseCommand.self, ScoringBenchCommand.self, OracleCommand.self, ReplenishmentBenchCommand.self,
            GatesBenchCommand.self,
            IngestBenchCommand.self, OPCUABenchCommand.self, TelemetryJSONBenchCommand.self,
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
    @Option(help: "Detector: \(SKABDetector.all.map(\.name).joined(separator: ", ")).") var model = "default"
    @Flag(help: "Also run every other detector and print them side by side.") var compare = false
    @Flag(help: "Print the summary as JSON.") var json = false

    func validate() throws {
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
            let chosen = SKABDetector.named(model)!
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
