import ArgumentParser
import Foundation
import SluiceAnomaly
import SluiceGates
import SluiceService

struct RetrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retrain",
        abstract: "Retrain a model from operators' decisions and write its next version beside it.",
        discussion: """
            Reads the labels file (`sluice export labels`), takes the decisions on detections of the model's name, and reads
            the telemetry behind each (the --window samples up to its trigger) from the store. The new version is fitted to
            the old version's training data (kept in the artifact as its moments) together with the telemetry operators
            confirmed as normal, keeping one more principal component for the new normal pattern; normal windows that overlap
            a confirmed anomaly are left out. The threshold is then raised, if need be (by at most 1.5×), until the
            false-positive rate on the labels is at most the gate's target. The latest --held-back share of labels is kept
            out of both steps; the old and the new version are measured on it and both are printed and stored in the
            new artifact's metrics.

            A new version never acts at once: point the gate at it (model.version in its Gates/ file) and restart the
            service; the gate starts again in shadow and earns its stages. Rehearse it first with
            `sluice replay --dry-run --gate <gate> --model-version <version>`.
            """)

    @Option(help: "The model artifact to retrain (Models/<name>.<kind>.v<version>.json).") var model: String
    @Option(help: "The labels file `sluice export labels` wrote.") var labels: String
    @OptionGroup var storeOptions: StoreOptions
    @Option(help: "The gate whose false-positive target and debounce to use (read from --gates).") var gate: String?
    @Option(name: .customLong("gates"), help: "The folder of gate definitions (env SLUICE_GATES; default Gates).") var gatesOption: String?

    /// The gate definitions' folder: --gates, else SLUICE_GATES, else `Gates`.
    var gates: String { Setting.text(gatesOption, "SLUICE_GATES", default: "Gates") }
    @Option(help: "The false-positive rate to calibrate to, when no --gate is named.") var targetRate = 0.05
    @Option(help: "The share of the latest labels held back to measure the result.") var heldBack = 0.3
    @Option(help: "Samples up to each trigger read as its window.") var window = 60
    @Option(help: "Where to write the new version (default: beside --model, version + 1).") var out: String?
    @Flag(help: "Replace --out if it exists.") var force = false

    func validate() throws {
        guard targetRate > 0, targetRate < 1 else { throw ValidationError("--target-rate must be between 0 and 1") }
        guard heldBack >= 0, heldBack < 1 else { throw ValidationError("--held-back must be at least 0 and below 1") }
        guard (5...10_000).contains(window) else { throw ValidationError("--window must be between 5 and 10000 samples") }
    }

    func run() async throws {
        try await reportingErrors {
            let current = try AnomalyModel.load(from: model)
            var settings = AnomalyRetrainer.Settings()
            settings.targetRate = targetRate
            settings.heldBackShare = heldBack
            if let gate {
                let definition = try Self.gate(gate, in: gates)
                guard definition.modelKind == current.kind.rawValue else {
                    throw CLIError("gate \(gate) runs \(definition.modelKind) models; \(model) is \(current.kind.rawValue)")
                }
                settings.targetRate = definition.judge.passRate
                settings.debounce = definition.debounce
            }
            guard let text = try? String(contentsOfFile: labels, encoding: .utf8) else { throw CLIError("cannot read \(labels)") }
            let decisions = try Retraining.readLabels(text, source: labels)
            let version = current.version + 1
            // Beside the model, as the user named it (a relative path stays relative in what is printed).
            let folder = (model as NSString).deletingLastPathComponent
            let path = out ?? (folder as NSString).appendingPathComponent("\(current.name).\(current.kind.rawValue).v\(version).json")
            guard force || !FileManager.default.fileExists(atPath: path) else {
                throw CLIError("\(path) exists: name another --out, or --force to replace it")
            }
            let outcome = try Retraining.run(
                model: current, labels: decisions, store: try storeOptions.open(), settings: settings, version: version, window: window)
            try outcome.model.save(to: path)
            print("wrote \(current.name) v\(version) to \(path)")
            print(
                "fitted on \(current.trainingRows) earlier rows and \(outcome.confirmedNormalRows) rows confirmed normal; "
                    + "\(outcome.trainingLabels) labels to fit and calibrate, \(outcome.heldBackLabels) held back")
            print(
                "threshold: \(String(format: "%.3f", outcome.thresholdScale))× the textbook limit (target false-positive rate \(settings.targetRate))"
            )
            print("on the held-back labels      v\(current.version) (previous)   v\(version) (new)")
            print(
                "  false-positive rate        \(Self.share(outcome.previous.falsePositiveRate))\(Self.pad)\(Self.share(outcome.candidate.falsePositiveRate))"
            )
            print("  recall on confirmed faults \(Self.share(outcome.previous.recall))\(Self.pad)\(Self.share(outcome.candidate.recall))")
            print(
                "  flagged normal / anomalous \(outcome.previous.flaggedNormals) / \(outcome.previous.flaggedAnomalies)"
                    + "            \(outcome.candidate.flaggedNormals) / \(outcome.candidate.flaggedAnomalies)"
                    + " (of \(outcome.candidate.normals) / \(outcome.candidate.anomalies))")
            for note in outcome.notes { print("note: \(note)") }
            print("next: rehearse it (sluice replay --dry-run --gate <gate> --model-version \(version)), then set model.version: \(version) in the")
            print("gate's file and restart the service; the gate starts again in shadow and earns its stages.")
        }
    }

    static let pad = String(repeating: " ", count: 12)

    static func share(_ value: Double?) -> String {
        guard let value else { return "  n/a " }
        return String(format: "%5.1f %%", value * 100)
    }

    static func gate(_ id: String, in folder: String) throws -> GateDefinition {
        for path in try Catalog.yamlFiles(in: folder, what: "gate") {
            let definition = try GateDefinition.load(path: path)
            if definition.id == id { return definition }
        }
        throw CLIError("no gate \(id) in \(folder)")
    }
}
