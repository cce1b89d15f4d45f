public import SluiceLinearAlgebra
import SluiceStatistics

/// Marks the samples where the state of an asset changes: the mean of the last `recent` standardised
/// samples is compared with the mean of the `reference` samples before them, and the squared
/// Mahalanobis distance of that shift (scaled by its 99th percentile on the training data) is the
/// change statistic.
///
/// A mark is set when the statistic first rises above ``threshold``, then no other for ``refractory``
/// samples, so one change gives one mark. Marks tell an operator (and a changepoint benchmark) *when*
/// something changed; the anomaly score tells *whether* the state is abnormal.
public struct ChangeDetector: Sendable, Codable, Equatable {
    /// Samples in the recent window.
    public var recent: Int
    /// Samples in the reference window just before it.
    public var reference: Int
    /// Marks are set where the scaled statistic rises above this.
    public var threshold: Double
    /// Samples after a mark during which no other is set.
    public var refractory: Int
    /// The inverse covariance of the mean shift on the training data (pseudo-inverse).
    public var inverseCovariance: Matrix
    /// The 99th percentile of the statistic on the training data.
    public var scale: Double

    /// The smallest reference window a statistic is computed from; earlier samples give 0.
    static let minimumReference = 5

    /// Fits the detector to a standardised training series.
    public static func fit(standardized z: Matrix, recent: Int = 10, reference: Int = 30, threshold: Double = 4, refractory: Int = 60) throws
        -> ChangeDetector
    {
        let p = z.columns
        guard z.rows > recent + reference + 2 else {
            throw AnomalyModelError.tooFewRows(got: z.rows, needed: recent + reference + 3, source: "change detection")
        }
        var detector = ChangeDetector(
            recent: recent, reference: reference, threshold: threshold, refractory: refractory, inverseCovariance: .identity(p), scale: 1)
        let shifts = detector.shifts(z)
        let settled = shifts.rows(min(recent + reference, shifts.rows - 1)..<shifts.rows)
        let means = Standardizer(fitting: settled).means
        var covariance = AnomalyTrainer.subtract(means, from: settled).gram()
        let n = Double(max(settled.rows - 1, 1))
        covariance.withUnsafeMutableBufferPointer { c in for i in c.indices { c[i] /= n } }
        let eigen = try covariance.symmetricEigendecomposition()
        let largest = eigen.values.first ?? 0
        detector.inverseCovariance = .recomposing(
            vectors: eigen.vectors, values: eigen.values.map { $0 > 1e-10 * largest ? 1 / $0 : 0 })
        let statistics = detector.statistics(z)
        detector.scale = max(Distributions.empiricalQuantile(Array(statistics[(recent + reference)...]), 0.99), 1e-12)
        return detector
    }

    /// The mean of the recent window minus the mean of the reference window, for every sample.
    func shifts(_ z: Matrix) -> Matrix {
        let n = z.rows
        let p = z.columns
        var prefix = [Double](repeating: 0, count: (n + 1) * p)
        for i in 0..<n { for j in 0..<p { prefix[(i + 1) * p + j] = prefix[i * p + j] + z[i, j] } }
        var out = Matrix(rows: n, columns: p)
        for i in 0..<n {
            let a = max(0, i - recent + 1)
            let b = max(0, a - reference)
            guard a - b >= Self.minimumReference else { continue }
            for j in 0..<p {
                let recentMean = (prefix[(i + 1) * p + j] - prefix[a * p + j]) / Double(i + 1 - a)
                let referenceMean = (prefix[a * p + j] - prefix[b * p + j]) / Double(a - b)
                out[i, j] = recentMean - referenceMean
            }
        }
        return out
    }

    /// The change statistic (squared Mahalanobis distance of the shift) of every sample, unscaled.
    func statistics(_ z: Matrix) -> [Double] {
        let d = shifts(z)
        let w = Matrix.checkedProduct(d, inverseCovariance)
        return (0..<d.rows).map { i in (0..<d.columns).reduce(0) { $0 + d[i, $1] * w[i, $1] } }
    }

    /// The marks of a standardised series: `true` where a change is detected.
    public func marks(standardized z: Matrix) -> [Bool] {
        let statistic = statistics(z).map { $0 / scale }
        var marks = [Bool](repeating: false, count: statistic.count)
        var last = Int.min / 2
        for i in statistic.indices where statistic[i] > threshold && (i == 0 || statistic[i - 1] <= threshold) && i - last > refractory {
            marks[i] = true
            last = i
        }
        return marks
    }
}
