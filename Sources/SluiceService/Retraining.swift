public import Foundation
public import SluiceAnomaly
import SluiceLinearAlgebra
public import SluiceStore
import SluiceTelemetry

/// One row of a labels file as retraining reads it.
public struct LabelledDecision: Sendable, Equatable {
    /// The action.
    public var actionID: String
    /// The asset.
    public var subject: String
    /// The model that raised it.
    public var modelName: String
    /// When its triggering sample was measured.
    public var triggeredAt: Date
    /// When it was decided.
    public var decidedAt: Date
    /// Whether operators called it normal operation.
    public var normal: Bool
}

/// `sluice retrain`: a model's labelled detections from an exported labels file, the telemetry behind them
/// from the store, and a new version fitted and calibrated by ``AnomalyRetrainer``.
public enum Retraining {
    /// The labels file's anomaly rows (`label` is `normal` or `anomaly`); other rows are skipped. Missing
    /// columns and unreadable values are errors naming the line.
    public static func readLabels(_ text: String, source: String) throws -> [LabelledDecision] {
        let table = try TelemetryCSV.table(text, source: source)
        var index: [String: Int] = [:]
        for (i, name) in table.header.enumerated() { index[name] = i }
        for column in ["action_id", "subject", "model_name", "triggered_at", "decided_at", "label"] where index[column] == nil {
            throw TelemetryError(file: source, line: 1, message: "no '\(column)' column: is this a file `sluice export labels` wrote?")
        }
        var labels: [LabelledDecision] = []
        for (line, fields) in table.records {
            let label = fields[index["label"]!]
            guard label == "normal" || label == "anomaly" else { continue }
            guard let triggered = ISOTime.parse(fields[index["triggered_at"]!]) else {
                throw TelemetryError(file: source, line: line, column: "triggered_at", message: "not an RFC 3339 time")
            }
            guard let decided = ISOTime.parse(fields[index["decided_at"]!]) else {
                throw TelemetryError(file: source, line: line, column: "decided_at", message: "not an RFC 3339 time")
            }
            labels.append(
                LabelledDecision(
                    actionID: fields[index["action_id"]!], subject: fields[index["subject"]!], modelName: fields[index["model_name"]!],
                    triggeredAt: triggered, decidedAt: decided, normal: label == "normal"))
        }
        return labels
    }

    /// Retrains `model` from the `labels` of its name, reading each label's telemetry (the `window` samples up
    /// to its trigger) from `store`. Normal windows that overlap a confirmed anomaly's (its window and the
    /// `window / 2` samples after it) are left out of the fit, so a fault never becomes normal.
    public static func run(
        model: AnomalyModel, labels: [LabelledDecision], store: any Store, settings: AnomalyRetrainer.Settings, version: Int, window: Int = 60,
        now: Date = Date()
    ) throws -> RetrainingOutcome {
        let mine = labels.filter { $0.modelName == model.name }
        guard !mine.isEmpty else {
            throw ServiceError.invalid(
                "the labels hold no decision on detections of model '\(model.name)': export labels after operators decide some")
        }
        var windows: [(label: LabelledDecision, times: [Date], rows: Matrix)] = []
        for label in mine {
            let samples = try recent(store: store, asset: label.subject, before: label.triggeredAt, count: window, features: model.features)
            guard !samples.isEmpty else { continue }
            var rows = Matrix(rows: samples.count, columns: model.features.count)
            for (r, sample) in samples.enumerated() { for (j, feature) in model.features.enumerated() { rows[r, j] = sample.values[feature]! } }
            windows.append((label, samples.map(\.time), rows))
        }
        guard !windows.isEmpty else {
            throw ServiceError.invalid("the store holds none of the telemetry behind these labels: retrain against the store they were exported from")
        }
        // Anomalous spans per asset: a normal sample inside one is not trusted.
        var anomalous: [String: [ClosedRange<Date>]] = [:]
        for entry in windows where !entry.label.normal {
            let spacing = entry.times.count > 1 ? entry.times.last!.timeIntervalSince(entry.times.first!) / Double(entry.times.count - 1) : 1
            anomalous[entry.label.subject, default: []].append(
                entry.times.first!...entry.label.triggeredAt.addingTimeInterval(spacing * Double(window / 2)))
        }
        let labelled = windows.map { entry -> LabelledWindow in
            guard entry.label.normal else {
                return LabelledWindow(id: entry.label.actionID, rows: entry.rows, normal: false, decidedAt: entry.label.decidedAt)
            }
            let spans = anomalous[entry.label.subject] ?? []
            let kept = entry.times.indices.filter { r in !spans.contains { $0.contains(entry.times[r]) } }
            var trusted = Matrix(rows: kept.count, columns: model.features.count)
            for (r, source) in kept.enumerated() { for j in 0..<model.features.count { trusted[r, j] = entry.rows[source, j] } }
            return LabelledWindow(id: entry.label.actionID, rows: entry.rows, normal: true, decidedAt: entry.label.decidedAt, fitRows: trusted)
        }
        return try AnomalyRetrainer.retrain(model, labelled: labelled, settings: settings, version: version, now: now)
    }
    /// The last `count` samples of `asset` up to `time` that carry every feature, looking further back until
    /// enough are found (up to a day).
    static func recent(store: any Store, asset: String, before time: Date, count: Int, features: [String]) throws -> [SampleRecord] {
        var lookback: TimeInterval = 600
        while true {
            let samples = try store.read {
                try $0.samples.samples(assets: [asset], from: time.addingTimeInterval(-lookback), to: time.addingTimeInterval(0.001))
            }
            .filter { sample in features.allSatisfy { sample.values[$0] != nil } }
            if samples.count >= count || lookback >= 86_400 { return Array(samples.suffix(count)) }
            lookback *= 4
        }
    }
}
