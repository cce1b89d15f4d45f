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
            The data should be normal operation: the model learns its envelope. Without --kind, Sluice fits its
            default detector, which derives every choice from these rows and prints each with its reason: the
            sampling interval (the median spacing of the timestamps); the window states are averaged over (the
            shortest in which a sustained one-σ shift of a sensor stands out, at most half --detection-objective
            unless the sensors remember longer); the sensors that wander on their own slower than that window
            (judged by their change over it instead of their level); the model (PCA T²+Q with the components
            above the noise edge, else Hotelling T²); the frozen-sensor runs; and limits set out of sample on
            held-out training rows so that --alpha of normal samples are over the threshold. The same default
            runs in the service, `sluice retrain`, `replay --dry-run` and `bench skab`; the README's Models
            section has the details.

            --kind names a textbook model instead: hotelling-t2 (T² on every direction, F-distribution limit),
            pca-t2q (T² on the components that explain --explained-variance of the variance plus Q with the
            Jackson–Mudholkar limit) or mset (residual of a similarity-based estimate from a memory of normal
            states, empirical limit).

            Sensors are standardised on the training rows; constant sensors are dropped (and said); a covariance
            without full rank is handled by leaving the empty directions out of T². The artifact (JSON) records
            the features, scaling, fitted parameters, control limits, the design choices, a SHA-256 digest of
            the training data, metrics and creation time.
            """)

    @OptionGroup var input: DataOptions
    @Option(help: "Fit on the first N rows only (after --asset); all rows when left out.") var rows: Int?
    @Option(help: "A textbook model instead of the default detector: hotelling-t2, pca-t2q or mset.") var kind: AnomalyModelKind?
    @Option(help: "With --kind pca-t2q: share of variance the retained components explain (default 0.9).") var explainedVariance: Double?
    @Option(help: "Share of normal samples allowed over the threshold, before any debounce (default 0.01).") var alpha: Double?
    @Option(help: "Seconds within which a fault should be detected; the default detector smooths over at most half (default 300).")
    var detectionObjective: Double?
    @Option(help: "Comma-separated sensor columns; every non-label column when left out.") var sensors: String?
    @Option(help: "Model name.") var name: String?
    @Option(help: "Model version.") var version = 1
    @Option(help: "Where to write the artifact.") var out: String

    func validate() throws {
        if let rows, rows < 10 { throw ValidationError("--rows must be at least 10") }
        if let explainedVariance, !(explainedVariance > 0 && explainedVariance <= 1) {
            throw ValidationError("--explained-variance must be in (0, 1]")
        }
        if explainedVariance != nil, kind != .pcaT2Q { throw ValidationError("--explained-variance applies to --kind pca-t2q only") }
        if let alpha, !(alpha > 0 && alpha < 0.5) { throw ValidationError("--alpha must be in (0, 0.5)") }
        if let detectionObjective, !(detectionObjective > 0 && detectionObjective.isFinite) {
            throw ValidationError("--detection-objective must be a positive number of seconds")
        }
        if detectionObjective != nil, kind != nil { throw ValidationError("--detection-objective applies to the default detector, not --kind") }
        guard version >= 1 else { throw ValidationError("--version must be at least 1") }
    }

    func run() async throws {
        try await reportingErrors {
            BLAS.setThreadCount(1)
            let wanted = sensors?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            var frame = try TelemetryCSV.read(path: input.data, options: input.options(sensors: wanted))
            if let rows { frame = frame.prefix(rows) }
            var configuration = TrainingConfiguration.automatic
            if let kind { configuration = TrainingConfiguration(kind: kind, explainedVariance: explainedVariance ?? 0.9) }
            if let alpha { configuration.alpha = alpha }
            if let detectionObjective { configuration.detectionObjective = detectionObjective }
            let modelName = name ?? ((out as NSString).lastPathComponent as NSString).deletingPathExtension
            let result = try AnomalyTrainer.fit(
                frame.values, features: frame.sensors, times: frame.times, configuration: configuration, name: modelName, version: version,
                createdBy: "sluice train", source: input.data)
            for note in result.notes { printError("note: \(note)") }
            // A file named `<name>.<kind>.v<version>.json` is found by the gates by its kind: it must say the
            // kind the model is.
            let parts = ((out as NSString).lastPathComponent as NSString).deletingPathExtension.split(separator: ".")
            if parts.count >= 3, let named = AnomalyModelKind(rawValue: String(parts[parts.count - 2])), named != result.model.kind {
                throw CLIError(
                    "\(out) names a \(named.rawValue) model, but the default detector chose \(result.model.kind.rawValue) for this data: "
                        + "name the file \(parts.dropLast(2).joined(separator: ".")).\(result.model.kind.rawValue).\(parts.last!).json "
                        + "(and the gate's model kind), or pass --kind \(named.rawValue)")
            }
            try result.model.save(to: out)
            let m = result.model
            print(
                "wrote \(out): \(m.kind.rawValue) '\(m.name)' v\(m.version) on \(m.trainingRows) rows × \(m.features.count) sensors (\(m.features.joined(separator: ", ")))"
            )
            for choice in m.design ?? [] { print("  \(choice.name): \(choice.value) — \(choice.reason)") }
            if let k = m.parameters.retained, m.kind == .pcaT2Q, m.design == nil {
                print(
                    String(
                        format: "  %d of %d components explain %.1f %% of the variance; Q covers the rest", k, m.features.count,
                        100 * (m.metrics["explainedVariance"] ?? 0)))
            }
            print(
                String(
                    format: "  limit %@ (α = %.3g, margin %.3g); training alarm rate %.2f %%", m.limits.method.rawValue, m.limits.alpha,
                    m.limits.margin,
                    100 * (m.metrics["training.alarmRate"] ?? 0)))
        }
    }
}
