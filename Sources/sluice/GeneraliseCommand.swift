import ArgumentParser
import Foundation
import SluiceBenchmarks
import SluiceLinearAlgebra

struct GeneraliseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generalise",
        abstract: "Check the default detector on data it was not tuned on: SKAB by folder, a simulated process at other rates and sizes.",
        discussion: """
            Five parts, each with the one default detector (`sluice train` without --kind), which reads no label:
            - SKAB (--data): every labelled file (the dev split) and each folder on its own;
            - hours of normal running: SKAB's anomaly-free recording (--data/anomaly-free/anomaly-free.csv), fitted
              on its first quarter and scored on the rest, beside the textbook PCA T²+Q model in the same run;
            - a simulated process sampled every 1 s, 10 s, 60 s and 180 s with 8, 20 and 50 sensors, trained on
              200, 400 and 2000 rows, with eight faults of half an hour (a 3σ step, a drift of 1σ a minute, four
              times the variance, a frozen sensor): F1, FAR, MAR and the median delay from a fault's first
              sample to its first alarm;
            - a week of normal operation of each simulated configuration through the gates' default debounce
              (3 scores in a row, or a full window for a model that averages) and silent period (30 min): false
              detections a week;
            - the realised share of fresh normal samples over the threshold against the 1 % target, for 5 to
              1000 training rows per sensor.
            --json prints the whole report as JSON; progress goes to standard error.
            """)

    @Option(help: "The SKAB data folder; leave it empty ('') to skip SKAB.") var data = "../shared/data/skab"
    @Option(help: "Sampling intervals of the simulated process, seconds, comma-separated.") var intervals = "1,10,60,180"
    @Option(help: "Sensor counts, comma-separated.") var sensors = "8,20,50"
    @Option(help: "Training sizes, comma-separated.") var rows = "200,400,2000"
    @Flag(help: "Print the report as JSON.") var json = false

    func list<T: LosslessStringConvertible>(_ text: String, _ name: String) throws -> [T] {
        let values = text.split(separator: ",").map { T(String($0.trimmingCharacters(in: .whitespaces))) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else { throw ValidationError("--\(name) must be a comma-separated list of numbers") }
        return values.map { $0! }
    }

    func validate() throws {
        let i: [Double] = try list(intervals, "intervals")
        let s: [Int] = try list(sensors, "sensors")
        let r: [Int] = try list(rows, "rows")
        guard i.allSatisfy({ $0 > 0 }) else { throw ValidationError("--intervals must be positive seconds") }
        guard s.allSatisfy({ $0 >= 2 }) else { throw ValidationError("--sensors must be at least 2") }
        guard r.allSatisfy({ $0 >= 50 }) else { throw ValidationError("--rows must be at least 50") }
    }

    func run() async throws {
        try await reportingErrors {
            BLAS.setThreadCount(1)
            var settings = GeneraliseBenchmark.Settings()
            settings.intervals = try list(intervals, "intervals")
            settings.sensors = try list(sensors, "sensors")
            settings.trainingRows = try list(rows, "rows")
            let experiments = data.isEmpty ? nil : try SKABDataset.load(root: data).experiments
            let recording = (data as NSString).appendingPathComponent("anomaly-free/anomaly-free.csv")
            let normal = !data.isEmpty && FileManager.default.fileExists(atPath: recording) ? recording : nil
            let report = try GeneraliseBenchmark.run(skab: experiments, normalRecording: normal, settings: settings) { line in printError(line) }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print(GeneraliseBenchmark.table(report))
            }
        }
    }
}
