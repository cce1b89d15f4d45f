import Foundation
import SluiceLinearAlgebra
import SluiceStatistics

extension AnomalyTrainer {
    /// The default detector: every choice read off the training rows (``DetectorDesign``), limits set out of
    /// sample.
    ///
    /// 1. Standardise; derive the sampling interval, the window, the slow sensors and the frozen-run limits.
    /// 2. The single-sample features `u`: each sensor's standardised value, or for a slow sensor its change
    ///    over one window, rescaled to unit variance. Their correlation, estimated on every training row, gives
    ///    the principal directions.
    /// 3. Live states are averaged over the window. The variance of a window mean along each principal
    ///    direction is that direction's eigenvalue times its own variance-of-mean factor (from the
    ///    autocorrelation of its scores): a slow shared load keeps most of its variance, fast noise loses most
    ///    of it. Those variances replace the eigenvalues, so T² and Q judge window means by what window means
    ///    do, while the directions come from single samples, which many rows estimate well.
    /// 4. Keep the components whose eigenvalue stands above what noise alone gives with this many independent
    ///    rows (the Marchenko–Pastur edge `(1 + √(p/n_eff))²`): PCA T²+Q when some do and some do not,
    ///    Hotelling T² when none stands out or all do.
    /// 5. Calibrate the limits on held-out rows (``heldOutLimits``).
    static func automaticParts(
        raw x: Matrix, features: [String], scaling initialScaling: Standardizer, times: [Double]?, configuration: TrainingConfiguration
    ) throws -> (
        kind: AnomalyModelKind, scaling: Standardizer, filter: TemporalFilter, parameters: ModelParameters, limits: ControlLimits,
        design: DetectorDesign, metrics: [String: Double], notes: [String]
    ) {
        let p = x.columns
        var notes: [String] = []
        let z = initialScaling.transform(x)
        var design = DetectorDesign.derive(
            standardized: z, raw: x, features: features, times: times, alpha: configuration.alpha,
            detectionObjective: configuration.detectionObjective)
        let w = design.window
        let slowAny = design.slow.contains(true)
        let differencing = TemporalFilter(window: 1, slowLag: slowAny ? w : 0, slowFeatures: design.slow)
        let filter = TemporalFilter(window: w, slowLag: slowAny ? w : 0, slowFeatures: design.slow)
        guard x.rows - filter.warmUp > 2 * p + 10 else {
            throw AnomalyModelError.tooFewRows(got: x.rows, needed: filter.warmUp + 2 * p + 11, source: "the training data")
        }
        // Single-sample features, settled once the slow sensors have a window behind them, at unit variance.
        let rawFeatures = differencing.apply(z).rows(differencing.warmUp..<x.rows)
        let rawMoments = rawFeatures.meanAndCovariance()
        let spreads = (0..<p).map { j -> Double in
            let s = max(rawMoments.covariance[j, j], 0).squareRoot()
            return s > 1e-9 ? s : 1
        }
        var u = rawFeatures
        u.withUnsafeMutableBufferPointer { f in
            for i in 0..<rawFeatures.rows { for j in 0..<p { f[i * p + j] /= spreads[j] } }
        }
        let scaling = Standardizer(means: initialScaling.means, scales: (0..<p).map { initialScaling.scales[$0] * spreads[$0] })
        let moments = u.meanAndCovariance()
        let eigen = try moments.covariance.symmetricEigendecomposition()
        let values = eigen.values.map { max($0, 0) }
        let usable = values.filter { $0 > 1e-10 * max(values.first ?? 0, 1e-300) }.count
        if usable < p {
            notes.append("the training covariance has rank \(usable) of \(p) (collinear sensors): T² uses the \(usable) directions with variance")
        }
        let scores = Matrix.checkedProduct(Self.subtract(moments.means, from: u), eigen.vectors)
        let windowVariance = Self.windowVariance(of: scores, rows: 0..<scores.rows, window: w)
        let smoothedValues = (0..<p).map { values[$0] * windowVariance[$0] }

        // Independent rows behind the estimates: noise directions (for the noise edge) and the retained ones
        // (for the T² limit, the most persistent of them) remember differently.
        let scoreMemory = (0..<p).map { SeriesStatistics.integratedTime(of: scores.column($0), squared: true) }
        let noiseRows = Double(u.rows) / Distributions.empiricalQuantile(scoreMemory, 0.5)
        let edge = pow(1 + (Double(p) / noiseRows).squareRoot(), 2)
        let structured = values.prefix(usable).filter { $0 > edge }.count
        let kind: AnomalyModelKind
        let retained: Int
        if structured == 0 || structured >= usable {
            kind = .hotellingT2
            retained = max(usable, 1)
        } else {
            kind = .pcaT2Q
            retained = structured
        }
        let effectiveRows = Double(u.rows) / (scoreMemory.prefix(retained).max() ?? 1)
        let f = DetectorDesign.figure
        if effectiveRows < 10 * Double(retained) {
            notes.append(
                "the training rows hold only \(f(effectiveRows)) independent rows for the \(retained) direction\(retained == 1 ? "" : "s") T² watches "
                    + "(fewer than ten per direction): the limits are estimated from little, so expect the false-alarm rate to stray from "
                    + "its target; train on a longer stretch of normal operation")
        }
        let plural = retained == 1 ? "" : "s"
        design.choices.append(
            DesignChoice(
                name: "model", value: kind == .pcaT2Q ? "pca-t2q, \(retained) of \(p) components" : "hotelling-t2 on \(retained) directions",
                reason: kind == .pcaT2Q
                    ? "\(retained) eigenvalue\(plural) of the sensors' correlation above the noise edge (1 + √(\(p)/\(f(noiseRows))))² = \(f(edge)) of \(f(noiseRows)) independent rows; T² watches \(retained == 1 ? "it" : "them") and Q the rest"
                    : structured == 0
                        ? "no eigenvalue of the sensors' correlation stands above the noise edge \(f(edge)) of \(f(noiseRows)) independent rows: every direction is watched alike"
                        : "every direction carries structure above the noise edge \(f(edge)): T² on all of them"))

        var parameters = ModelParameters(center: moments.means)
        parameters.eigenvalues = smoothedValues
        parameters.eigenvectors = eigen.vectors
        parameters.retained = retained
        parameters.windowVariance = windowVariance
        parameters.frozenRuns = design.frozenRuns.map { $0 ?? 0 }
        // Past 200,000 rows the held-out figures are as good as they get: the latest rows are enough.
        let calibrationRows = u.rows > 200_000 ? u.rows(u.rows - 200_000..<u.rows) : u
        let calibration = try heldOutLimits(
            single: calibrationRows, window: w, kind: kind, retained: retained, finalValues: smoothedValues, effectiveRows: effectiveRows,
            alpha: configuration.alpha)
        design.choices.append(calibration.choice)
        let check = residualCheck(
            kind: kind, retained: retained, vectors: eigen.vectors, variances: smoothedValues, alpha: configuration.alpha,
            metrics: calibration.metrics)
        parameters.residualVariance = check?.variances
        let limits = ControlLimits(
            method: .heldOut, alpha: configuration.alpha, margin: 1, primary: calibration.primary, q: calibration.q,
            residual: check?.limit, clearBelow: configuration.clearBelow)
        var metrics = calibration.metrics
        metrics["effectiveRows"] = effectiveRows
        return (kind, scaling, filter, parameters, limits, design, metrics, notes)
    }

    /// The variance-of-mean factor over `window` samples of each column of `u` (a direction's scores), from the autocorrelation of
    /// `rows` of it (at most their last 16,384).
    ///
    /// Autocovariances measured about the sample's own mean run low by about the variance of that mean,
    /// `τ/n` of the variance for a series that remembers `τ` samples, and so does the factor; it gets that
    /// back. A window mean varies at least as much as the mean of as many independent samples (1/w): an
    /// estimate below that is the noise of a short training set, and trusting it would inflate live scores.
    static func windowVariance(of u: Matrix, rows: Range<Int>, window w: Int) -> [Double] {
        guard w > 1 else { return Array(repeating: 1, count: u.columns) }
        return (0..<u.columns).map { j in
            let series = rows.suffix(16_384).map { u[$0, j] }
            let rho = SeriesStatistics.autocorrelation(series, maxLag: w)
            let bias = SeriesStatistics.integratedTime(of: series) / Double(max(series.count, 1))
            return max(DetectorDesign.varianceOfMean(rho, window: w) + bias, 1 / Double(w))
        }
    }

    /// Limits that hold out of sample.
    ///
    /// The training rows are cut into five consecutive blocks. Everything the model estimates is estimated
    /// again without the block (the centre and the covariance on the other four, each direction's
    /// variance-of-mean factor on the longer stretch beside it), and the window means of the block are scored
    /// with it, so every row gets the T² and Q a new normal sample would get, estimation errors included.
    /// The shape of each limit comes from theory with the effective number of rows (T²: the out-of-sample F
    /// form, `c · F(k, n_eff − k)`; Q: Box's `g · χ²_h` of the residual eigenvalues); its scale from the
    /// held-out mean, corrected by theory for the smaller fits and never below the theoretical mean, and its
    /// tail the heavier of theory's and the held-out one (``limitsFromHeldOut``). A process whose rows differ from one part of
    /// the training to another (a drift, a change of operating point) thus widens its own limits; a steady
    /// one keeps the textbook limits.
    static func heldOutLimits(
        single u: Matrix, window w: Int, kind: AnomalyModelKind, retained k: Int, finalValues: [Double], effectiveRows: Double, alpha: Double
    ) throws -> (primary: Double, q: Double?, choice: DesignChoice, metrics: [String: Double]) {
        let n = u.rows
        let p = u.columns
        // The window means of the single-sample features, defined once a full window is behind them.
        var means = Matrix(rows: n, columns: p)
        var running = [Double](repeating: 0, count: p)
        for i in 0..<n {
            for j in 0..<p {
                running[j] += u[i, j] - (i >= w ? u[i - w, j] : 0)
                means[i, j] = running[j] / Double(min(i + 1, w))
            }
        }
        let blocks = n >= 50 ? 5 : 2
        let bounds = (0...blocks).map { $0 * n / blocks }
        let total = u.gram()
        let totalSums = (0..<p).map { j in (0..<n).reduce(0.0) { $0 + u[$1, j] } }
        var t2Values: [Double] = []
        var qValues: [Double] = []
        for b in 0..<blocks {
            let range = bounds[b]..<bounds[b + 1]
            guard !range.isEmpty else { continue }
            let block = u.rows(range)
            let blockGram = block.gram()
            let blockSums = (0..<p).map { j in range.reduce(0.0) { $0 + u[$1, j] } }
            let m = Double(n - range.count)
            let mean = (0..<p).map { (totalSums[$0] - blockSums[$0]) / m }
            var covariance = Matrix(rows: p, columns: p)
            for i in 0..<p {
                for j in 0..<p { covariance[i, j] = (total[i, j] - blockGram[i, j] - m * mean[i] * mean[j]) / (m - 1) }
            }
            let eigen = try covariance.symmetricEigendecomposition()
            // The variance of a window mean along each direction, from the longer stretch around the block.
            let before = 0..<range.lowerBound
            let after = range.upperBound..<n
            let stretch = before.count >= after.count ? before : after
            let stretchScores = Matrix.checkedProduct(Self.subtract(mean, from: u.rows(stretch)), eigen.vectors)
            let factors = windowVariance(of: stretchScores, rows: 0..<stretchScores.rows, window: w)
            let variances = (0..<p).map { eigen.values[$0] * factors[$0] }
            let largest = max(variances.first ?? 0, 1e-300)
            var d = [Double](repeating: 0, count: p)
            for r in range where r >= w - 1 {
                for j in 0..<p { d[j] = means[r, j] - mean[j] }
                var t2 = 0.0
                var projected = 0.0
                for c in 0..<k {
                    var s = 0.0
                    for i in 0..<p { s += eigen.vectors[i, c] * d[i] }
                    if variances[c] > 1e-10 * largest { t2 += s * s / variances[c] }
                    projected += s * s
                }
                let norm = d.reduce(0) { $0 + $1 * $1 }
                t2Values.append(t2)
                qValues.append(max(norm - projected, 0))
            }
        }
        let rows = max(effectiveRows, Double(k) + 5)
        let foldRows = max(rows * Double(blocks - 1) / Double(blocks), Double(k) + 5)
        // Held-out rows were scored by fits on fewer rows than the final one: theory corrects their mean.
        func meanAndRelativeVariance(_ x: [Double]) -> (Double, Double) {
            let m = x.reduce(0, +) / Double(max(x.count, 1))
            let v = x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(max(x.count - 1, 1))
            return (m, m > 0 ? v / (m * m) : 0)
        }
        let (t2HeldOut, t2Relative) = meanAndRelativeVariance(t2Values)
        let (qHeldOut, qRelative) = meanAndRelativeVariance(qValues)
        let t2Ratio = t2HeldOut / theoreticalT2Mean(components: k, rows: foldRows)
        let residual = Array(finalValues[min(k, finalValues.count)...])
        let theta1 = residual.reduce(0, +)
        let qRatio = kind == .pcaT2Q && theta1 > 0 ? qHeldOut / theta1 : 1
        var metrics: [String: Double] = ["heldOut.t2MeanRatio": t2Ratio, "heldOut.t2RelativeVariance": t2Relative]
        if kind == .pcaT2Q {
            metrics["heldOut.qMeanRatio"] = qRatio
            metrics["heldOut.qRelativeVariance"] = qRelative
        }
        let limits = limitsFromHeldOut(
            kind: kind, retained: k, eigenvalues: finalValues, effectiveRows: effectiveRows, alpha: alpha, metrics: metrics)
        let each = share(of: alpha, kind: kind)
        let f = DetectorDesign.figure
        let choice = DesignChoice(
            name: "limits",
            value: kind == .pcaT2Q
                ? "T² \(f(limits.primary)), Q \(f(limits.q ?? 0)); α \(f(alpha * 100)) % of normal samples"
                : "T² \(f(limits.primary)); α \(f(alpha * 100)) % of normal samples",
            reason:
                "out of sample: each fifth of the training rows scored by the model fitted on the rest; T² at the tail of F(\(k), \(f(rows - Double(k)))) "
                + "scaled to its held-out mean, \(f(t2Ratio))× what a steady process of \(f(rows)) independent rows gives"
                + (kind == .pcaT2Q ? "; Q at Box's g·χ² of the residual eigenvalues scaled to its held-out mean, \(f(qRatio))× the fitted one" : "")
                + (max(t2Ratio, qRatio) > 1.5
                    ? " (the training rows change over time, so the limits widen)" : " (the training rows are steady, so the limits stay tight)")
                + (kind == .pcaT2Q
                    ? "; T², Q and the largest residual of one sensor (each sensor's residual over its normal spread, at \(f(each * 100)) % shared by the sensors) each at \(f(each * 100)) % so that together about α"
                    : ""))
        return (limits.primary, limits.q, choice, metrics)
    }

    /// The out-of-sample mean of T² on `k` components fitted on `rows` independent rows: k(n+1)(n−1) / (n(n−k−2)).
    static func theoreticalT2Mean(components k: Int, rows n: Double) -> Double {
        let kk = Double(k)
        return kk * (n + 1) * (n - 1) / (n * (n - kk - 2))
    }

    /// The limits of a model with `eigenvalues` (largest first, `retained` in T²) fitted on `effectiveRows`
    /// independent rows, from its held-out figures in `metrics`: T² at `c · F(k, d)` and Q at Box's
    /// `g · χ²_h`. Each is scaled to the larger of its theoretical and its held-out mean, and its tail is the
    /// heavier of theory's (`d = n − k`; `h = θ₁²/θ₂` of the residual eigenvalues) and the one whose relative
    /// variance the held-out rows showed. For PCA each is set at `1 − √(1 − α)`, so together they raise
    /// about α.
    static func limitsFromHeldOut(
        kind: AnomalyModelKind, retained k: Int, eigenvalues: [Double], effectiveRows: Double, alpha: Double, metrics: [String: Double]
    ) -> (primary: Double, q: Double?) {
        let each = share(of: alpha, kind: kind)
        let kk = Double(k)
        let rows = max(effectiveRows, kk + 5)
        let t2Mean = max(metrics["heldOut.t2MeanRatio"] ?? 1, 1) * theoreticalT2Mean(components: k, rows: rows)
        // c·F(k, d) has relative variance 2(k + d − 2) / (k(d − 4)); solved for d.
        var d = rows - kk
        if let r = metrics["heldOut.t2RelativeVariance"], r * kk > 2 { d = min(d, (4 * r * kk + 2 * kk - 4) / (r * kk - 2)) }
        d = max(d, 4.5)
        let primary = t2Mean * (d - 2) / d * Distributions.fQuantile(1 - each, kk, d)
        guard kind == .pcaT2Q else { return (primary, nil) }
        let residual = Array(eigenvalues[min(k, eigenvalues.count)...])
        let theta1 = residual.reduce(0, +)
        let theta2 = residual.reduce(0) { $0 + $1 * $1 }
        guard theta1 > 0, theta2 > 0 else { return (primary, 1e-12) }
        // g·χ²_h has relative variance 2/h.
        var h = theta1 * theta1 / theta2
        if let r = metrics["heldOut.qRelativeVariance"], r > 0 { h = min(h, 2 / r) }
        h = max(h, 0.5)
        return (primary, max(metrics["heldOut.qMeanRatio"] ?? 1, 1) * theta1 / h * Distributions.chiSquareQuantile(1 - each, h))
    }

    /// The share of α each statistic gets: T² alone for Hotelling; for PCA, T², Q and the largest residual of
    /// one sensor each at `1 − (1 − α)^{1/3}`, so that together about α of normal samples are flagged.
    static func share(of alpha: Double, kind: AnomalyModelKind) -> Double {
        kind == .pcaT2Q ? 1 - pow(1 - alpha, 1.0 / 3) : alpha
    }

    /// The per-sensor residual check of a PCA model: each sensor's residual (what the retained components
    /// leave of it) has the normal variance `Σ_{c ≥ k} v_jc² λ_c`, scaled like Q by the held-out mean ratio;
    /// the largest residual over its variance is a χ²₁ of the sensor least explained, and its limit shares
    /// the statistic's part of α among the sensors (Šidák). Q sums the residuals, so one sensor's fault
    /// is diluted among many; this check is not.
    static func residualCheck(
        kind: AnomalyModelKind, retained k: Int, vectors: Matrix, variances: [Double], alpha: Double, metrics: [String: Double]
    ) -> (variances: [Double], limit: Double)? {
        let p = variances.count
        guard kind == .pcaT2Q, k < p else { return nil }
        let scale = max(metrics["heldOut.qMeanRatio"] ?? 1, 1)
        let normal = (0..<p).map { j in
            max(scale * (k..<p).reduce(0.0) { $0 + vectors[j, $1] * vectors[j, $1] * variances[$1] }, 1e-12)
        }
        let perSensor = 1 - pow(1 - share(of: alpha, kind: kind), 1 / Double(p))
        return (normal, Distributions.chiSquareQuantile(1 - perSensor, 1))
    }
}
