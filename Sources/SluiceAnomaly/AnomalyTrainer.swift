import Crypto
public import Foundation
public import SluiceLinearAlgebra
import SluiceStatistics

/// How to fit an anomaly model.
///
/// ``automatic`` is the default detector: it derives the model, the components, the slow sensors, the
/// smoothing window and the limits from the training rows (``DetectorDesign``). The other settings name a
/// model explicitly, for comparison and for users who want one.
public struct TrainingConfiguration: Sendable, Codable, Equatable {
    /// Whether every choice is derived from the training rows (the default detector); the settings below
    /// other than ``alpha``, ``clearBelow``, ``detectsChanges`` and ``detectionObjective`` are then ignored.
    public var automatic: Bool
    /// The kind of model.
    public var kind: AnomalyModelKind
    /// PCA: keep the leading components that explain this share of the variance.
    public var explainedVariance: Double
    /// The false-alarm probability of the control limits: the share of normal samples over the threshold
    /// before any debounce.
    public var alpha: Double
    /// How the limits are set. MSET has no textbook limit and is always empirical; the default detector is
    /// always held out.
    public var limitMethod: LimitMethod
    /// A factor on top of the limit (1 = the statistical limit).
    public var margin: Double
    /// Hysteresis: an alarm clears when the score falls below this (≤ 1).
    public var clearBelow: Double
    /// The causal filter applied before the model (explicit models).
    public var filter: TemporalFilter
    /// MSET: the number of normal states kept in memory.
    public var memorySize: Int
    /// Whether to fit a ``ChangeDetector`` beside the model.
    public var detectsChanges: Bool
    /// The change-mark threshold, in multiples of the training statistic's 99th percentile.
    public var changeThreshold: Double
    /// Seconds within which a fault should be detected (the pilot's objective): the default detector's
    /// smoothing window is at most half of it.
    public var detectionObjective: Double

    /// An explicit configuration; the defaults are the textbook PCA T²+Q at 90 % explained variance,
    /// α = 0.01, distribution limits.
    public init(
        kind: AnomalyModelKind = .pcaT2Q, explainedVariance: Double = 0.9, alpha: Double = 0.01, limitMethod: LimitMethod = .distribution,
        margin: Double = 1, clearBelow: Double = 1, filter: TemporalFilter = .identity, memorySize: Int = 100,
        detectsChanges: Bool = false, changeThreshold: Double = 4, automatic: Bool = false, detectionObjective: Double = 300
    ) {
        self.automatic = automatic
        self.kind = kind
        self.explainedVariance = explainedVariance
        self.alpha = alpha
        self.limitMethod = limitMethod
        self.margin = margin
        self.clearBelow = clearBelow
        self.filter = filter
        self.memorySize = memorySize
        self.detectsChanges = detectsChanges
        self.changeThreshold = changeThreshold
        self.detectionObjective = detectionObjective
    }

    /// The default detector: every choice derived from the training rows, limits held out, α = 1 % of normal
    /// samples, a 5-minute detection objective, and change marks (they lift SKAB's NAB score from 17.4 to
    /// 27.9, past the published 25.35 of PCA T²+Q, while the alarm stays as it is).
    public static let automatic = TrainingConfiguration(limitMethod: .heldOut, detectsChanges: true, automatic: true)

    func validate() throws {
        guard explainedVariance > 0, explainedVariance <= 1 else {
            throw AnomalyModelError.invalidConfiguration("explained variance must be in (0, 1], got \(explainedVariance)")
        }
        guard alpha > 0, alpha < 0.5 else { throw AnomalyModelError.invalidConfiguration("alpha must be in (0, 0.5), got \(alpha)") }
        guard automatic || limitMethod != .heldOut else {
            throw AnomalyModelError.invalidConfiguration("held-out limits belong to the default detector; choose 'distribution' or 'empirical'")
        }
        guard margin > 0 else { throw AnomalyModelError.invalidConfiguration("margin must be positive, got \(margin)") }
        guard clearBelow > 0, clearBelow <= 1 else {
            throw AnomalyModelError.invalidConfiguration("clear-below must be in (0, 1], got \(clearBelow)")
        }
        guard memorySize >= 2 else { throw AnomalyModelError.invalidConfiguration("MSET memory needs at least 2 states, got \(memorySize)") }
        guard detectionObjective > 0, detectionObjective.isFinite else {
            throw AnomalyModelError.invalidConfiguration("the detection objective must be a positive number of seconds, got \(detectionObjective)")
        }
    }
}

/// The outcome of fitting: the model and what was noticed on the way (dropped sensors, rank).
public struct TrainingResult: Sendable {
    /// The fitted model.
    public let model: AnomalyModel
    /// Things the user should know, one sentence each.
    public let notes: [String]
}

/// Fits anomaly models.
public enum AnomalyTrainer {
    /// Fits a model to `data` (rows in time order, one column per name in `features`).
    ///
    /// Constant sensors are dropped and said; directions of the covariance with no variance are left out
    /// of T² (a pseudo-inverse) and said, so a degenerate training set never yields a NaN score.
    ///
    /// - Throws: ``AnomalyModelError`` for too few rows, no usable feature or a bad configuration.
    /// `times` (seconds, one per row) give the default detector its sampling interval; without them one
    /// sample a second is assumed and said.
    public static func fit(
        _ data: Matrix, features: [String], times: [Double]? = nil, configuration: TrainingConfiguration = TrainingConfiguration(),
        name: String = "model", version: Int = 1, createdBy: String = "sluice train", source: String = "training data", now: Date = Date()
    ) throws -> TrainingResult {
        try configuration.validate()
        precondition(data.columns == features.count, "one feature name per column")
        precondition(times == nil || times!.count == data.rows, "one time per row")
        let minimumRows = max(configuration.automatic ? 2 * features.count + 12 : 10, configuration.filter.warmUp + 2 * features.count + 2)
        guard data.rows >= minimumRows else { throw AnomalyModelError.tooFewRows(got: data.rows, needed: minimumRows, source: source) }

        var notes: [String] = []
        var dropped: [String: String] = [:]
        let moments = data.meanAndCovariance()
        let fullScaling = Standardizer(moments: moments)
        let constant = Set(fullScaling.constantFeatures)
        for j in constant.sorted() {
            dropped[features[j]] = "constant at \(fullScaling.means[j]) in the training data"
            notes.append("sensor '\(features[j])' is constant (\(fullScaling.means[j])) in the training data: dropped from the model")
        }
        let kept = features.indices.filter { !constant.contains($0) }
        guard !kept.isEmpty else { throw AnomalyModelError.noUsableFeatures("every sensor is constant in the training data") }
        let x = kept.count == features.count ? data : data.columns(kept)
        let keptNames = kept.map { features[$0] }
        let scaling = Standardizer(means: kept.map { fullScaling.means[$0] }, scales: kept.map { fullScaling.scales[$0] })
        if configuration.automatic {
            return try fitAutomatic(
                data, x: x, features: features, kept: keptNames, dropped: dropped, scaling: scaling, times: times, configuration: configuration,
                name: name, version: version, createdBy: createdBy, source: source, now: now, notes: notes)
        }

        let filter = configuration.filter.fitted(to: x)
        let slow = keptNames.indices.filter { filter.slowFeatures.indices.contains($0) && filter.slowFeatures[$0] }.map { keptNames[$0] }
        if !slow.isEmpty { notes.append("slow sensors judged by their change over \(filter.slowLag) samples: \(slow.joined(separator: ", "))") }

        // Without a filter the standardised data has mean zero and its covariance is the correlation
        // matrix, read straight off the raw moments; a filter needs the filtered series itself.
        let center: [Double]
        let covariance: Matrix
        var centered: Matrix?
        if filter.isIdentity, configuration.kind != .mset, !configuration.detectsChanges {
            center = Array(repeating: 0, count: kept.count)
            var correlation = Matrix(rows: kept.count, columns: kept.count)
            for (a, i) in kept.enumerated() {
                for (b, j) in kept.enumerated() { correlation[a, b] = moments.covariance[i, j] / (fullScaling.scales[i] * fullScaling.scales[j]) }
            }
            covariance = correlation
        } else {
            let z = scaling.transform(x)
            let settled = filter.apply(z).rows(filter.warmUp..<x.rows)
            let filteredMoments = settled.meanAndCovariance()
            center = filteredMoments.means
            covariance = filteredMoments.covariance
            centered = Self.subtract(center, from: settled)
        }

        var parameters = ModelParameters(center: center)
        var memoryRows = Set<Int>()
        var limits = ControlLimits(
            method: configuration.limitMethod, alpha: configuration.alpha, margin: configuration.margin, primary: 1, q: nil,
            clearBelow: configuration.clearBelow)
        // Placeholders until the limits are set below (empirical limits need the statistics first).
        if configuration.kind == .pcaT2Q { limits.q = 1 }
        var explained: Double?
        let n = Double(x.rows - filter.warmUp)

        switch configuration.kind {
        case .hotellingT2, .pcaT2Q:
            let fitted = try eigenModel(
                covariance: covariance, kind: configuration.kind, explainedVariance: configuration.explainedVariance, alpha: configuration.alpha,
                textbookLimits: configuration.limitMethod == .distribution, rows: n)
            parameters.eigenvalues = fitted.eigenvalues
            parameters.eigenvectors = fitted.eigenvectors
            parameters.retained = fitted.retained
            if configuration.kind == .pcaT2Q { explained = configuration.explainedVariance }
            if let primary = fitted.primaryLimit { limits.primary = primary }
            if let q = fitted.qLimit { limits.q = q }
            notes += fitted.notes
        case .mset:
            memoryRows = Set(try fitMSET(centered!, memorySize: configuration.memorySize, into: &parameters).map { $0 + filter.warmUp })
        }

        var model = AnomalyModel(
            format: AnomalyModel.formatVersion, family: "anomaly", kind: configuration.kind, name: name, version: version, features: keptNames,
            droppedFeatures: dropped, scaling: scaling, filter: filter, parameters: parameters, limits: limits,
            changeDetector: configuration.detectsChanges
                ? try ChangeDetector.fit(standardized: scaling.transform(x), threshold: configuration.changeThreshold) : nil,
            explainedVariance: explained, samplingInterval: nil, design: nil,
            trainingDigest: digest(data, features: features), trainingRows: data.rows, metrics: [:], createdBy: createdBy,
            createdAt: ISO8601DateFormatter().string(from: now))

        // Empirical limits come from the statistics themselves; MSET has no textbook limit.
        let trainingRows = filter.warmUp..<x.rows
        if configuration.limitMethod == .empirical || configuration.kind == .mset {
            let statistics = try AnomalyScorer(model: model, rawLimits: true).statistics(sequence: x)
            let quantile = 1 - configuration.alpha
            model.limits.method = .empirical
            // MSET reproduces its memory states almost exactly; their residuals would bias the limit low.
            let calibration = trainingRows.filter { !memoryRows.contains($0) }
            model.limits.primary = Distributions.empiricalQuantile(calibration.map { statistics.primary[$0] }, quantile)
            if configuration.kind == .pcaT2Q {
                model.limits.q = Distributions.empiricalQuantile(Array(statistics.q[trainingRows]), quantile)
            }
        }
        model.limits.primary = max(model.limits.primary, 1e-12) * configuration.margin
        if let q = model.limits.q { model.limits.q = max(q, 1e-12) * configuration.margin }
        try measureTrainingAlarmRate(&model, x: x, trainingRows: trainingRows)
        model.metrics["explainedVariance"] = Self.explainedVarianceShare(parameters)
        return TrainingResult(model: model, notes: notes)
    }

    /// The default detector's fit: ``automaticParts(raw:features:scaling:times:configuration:)`` wrapped into an
    /// artifact, with its design recorded.
    static func fitAutomatic(
        _ data: Matrix, x: Matrix, features: [String], kept: [String], dropped: [String: String], scaling: Standardizer, times: [Double]?,
        configuration: TrainingConfiguration, name: String, version: Int, createdBy: String, source: String, now: Date, notes: [String]
    ) throws -> TrainingResult {
        let fitted = try automaticParts(raw: x, features: kept, scaling: scaling, times: times, configuration: configuration)
        var changeDetector: ChangeDetector?
        if configuration.detectsChanges {
            let w = fitted.filter.window
            // Its scale is a 99th percentile: the latest 200,000 rows fix it as well as all of them would.
            let recent = x.rows > 200_000 ? x.rows(x.rows - 200_000..<x.rows) : x
            changeDetector = try ChangeDetector.fit(
                standardized: scaling.transform(recent), recent: w, reference: max(3 * w, ChangeDetector.minimumReference),
                threshold: configuration.changeThreshold,
                refractory: 6 * w)
        }
        var model = AnomalyModel(
            format: AnomalyModel.formatVersion, family: "anomaly", kind: fitted.kind, name: name, version: version, features: kept,
            droppedFeatures: dropped, scaling: fitted.scaling, filter: fitted.filter, parameters: fitted.parameters, limits: fitted.limits,
            changeDetector: changeDetector, explainedVariance: nil, samplingInterval: fitted.design.interval, design: fitted.design.choices,
            trainingDigest: digest(data, features: features), trainingRows: data.rows, metrics: fitted.metrics, createdBy: createdBy,
            createdAt: ISO8601DateFormatter().string(from: now))
        try measureTrainingAlarmRate(&model, x: x, trainingRows: fitted.filter.warmUp..<x.rows)
        model.metrics["explainedVariance"] = Self.explainedVarianceShare(model.parameters)
        return TrainingResult(model: model, notes: notes + fitted.notes)
    }

    /// Records `training.alarmRate`: the share of settled training rows over the threshold. A check, not a
    /// parameter: 100,000 rows measure it to ±0.03 %, so a large training set is not scored whole: without a
    /// filter it is sampled evenly, with one (which needs the sequence) its latest 100,000 rows are scored.
    static func measureTrainingAlarmRate(_ model: inout AnomalyModel, x: Matrix, trainingRows: Range<Int>) throws {
        let sampleLimit = 100_000
        var scored: Matrix
        var trainingRows = trainingRows
        var sampled = false
        if !model.filter.isIdentity || model.parameters.frozenRuns != nil, trainingRows.count > sampleLimit {
            // A filter needs the sequence: the latest rows, with the filter's warm-up before them.
            let start = x.rows - sampleLimit - model.filter.warmUp
            scored = x.rows(start..<x.rows)
            trainingRows = model.filter.warmUp..<scored.rows
        } else if model.filter.isIdentity, model.parameters.frozenRuns == nil, trainingRows.count > sampleLimit {
            let stride = Double(trainingRows.count) / Double(sampleLimit)
            var sample = Matrix(rows: sampleLimit, columns: x.columns)
            for r in 0..<sampleLimit {
                let source = trainingRows.lowerBound + Int(Double(r) * stride)
                for j in 0..<x.columns { sample[r, j] = x[source, j] }
            }
            scored = sample
            sampled = true
        } else {
            scored = x
        }
        let scores = try AnomalyScorer(model: model).scores(sequence: scored)
        let evaluated = sampled ? scores : Array(scores[trainingRows])
        model.metrics["training.alarmRate"] = Double(evaluated.filter { $0 > 1 }.count) / Double(max(evaluated.count, 1))
        model.metrics["training.alarmRateRows"] = Double(evaluated.count)
    }

    /// The share of the variance the retained components carry, for a model with components (PCA).
    static func explainedVarianceShare(_ parameters: ModelParameters) -> Double? {
        guard let retained = parameters.retained, let values = parameters.eigenvalues else { return nil }
        let total = values.reduce(0, +)
        return total > 0 ? values.prefix(retained).reduce(0, +) / total : 1
    }

    /// The eigen-decomposition of a (standardised) training covariance and what T² and PCA make of it: the
    /// components retained and, with textbook limits, the control limits for `rows` training rows.
    static func eigenModel(
        covariance: Matrix, kind: AnomalyModelKind, explainedVariance: Double, alpha: Double, textbookLimits: Bool, rows n: Double,
        extraComponents: Int = 0
    ) throws -> (eigenvalues: [Double], eigenvectors: Matrix, retained: Int, primaryLimit: Double?, qLimit: Double?, notes: [String]) {
        var notes: [String] = []
        let eigen = try covariance.symmetricEigendecomposition()
        let values = eigen.values.map { max($0, 0) }
        let total = values.reduce(0, +)
        let usable = values.filter { $0 > 1e-10 * max(values.first ?? 0, 1e-300) }.count
        if usable < values.count {
            notes.append(
                "the training covariance has rank \(usable) of \(values.count) (collinear sensors): T² uses the \(usable) directions with variance")
        }
        var retained = usable
        if kind == .pcaT2Q {
            var cumulative = 0.0
            retained = 0
            for v in values.prefix(usable) {
                cumulative += v
                retained += 1
                if cumulative / total >= explainedVariance - 1e-12 { break }
            }
            retained = min(retained + extraComponents, max(usable - 1, 1))
        }
        var primary: Double?
        var q: Double?
        if textbookLimits {
            // Phase II limit for a new observation: k(n−1)(n+1) / (n(n−k)) · F(1−α; k, n−k).
            let k = Double(retained)
            primary = k * (n - 1) * (n + 1) / (n * (n - k)) * Distributions.fQuantile(1 - alpha, k, n - k)
            if kind == .pcaT2Q { q = jacksonMudholkar(residualEigenvalues: Array(values[retained...]), alpha: alpha) }
        }
        return (values, eigen.vectors, retained, primary, q, notes)
    }

    /// The control limit of Q for the eigenvalues left out of the model: Jackson–Mudholkar, or Box's
    /// scaled χ² (`g·χ²_h` with `g = θ₂/θ₁`, `h = θ₁²/θ₂`) when one residual eigenvalue dominates so much
    /// that Jackson–Mudholkar's exponent `h₀` is near or below zero and its limit would fall below the
    /// mean of Q.
    public static func jacksonMudholkar(residualEigenvalues: [Double], alpha: Double) -> Double {
        let theta1 = residualEigenvalues.reduce(0, +)
        let theta2 = residualEigenvalues.reduce(0) { $0 + $1 * $1 }
        let theta3 = residualEigenvalues.reduce(0) { $0 + $1 * $1 * $1 }
        guard theta1 > 0, theta2 > 0 else { return 1e-12 }
        let h0 = 1 - 2 * theta1 * theta3 / (3 * theta2 * theta2)
        if h0 >= 0.05 {
            let c = Distributions.normalQuantile(1 - alpha)
            let inner = c * (2 * theta2 * h0 * h0).squareRoot() / theta1 + 1 + theta2 * h0 * (h0 - 1) / (theta1 * theta1)
            let limit = theta1 * pow(max(inner, 1e-12), 1 / h0)
            if limit.isFinite, limit > theta1 { return limit }
        }
        return theta2 / theta1 * Distributions.chiSquareQuantile(1 - alpha, theta1 * theta1 / theta2)
    }

    /// SHA-256 over the feature names and the training values (little-endian doubles), as hex.
    public static func digest(_ data: Matrix, features: [String]) -> String {
        var hasher = SHA256()
        hasher.update(data: Data(features.joined(separator: "\u{1F}").utf8))
        hasher.update(data: withUnsafeBytes(of: Int64(data.rows).littleEndian) { Data($0) })
        data.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: UInt8.self) { bytes in hasher.update(bufferPointer: UnsafeRawBufferPointer(bytes)) }
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    static func subtract(_ center: [Double], from m: Matrix) -> Matrix {
        var out = m
        let p = m.columns
        out.withUnsafeMutableBufferPointer { b in
            for i in 0..<m.rows { for j in 0..<p { b[i * p + j] -= center[j] } }
        }
        return out
    }
}
