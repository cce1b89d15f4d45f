import ArgumentParser
import Foundation
import SluiceAnomaly
import SluiceLinearAlgebra
import SluiceTelemetry

struct ScoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score telemetry with a model: one output row per input row, with the sensors that drove it.",
        discussion: """
            Output columns: line (in the input file), time, score (statistic / control limit, so 1.0 is the
            threshold), alarm (0/1, with the model's hysteresis), change (0/1, a detected change of state, for
            models fitted with change detection), top_sensor, then one contribution column per sensor (each
            sensor's share of the score). For a model with a temporal filter the first rows of the file are its
            warm-up: their score and alarm are left blank. Label columns of the file are ignored. A summary goes
            to standard error.
            """)

    @Option(help: "Model artifact (JSON) written by 'sluice train'.") var model: String
    @OptionGroup var input: DataOptions
    @Option(help: "Output CSV ('-' for standard output).") var out = "-"

    func run() async throws {
        try await reportingErrors {
            BLAS.setThreadCount(1)
            let artifact = try AnomalyModel.load(from: model)
            // Label columns are not read: live data may leave them empty.
            let frame = try TelemetryCSV.read(path: input.data, options: input.options(sensors: artifact.features))
            let scorer = try AnomalyScorer(model: artifact)
            let scores = scorer.scores(sequence: frame.values)
            let alarms = scorer.alarms(scores)
            let marks = scorer.changeMarks(sequence: frame.values)
            let centered = scorer.centeredFeatures(sequence: frame.values)
            var rows: [[String]] = []
            rows.reserveCapacity(frame.count)
            let changeWarmUp = artifact.changeDetector.map { $0.recent + $0.reference } ?? 0
            for i in 0..<frame.count {
                let time = frame.times.map { Timestamp.format($0[i]) } ?? ""
                // Until the filter has a full history the score is not settled: it is left blank.
                guard i >= scorer.warmUp else {
                    rows.append([String(frame.lines[i]), time, "", "", ""] + Array(repeating: "", count: artifact.features.count + 1))
                    continue
                }
                let explanation = scorer.explain(centered: centered.row(i))
                let top = explanation.contributions.indices.max { explanation.contributions[$0] < explanation.contributions[$1] } ?? 0
                let change = artifact.changeDetector == nil ? "" : (i >= changeWarmUp && marks[i] ? "1" : "0")
                var row = [String(frame.lines[i]), time, String(format: "%.6g", scores[i]), alarms[i] ? "1" : "0", change, artifact.features[top]]
                row += explanation.contributions.map { String(format: "%.4g", $0) }
                rows.append(row)
            }
            let header = ["line", "time", "score", "alarm", "change", "top_sensor"] + artifact.features.map { "contribution.\($0)" }
            let text = TelemetryCSV.format(header: header, rows: rows)
            if out == "-" { print(text, terminator: "") } else { try text.write(toFile: out, atomically: true, encoding: .utf8) }
            let episodes = zip(alarms, [false] + alarms).filter { $0 && !$1 }.count
            printError(
                "scored \(frame.count) rows of \(input.data) with \(artifact.kind.rawValue) '\(artifact.name)' v\(artifact.version): \(alarms.filter { $0 }.count) rows in alarm, \(episodes) alarm episodes"
            )
        }
    }
}
