import ArgumentParser
import Foundation
import SluiceAnomaly
import SluiceLinearAlgebra
import SluiceTelemetry

struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Fit an anomaly model on telemetry of normal operation and write its artifact.",
        discussion: """
            The data should be normal operation: the model learns its envelope. Sensors are standardised on the
            training rows; constant sensors are dropped (and said); a covariance without full rank is handled by
            leaving the empty directions out of T². The artifact (JSON) records the features, scaling, fitted
            parameters, control limits, a SHA-256 digest of the training data, metrics and creation time.

            Kinds: hotelling-t2 (T² on every direction, F-distribution limit), pca-t2q (T² on the components that
            explain --explained-variance of the variance plus Q with the Jackson–Mudholkar limit), mset (residual of
            a similarity-based estimate from a memory of normal states, empirical limit). --drift-aware fits the
            configuration Sluice uses on plant data (smoothed T², slow sensors judged by their change, change marks).
            """)

    @OptionGroup var input: DataOptions
    @Option(help: "Fit on the first N rows only (after --asset); all rows when left out.") var rows: Int?
    @Option(help: "Model kind: hotelling-t2, pca-t2q or mset (default pca-t2q).") var kind: AnomalyModelKind?
    @Flag(help: "Use the drift-aware configuration (not with --kind, --explained-variance or --alpha).") var driftAware = false
    @Option(help: "PCA: share of variance the retained components explain (default 0.9).") var explainedVariance: Double?
    @Option(help: "False-alarm probability of the control limits (default 0.01).") var alpha: Double?
    @Option(help: "Comma-separated sensor columns; every non-label column when left out.") var sensors: String?
    @Option(help: "Model name.") var name: String?
    @Option(help: "Model version.") var version = 1
    @Option(help: "Where to write the artifact.") var out: String

    func validate() throws {
        if let rows, rows < 10 { throw ValidationError("--rows must be at least 10") }
        if let explainedVariance, !(explainedVariance > 0 && explainedVariance <= 1) {
            throw ValidationError("--explained-variance must be in (0, 1]")
        }
        if let alpha, !(alpha > 0 && alpha < 0.5) { throw ValidationError("--alpha must be in (0, 0.5)") }
        if driftAware, kind != nil || explainedVariance != nil || alpha != nil {
            throw ValidationError("--drift-aware is a fixed configuration: leave out --kind, --explained-variance and --alpha")
        }
        guard version >= 1 else { throw ValidationError("--version must be at least 1") }
    }

    func run() async throws {
        try await reportingErrors {
            BLAS.setThreadCount(1)
            let wanted = sensors?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            var frame = try TelemetryCSV.read(path: input.data, options: input.options(sensors: wanted))
            if let rows { frame = frame.prefix(rows) }
            let configuration =
                driftAware
                ? TrainingConfiguration.driftAware
                : TrainingConfiguration(kind: kind ?? .pcaT2Q, explainedVariance: explainedVariance ?? 0.9, alpha: alpha ?? 0.01)
            let modelName = name ?? ((out as NSString).lastPathComponent as NSString).deletingPathExtension
            let result = try AnomalyTrainer.fit(
                frame.values, features: frame.sensors, configuration: configuration, name: modelName, version: version,
                createdBy: "sluice train", source: input.data)
            for note in result.notes { printError("note: \(note)") }
            try result.model.save(to: out)
            let m = result.model
            print(
                "wrote \(out): \(m.kind.rawValue) '\(m.name)' v\(m.version) on \(m.trainingRows) rows × \(m.features.count) sensors (\(m.features.joined(separator: ", ")))"
            )
            if let k = m.parameters.retained, m.kind == .pcaT2Q {
                print(
                    String(
                        format: "  %d of %d components explain %.1f %% of the variance; Q covers the rest", k, m.features.count,
                        100 * (m.metrics["explainedVariance"] ?? 0)))
            }
            print(
                String(
                    format: "  limit %@ (α = %.3g, margin %.3g); training alarm rate %.2f %%", m.limits.method, m.limits.alpha, m.limits.margin,
                    100 * (m.metrics["training.alarmRate"] ?? 0)))
        }
    }
}
