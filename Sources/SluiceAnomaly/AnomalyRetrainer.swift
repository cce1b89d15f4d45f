import Crypto
public import Foundation
public import SluiceLinearAlgebra

/// Telemetry an operator decided on: the samples up to the detection, and whether it was a real anomaly.
public struct LabelledWindow: Sendable {
    /// The action it was decided on.
    public var id: String
    /// Raw sensor values in the model's feature order, oldest first, ending at the detection.
    public var rows: Matrix
    /// Whether the operators called it normal operation (a false alarm).
    public var normal: Bool
    /// When it was decided: labels are split by this, the latest held back.
    public var decidedAt: Date
    /// The rows trusted as normal operation, added to the fit when the label is in the training part (by
    /// default all rows of a normal window, none of an anomalous one).
    public var fitRows: Matrix?

    /// A labelled window.
    public init(id: String, rows: Matrix, normal: Bool, decidedAt: Date, fitRows: Matrix? = nil) {
        self.id = id
        self.rows = rows
        self.normal = normal
        self.decidedAt = decidedAt
        self.fitRows = fitRows ?? (normal ? rows : nil)
    }
}

/// How a model fares on labelled windows: flagged means it would have raised (its debounced peak score
/// is over the threshold).
public struct LabelEvaluation: Sendable, Codable, Equatable {
    /// Windows labelled normal.
    public var normals: Int
    /// Windows labelled anomalous.
    public var anomalies: Int
    /// Normal windows the model flags: its false positives.
    public var flaggedNormals: Int
    /// Anomalous windows the model flags.
    public var flaggedAnomalies: Int

    /// False positives over everything flagged, as the gates count it (0 when nothing is flagged).
    public var falsePositiveRate: Double {
        let flagged = flaggedNormals + flaggedAnomalies
        return flagged == 0 ? 0 : Double(flaggedNormals) / Double(flagged)
    }

    /// Anomalies flagged over anomalies (nil without any).
    public var recall: Double? { anomalies == 0 ? nil : Double(flaggedAnomalies) / Double(anomalies) }
}

/// What retraining produced, with the figures to judge it by.
public struct RetrainingOutcome: Sendable {
    /// The new version.
    public let model: AnomalyModel
    /// The factor the threshold was raised by to reach the target false-positive rate (1: the textbook limit).
    public let thresholdScale: Double
    /// Rows of confirmed-normal telemetry added to the training data.
    public let confirmedNormalRows: Int
    /// Labels used to refit and calibrate, and labels held back.
    public let trainingLabels: Int
    /// Labels held back to measure the result.
    public let heldBackLabels: Int
    /// The previous version on the held-back labels.
    public let previous: LabelEvaluation
    /// The new version on the held-back labels.
    public let candidate: LabelEvaluation
    /// Things the user should know, one sentence each.
    public let notes: [String]
}

/// Retrains a model from operators' responses.
///
/// The new version is fitted to the old version's training data together with the telemetry operators
/// confirmed as normal (their rejected detections): the old data enter through their moments, which the
/// artifact keeps exactly (means, scales and every eigenpair of the correlation), so the pooled fit is the fit
/// a refit on both data sets would give, without the old data at hand. The threshold is then raised, if
/// need be, until the false-positive rate on the labelled detections is at most the gate's target, keeping
/// the lowest threshold that does (the most recall). The latest labels are held back and both versions are
/// measured on them.
public enum AnomalyRetrainer {
    /// Settings of a retraining.
    public struct Settings: Sendable {
        /// The false-positive rate to calibrate to (the gate's pass rate).
        public var targetRate: Double = 0.05
        /// The share of labels held back, the latest by decision time.
        public var heldBackShare: Double = 0.3
        /// Scores over the threshold in a row that raise a detection (the gate's debounce).
        public var debounce: Int = 3
        /// The highest factor the threshold may be raised by: past it, the model would go blind to real faults,
        /// and a retraining that needs more should not be promoted.
        public var maximumThresholdScale: Double = 1.5
        /// Components kept beyond the explained-variance rule, for PCA: the confirmed-normal pattern is a new
        /// direction of normal operation, and a component of its own keeps it out of Q without stretching the
        /// limits of every other direction.
        public var extraComponents: Int = 1
        /// A label is flagged when a detection could have been raised within its last this many samples.
        public var recentSamples: Int = 10

        /// The defaults.
        public init() {}
    }

    /// Retrains `model`: splits `labelled` by decision time, fits on the training part's trusted normal rows,
    /// calibrates on the training part, and measures both versions on the held-back part.
    public static func retrain(
        _ model: AnomalyModel, labelled: [LabelledWindow], settings: Settings = Settings(), version: Int,
        createdBy: String = "sluice retrain", now: Date = Date()
    ) throws -> RetrainingOutcome {
        guard settings.targetRate > 0, settings.targetRate < 1 else {
            throw AnomalyModelError.invalidConfiguration("the target false-positive rate must be in (0, 1), got \(settings.targetRate)")
        }
        guard settings.heldBackShare >= 0, settings.heldBackShare < 1 else {
            throw AnomalyModelError.invalidConfiguration("the held-back share must be in [0, 1), got \(settings.heldBackShare)")
        }
        let sorted = labelled.sorted { $0.decidedAt < $1.decidedAt }
        let heldBackCount = Int((Double(sorted.count) * settings.heldBackShare).rounded())
        let training = Array(sorted.prefix(sorted.count - heldBackCount))
        let heldBack = Array(sorted.suffix(heldBackCount))

        var notes: [String] = []
        let added = training.compactMap(\.fitRows).filter { $0.rows > 0 }
        let rows = added.reduce(0) { $0 + $1.rows }
        if rows == 0 { notes.append("no confirmed-normal telemetry: the model keeps its fit and only its threshold is calibrated") }
        var refitted = try pooledRefit(model, adding: added, extraComponents: settings.extraComponents)

        // Calibrate: the lowest threshold, from the textbook limit up, whose false-positive rate on the training
        // labels is at most the target.
        let peaks = try training.map {
            (normal: $0.normal, peak: try peakScore(refitted, $0.rows, debounce: settings.debounce, within: settings.recentSamples))
        }
        func rate(at threshold: Double) -> Double {
            let flagged = peaks.filter { $0.peak > threshold }
            return flagged.isEmpty ? 0 : Double(flagged.filter(\.normal).count) / Double(flagged.count)
        }
        // Candidates sit midway (geometrically) between neighbouring label scores, so a threshold never
        // balances on one label's score.
        let above = peaks.map(\.peak).filter { $0 > 1 }.sorted()
        let midpoints = above.indices.map { i in i + 1 < above.count ? (above[i] * above[i + 1]).squareRoot() : above[i] * 1.01 }
        let candidates = [1.0] + midpoints.filter { $0 <= settings.maximumThresholdScale }
        var scale = candidates.first { rate(at: $0) <= settings.targetRate } ?? 1
        if rate(at: scale) > settings.targetRate {
            scale = candidates.min { rate(at: $0) < rate(at: $1) } ?? 1
            notes.append(
                "no threshold up to \(settings.maximumThresholdScale)× the limit brings the training labels' false-positive rate to "
                    + "\(settings.targetRate) (the lowest reachable is \(rate(at: scale))): do not promote this version; "
                    + "look at the labels that remain false positives")
        }
        refitted.limits.primary *= scale
        if let q = refitted.limits.q { refitted.limits.q = q * scale }
        if let residual = refitted.limits.residual { refitted.limits.residual = residual * scale }
        refitted.limits.margin *= scale

        refitted.version = version
        refitted.createdBy = createdBy
        refitted.createdAt = ISO8601DateFormatter().string(from: now)
        let previous = try evaluate(model, on: heldBack, debounce: settings.debounce, recentSamples: settings.recentSamples)
        let candidate = try evaluate(refitted, on: heldBack, debounce: settings.debounce, recentSamples: settings.recentSamples)
        // The fit-time figures of the old version no longer hold, except what the default detector's limits
        // are set from; the new version's are these.
        refitted.metrics = refitted.metrics.filter { $0.key.hasPrefix("heldOut.") || $0.key == "effectiveRows" }
        refitted.metrics["explainedVariance"] = AnomalyTrainer.explainedVarianceShare(refitted.parameters)
        refitted.metrics["retrain.previousVersion"] = Double(model.version)
        refitted.metrics["retrain.confirmedNormalRows"] = Double(rows)
        refitted.metrics["retrain.trainingLabels"] = Double(training.count)
        refitted.metrics["retrain.thresholdScale"] = scale
        refitted.metrics["heldBack.labels"] = Double(heldBack.count)
        refitted.metrics["heldBack.falsePositiveRate"] = candidate.falsePositiveRate
        refitted.metrics["heldBack.previous.falsePositiveRate"] = previous.falsePositiveRate
        if let recall = candidate.recall { refitted.metrics["heldBack.recall"] = recall }
        if let recall = previous.recall { refitted.metrics["heldBack.previous.recall"] = recall }
        if heldBack.isEmpty { notes.append("no labels held back: the new version is unmeasured; export more decisions first") }
        return RetrainingOutcome(
            model: refitted, thresholdScale: scale, confirmedNormalRows: rows, trainingLabels: training.count, heldBackLabels: heldBack.count,
            previous: previous, candidate: candidate, notes: notes)
    }

    /// How `model` fares on `windows`.
    public static func evaluate(_ model: AnomalyModel, on windows: [LabelledWindow], debounce: Int, recentSamples: Int = 10) throws -> LabelEvaluation
    {
        var evaluation = LabelEvaluation(normals: 0, anomalies: 0, flaggedNormals: 0, flaggedAnomalies: 0)
        for window in windows {
            let flagged = try peakScore(model, window.rows, debounce: debounce, within: recentSamples) > 1
            if window.normal {
                evaluation.normals += 1
                if flagged { evaluation.flaggedNormals += 1 }
            } else {
                evaluation.anomalies += 1
                if flagged { evaluation.flaggedAnomalies += 1 }
            }
        }
        return evaluation
    }

    /// The highest score the window holds for `debounce` samples in a row ending within its last `within`
    /// samples: a detection would have been raised there exactly when this is over the threshold (1).
    public static func peakScore(_ model: AnomalyModel, _ rows: Matrix, debounce: Int, within: Int = .max) throws -> Double {
        guard rows.rows > 0 else { return 0 }
        let scores = try AnomalyScorer(model: model).scores(sequence: rows)
        let run = max(1, debounce)
        guard scores.count >= run else { return 0 }
        var peak = 0.0
        let firstEnd = max(run, scores.count - max(within, 1) + 1)
        for end in firstEnd...scores.count {
            let start = end - run
            var low = Double.infinity
            for score in scores[start..<(start + run)] { low = min(low, score.isFinite ? score : 0) }
            peak = max(peak, low)
        }
        return peak
    }

    /// `model` refitted to its own training data plus `added` (raw rows in its feature order), with its
    /// limits recomputed (margin 1). Supports T² and PCA models whose artifacts hold the training moments: the
    /// default detector's (``pooledRefitHeldOut(_:adding:extraComponents:)``) and textbook models without a
    /// temporal filter.
    public static func pooledRefit(_ model: AnomalyModel, adding added: [Matrix], extraComponents: Int = 0) throws -> AnomalyModel {
        guard model.kind == .hotellingT2 || model.kind == .pcaT2Q else {
            throw AnomalyModelError.invalidConfiguration(
                "retraining supports hotelling-t2 and pca-t2q models; \(model.name) is \(model.kind.rawValue)")
        }
        if model.limits.method == .heldOut {
            return try pooledRefitHeldOut(model, adding: added, extraComponents: extraComponents)
        }
        guard model.filter.isIdentity, model.changeDetector == nil, model.limits.method == .distribution,
            let values = model.parameters.eigenvalues, let vectors = model.parameters.eigenvectors, values.count == model.features.count
        else {
            throw AnomalyModelError.invalidConfiguration(
                "\(model.name) v\(model.version) has a temporal filter, change marks or empirical limits, whose training data its artifact "
                    + "does not summarise: refit it with `sluice train` on the full data instead")
        }
        let p = model.features.count
        for block in added where block.columns != p {
            throw AnomalyModelError.invalidConfiguration("telemetry with \(block.columns) columns for a model of \(p) features")
        }
        // The old training data's moments in raw units: the scaled correlation V Λ Vᵀ.
        let n0 = Double(model.trainingRows)
        let mean0 = model.scaling.means
        let scales0 = model.scaling.scales
        var scatter = Matrix.recomposing(vectors: vectors, values: values)
        for i in 0..<p { for j in 0..<p { scatter[i, j] *= (n0 - 1) * scales0[i] * scales0[j] } }
        // Chan et al.'s pairwise update merges each block's scatter about its own mean.
        var n = n0
        var mean = mean0
        for block in added where block.rows > 0 { merge(block, into: &scatter, mean: &mean, count: &n) }
        let scales = (0..<p).map { (scatter[$0, $0] / (n - 1)).squareRoot() }
        guard scales.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw AnomalyModelError.noUsableFeatures("a sensor is constant in the pooled data")
        }
        var correlation = Matrix(rows: p, columns: p)
        for i in 0..<p { for j in 0..<p { correlation[i, j] = scatter[i, j] / (n - 1) / (scales[i] * scales[j]) } }
        let fitted = try AnomalyTrainer.eigenModel(
            covariance: correlation, kind: model.kind, explainedVariance: model.explainedVariance ?? 0.9, alpha: model.limits.alpha,
            textbookLimits: true, rows: n, extraComponents: extraComponents)
        var refitted = model
        refitted.scaling = Standardizer(means: mean, scales: scales)
        refitted.parameters = ModelParameters(
            center: Array(repeating: 0, count: p), eigenvalues: fitted.eigenvalues, eigenvectors: fitted.eigenvectors, retained: fitted.retained,
            frozenRuns: model.parameters.frozenRuns)
        // Back to the textbook limits: a calibration multiplies them afresh.
        refitted.limits.primary = fitted.primaryLimit ?? 1
        refitted.limits.q = fitted.qLimit
        refitted.limits.margin = 1
        refitted.trainingRows = Int(n)
        refitted.trainingDigest = digest(previous: model.trainingDigest, added: added, features: model.features)
        return refitted
    }

    /// The default detector's pooled refit. Its artifact holds the moments of its single-sample features
    /// (the centre, every principal direction, and each direction's variance as a window mean with the factor
    /// that relates it to a single sample's) and the held-out figures its limits were set with. Each added
    /// block is standardised as the model does and its slow sensors differenced (the first window dropped),
    /// merged into those moments with Chan et al.'s update, and decomposed again; a new direction's factor is
    /// the old factors weighted by how much of each old direction it holds. The scaling, the filter, the
    /// change marks and the design are kept, and the limits are set again from the same held-out figures with the pooled number of
    /// independent rows.
    static func pooledRefitHeldOut(_ model: AnomalyModel, adding added: [Matrix], extraComponents: Int) throws -> AnomalyModel {
        guard let smoothed = model.parameters.eigenvalues, let vectors = model.parameters.eigenvectors,
            let retained = model.parameters.retained, let factors = model.parameters.windowVariance
        else { throw AnomalyModelError.invalidConfiguration("\(model.name) v\(model.version) has no decomposition to pool") }
        let p = model.features.count
        for block in added where block.columns != p {
            throw AnomalyModelError.invalidConfiguration("telemetry with \(block.columns) columns for a model of \(p) features")
        }
        let lag = model.filter.slowLag
        let differencing = TemporalFilter(window: 1, slowLag: lag, slowFeatures: model.filter.slowFeatures)
        let settledRows = Double(max(model.trainingRows - differencing.warmUp, 2))
        var scatter = Matrix.recomposing(vectors: vectors, values: (0..<p).map { (settledRows - 1) * smoothed[$0] / factors[$0] })
        var n = settledRows
        var mean = model.parameters.center
        var addedRows = 0
        for block in added where block.rows > differencing.warmUp + 1 {
            merge(differencing.apply(model.scaling.transform(block)).rows(differencing.warmUp..<block.rows), into: &scatter, mean: &mean, count: &n)
            addedRows += block.rows
        }
        var covariance = scatter
        covariance.withUnsafeMutableBufferPointer { c in for i in c.indices { c[i] /= (n - 1) } }
        let eigen = try covariance.symmetricEigendecomposition()
        let values = eigen.values.map { max($0, 0) }
        let newFactors = (0..<p).map { c -> Double in
            var f = 0.0
            for old in 0..<p {
                var overlap = 0.0
                for i in 0..<p { overlap += eigen.vectors[i, c] * vectors[i, old] }
                f += overlap * overlap * factors[old]
            }
            return f
        }
        let pooledValues = (0..<p).map { values[$0] * newFactors[$0] }
        let usable = values.filter { $0 > 1e-10 * max(values.first ?? 0, 1e-300) }.count
        let k = model.kind == .pcaT2Q ? min(retained + extraComponents, max(usable - 1, 1)) : max(usable, 1)
        let effectiveRows = (model.metrics["effectiveRows"] ?? settledRows) * n / settledRows
        let limits = AnomalyTrainer.limitsFromHeldOut(
            kind: model.kind, retained: k, eigenvalues: pooledValues, effectiveRows: effectiveRows, alpha: model.limits.alpha,
            metrics: model.metrics)
        var refitted = model
        refitted.parameters.center = mean
        refitted.parameters.eigenvalues = pooledValues
        refitted.parameters.eigenvectors = eigen.vectors
        refitted.parameters.retained = k
        refitted.parameters.windowVariance = newFactors
        let check = AnomalyTrainer.residualCheck(
            kind: model.kind, retained: k, vectors: eigen.vectors, variances: pooledValues, alpha: model.limits.alpha, metrics: model.metrics)
        refitted.parameters.residualVariance = check?.variances
        refitted.limits.primary = limits.primary
        refitted.limits.q = limits.q
        refitted.limits.residual = check?.limit
        refitted.limits.margin = 1
        refitted.trainingRows = model.trainingRows + addedRows
        refitted.metrics["effectiveRows"] = effectiveRows
        refitted.trainingDigest = digest(previous: model.trainingDigest, added: added, features: model.features)
        return refitted
    }

    /// Merges the rows of `block` into a scatter matrix about `mean` of `n` rows: Chan et al.'s pairwise
    /// update adds the block's own scatter and `δδᵀ · n·m/(n + m)` for the shift `δ` between the means.
    static func merge(_ block: Matrix, into scatter: inout Matrix, mean: inout [Double], count n: inout Double) {
        let p = block.columns
        let m = Double(block.rows)
        let moments = block.meanAndCovariance()
        let delta = (0..<p).map { moments.means[$0] - mean[$0] }
        for i in 0..<p {
            for j in 0..<p {
                scatter[i, j] += (block.rows > 1 ? (m - 1) * moments.covariance[i, j] : 0) + delta[i] * delta[j] * n * m / (n + m)
            }
        }
        for i in 0..<p { mean[i] += delta[i] * m / (n + m) }
        n += m
    }

    /// The previous digest chained with each block's own.
    static func digest(previous: String, added: [Matrix], features: [String]) -> String {
        var hasher = SHA256()
        hasher.update(data: Data(previous.utf8))
        for block in added { hasher.update(data: Data(AnomalyTrainer.digest(block, features: features).utf8)) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
