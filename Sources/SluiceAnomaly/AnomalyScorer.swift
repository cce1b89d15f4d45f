import Foundation
public import SluiceLinearAlgebra

/// Scores states with a fitted ``AnomalyModel`` through BLAS.
///
/// Built once per model: the standardisation is folded into the projection matrix, so scoring a block
/// of raw states is one `dgemm` followed by sums of squares.
public struct AnomalyScorer: Sendable {
    /// The model being applied.
    public let model: AnomalyModel
    private let features: Int
    private let retained: Int
    /// Projection of centred features: column `j` is eigenvector `j`, divided by `√λ_j` for retained ones.
    private let projection: Matrix
    /// The projection applied to raw states: standardisation folded in.
    private let foldedProjection: Matrix
    /// What the folded projection must subtract: `(μ/σ + c)ᵀ · projection`.
    private let foldedOffset: [Double]
    private let primaryLimit: Double
    private let qLimit: Double
    /// Per sensor, the normal variance of its residual, and the limit of the largest ratio (nil: not used).
    private let residualCheck: (variances: [Double], limit: Double, vectors: Matrix)?
    private let mset: MSETState?
    /// Whether ``score(state:workspace:)`` applies: T² and PCA models without a temporal filter.
    public let scoresSingleStates: Bool

    private struct MSETState: Sendable {
        let memoryTransposed: Matrix
        let memory: Matrix
        let memoryNorms: [Double]
        let inverseSimilarity: Matrix
        let twoBandwidthSquared: Double
    }

    /// The statistics of a model before they are divided by their limits.
    public struct Statistics: Sendable {
        /// T² (or the MSET residual) for each state.
        public var primary: [Double]
        /// Q for each state (PCA T²+Q only; empty otherwise).
        public var q: [Double]
        /// The largest squared residual of one sensor over its normal variance, for each state (models with a
        /// per-sensor residual limit only; empty otherwise).
        public var residual: [Double] = []
    }

    /// Why a state scored as it did.
    public struct Explanation: Sendable, Equatable {
        /// The score: statistic / limit, 1.0 at the threshold.
        public let score: Double
        /// T² or the MSET residual, divided by its limit.
        public let primary: Double
        /// Q divided by its limit (PCA T²+Q only).
        public let q: Double?
        /// Each sensor's share of the statistic that drives the score, in units of the score; they add up
        /// to the score.
        public let contributions: [Double]
    }

    /// Prepares `model` for scoring; `rawLimits` leaves the statistics undivided (limits of 1), which
    /// fitting uses to set empirical limits.
    public init(model: AnomalyModel, rawLimits: Bool = false) throws {
        try model.validate(path: "model '\(model.name)'")
        self.model = model
        let p = model.features.count
        self.features = p
        primaryLimit = rawLimits ? 1 : model.limits.primary
        qLimit = rawLimits ? 1 : (model.limits.q ?? 1)
        if let variances = model.parameters.residualVariance, let limit = model.limits.residual, let vectors = model.parameters.eigenvectors,
            model.kind == .pcaT2Q
        {
            residualCheck = (variances, rawLimits ? 1 : limit, vectors)
        } else {
            residualCheck = nil
        }
        var projection = Matrix(rows: p, columns: p)
        var retained = p
        var mset: MSETState?
        switch model.kind {
        case .hotellingT2, .pcaT2Q:
            guard let values = model.parameters.eigenvalues, let vectors = model.parameters.eigenvectors, let k = model.parameters.retained,
                values.count == p, vectors.rows == p, vectors.columns == p, k >= 1, k <= p
            else { throw AnomalyModelError.featureMismatch("model '\(model.name)': missing or mis-sized eigen decomposition") }
            guard values.prefix(k).allSatisfy({ $0 > 0 && $0.isFinite }), model.scaling.scales.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw AnomalyModelError.featureMismatch("model '\(model.name)': a retained eigenvalue or a scale is not positive")
            }
            retained = k
            for j in 0..<p {
                let scale = j < k ? 1 / values[j].squareRoot() : 1
                for i in 0..<p { projection[i, j] = vectors[i, j] * scale }
            }
        case .mset:
            guard let memory = model.parameters.memory, let bandwidth = model.parameters.bandwidth, memory.columns == p, memory.rows >= 1 else {
                throw AnomalyModelError.featureMismatch("model '\(model.name)': missing or mis-sized MSET memory")
            }
            projection = .identity(p)
            let twoH2 = 2 * bandwidth * bandwidth
            let norms = (0..<memory.rows).map { r in memory.row(r).reduce(0) { $0 + $1 * $1 } }
            let similarity = AnomalyTrainer.similarityMatrix(memory: memory, bandwidth: bandwidth, ridge: model.parameters.ridge ?? 1e-6)
            // The ridge was chosen at fit time so that this factorisation succeeds.
            let inverse = try similarity.choleskySolve(.identity(memory.rows))
            mset = MSETState(
                memoryTransposed: memory.transposed(), memory: memory, memoryNorms: norms, inverseSimilarity: inverse, twoBandwidthSquared: twoH2)
        }
        self.retained = retained
        self.projection = projection
        self.mset = mset
        scoresSingleStates = mset == nil && model.filter.isIdentity && model.parameters.frozenRuns == nil
        var folded = projection
        var offset = [Double](repeating: 0, count: p)
        let shift = (0..<p).map { model.scaling.means[$0] / model.scaling.scales[$0] + model.parameters.center[$0] }
        for i in 0..<p {
            for j in 0..<p {
                folded[i, j] = projection[i, j] / model.scaling.scales[i]
                offset[j] += shift[i] * projection[i, j]
            }
        }
        foldedProjection = folded
        foldedOffset = offset
    }

    /// The scores of a sequence of raw states in time order (the filter and the frozen-sensor rule run
    /// over it).
    public func scores(sequence: Matrix) -> [Double] {
        var scores = combine(statistics(sequence: sequence))
        guard let runs = model.parameters.frozenRuns else { return scores }
        var frozen = FrozenSensors(runs: runs)
        let p = features
        sequence.withUnsafeBufferPointer { x in
            for i in 0..<sequence.rows {
                let s = frozen.push(UnsafeBufferPointer(rebasing: x[(i * p)..<((i + 1) * p)])).score
                if s > scores[i] { scores[i] = s }
            }
        }
        return scores
    }

    /// The scores of independent raw states; the model's filter must be the identity.
    public func scores(states: Matrix) -> [Double] {
        precondition(model.filter.isIdentity, "a model with a temporal filter scores sequences, not independent states")
        return scores(sequence: states)
    }

    /// The raw statistics (before the limits) of a sequence of raw states.
    public func statistics(sequence: Matrix) -> Statistics {
        precondition(sequence.columns == features, "states need one column per model feature")
        if model.filter.isIdentity, mset == nil {
            var statistics = projectedStatistics(sequence, projection: foldedProjection, offset: foldedOffset)
            // The folded path reads raw values; a state with an absurd value overflows there, so it is
            // scored again through the capped standardisation.
            let overflowed = statistics.primary.indices.filter {
                !statistics.primary[$0].isFinite || (!statistics.q.isEmpty && !statistics.q[$0].isFinite)
            }
            if !overflowed.isEmpty {
                var rows = Matrix(rows: overflowed.count, columns: features)
                for (r, i) in overflowed.enumerated() { for j in 0..<features { rows[r, j] = sequence[i, j] } }
                let capped = projectedStatistics(centeredFeatures(sequence: rows), projection: projection, offset: nil)
                for (r, i) in overflowed.enumerated() {
                    statistics.primary[i] = capped.primary[r]
                    if !statistics.q.isEmpty { statistics.q[i] = capped.q[r] }
                }
            }
            return statistics
        }
        let centered = centeredFeatures(sequence: sequence)
        if let mset { return msetStatistics(centered, mset) }
        return projectedStatistics(centered, projection: projection, offset: nil)
    }

    /// The standardised, filtered and centred features of a sequence: what the statistics are computed on.
    public func centeredFeatures(sequence: Matrix) -> Matrix {
        let filtered = model.filter.apply(model.scaling.transform(sequence))
        return AnomalyTrainer.subtract(model.parameters.center, from: filtered)
    }

    /// The score of one raw state: one `dgemv` and two sums. For T² and PCA models without a temporal
    /// filter or frozen-sensor rule (other models score sequences); `workspace` holds one value per feature.
    public func score(state: UnsafePointer<Double>, workspace: UnsafeMutablePointer<Double>) -> Double {
        precondition(scoresSingleStates, "single-state scoring is for T² and PCA models without a filter")
        BLAS.multiply(state: state, by: foldedProjection, into: workspace)
        let (t2, q) = Self.splitSquares(workspace, minus: foldedOffset, retained: retained, features: features)
        return model.kind == .pcaT2Q ? max(t2 / primaryLimit, q / qLimit) : t2 / primaryLimit
    }

    /// The score of a centred feature vector and each sensor's part in it.
    public func explain(centered d: [Double]) -> Explanation {
        precondition(d.count == features, "one value per model feature")
        if let mset {
            let row = try! Matrix(rows: 1, columns: features, elements: d)
            let estimate = msetEstimate(row, mset)
            let residual = (0..<features).map { d[$0] - estimate[$0] }
            let contributions = residual.map { $0 * $0 / primaryLimit }
            let primary = contributions.reduce(0, +)
            return Explanation(score: primary, primary: primary, q: nil, contributions: contributions)
        }
        let values = model.parameters.eigenvalues!
        let vectors = model.parameters.eigenvectors!
        var u = [Double](repeating: 0, count: features)
        for k in 0..<features { for i in 0..<features { u[k] += vectors[i, k] * d[i] } }
        var t2Parts = [Double](repeating: 0, count: features)
        var residual = d
        for i in 0..<features {
            var weighted = 0.0
            for k in 0..<retained {
                weighted += vectors[i, k] * u[k] / values[k]
                residual[i] -= vectors[i, k] * u[k]
            }
            t2Parts[i] = d[i] * weighted / primaryLimit
        }
        let t2 = t2Parts.reduce(0, +)
        guard model.kind == .pcaT2Q else { return Explanation(score: t2, primary: t2, q: nil, contributions: t2Parts) }
        let qParts = residual.map { $0 * $0 / qLimit }
        let q = qParts.reduce(0, +)
        if let residualCheck {
            // One sensor's residual far from its normal: that sensor drives the score alone.
            let ratios = residual.indices.map { residual[$0] * residual[$0] / residualCheck.variances[$0] / residualCheck.limit }
            if let worst = ratios.indices.max(by: { ratios[$0] < ratios[$1] }), ratios[worst] > max(t2, q) {
                var parts = [Double](repeating: 0, count: features)
                parts[worst] = ratios[worst]
                return Explanation(score: ratios[worst], primary: t2, q: q, contributions: parts)
            }
        }
        return Explanation(score: max(t2, q), primary: t2, q: q, contributions: q > t2 ? qParts : t2Parts)
    }

    /// Change marks of a sequence of raw states (all `false` when the model has no change detector).
    public func changeMarks(sequence: Matrix) -> [Bool] {
        guard let detector = model.changeDetector else { return Array(repeating: false, count: sequence.rows) }
        return detector.marks(standardized: model.scaling.transform(sequence))
    }

    /// Samples at the start of a sequence whose scores are not settled yet (the filter's warm-up).
    public var warmUp: Int { model.filter.warmUp }

    /// Alarm states for the scores of a sequence: raised above 1, cleared below the model's `clearBelow`;
    /// never raised during the warm-up.
    public func alarms(_ scores: [Double]) -> [Bool] {
        var raised = false
        return scores.enumerated().map { i, s in
            if i < warmUp { return false }
            if raised { raised = !(s < model.limits.clearBelow) } else { raised = s > 1 }
            return raised
        }
    }

    private func combine(_ statistics: Statistics) -> [Double] {
        switch model.kind {
        case .pcaT2Q:
            let scores = zip(statistics.primary, statistics.q).map { max($0 / primaryLimit, $1 / qLimit) }
            guard let residualCheck, statistics.residual.count == scores.count else { return scores }
            return zip(scores, statistics.residual).map { max($0, $1 / residualCheck.limit) }
        case .hotellingT2, .mset: return statistics.primary.map { $0 / primaryLimit }
        }
    }

    private static let blockRows = 4096

    /// The sums of squares of `u − shift` over the first `retained` coordinates (T²) and the rest (Q).
    @inline(__always)
    private static func splitSquares(_ u: UnsafePointer<Double>, minus shift: [Double], retained: Int, features: Int) -> (Double, Double) {
        var t2 = 0.0
        var q = 0.0
        for j in 0..<retained {
            let v = u[j] - shift[j]
            t2 += v * v
        }
        for j in retained..<features {
            let v = u[j] - shift[j]
            q += v * v
        }
        return (t2, q)
    }

    private func projectedStatistics(_ x: Matrix, projection: Matrix, offset: [Double]?) -> Statistics {
        let n = x.rows
        let p = features
        var primary = [Double](repeating: 0, count: n)
        var q = model.kind == .pcaT2Q ? [Double](repeating: 0, count: n) : []
        var residual = residualCheck == nil ? [] : [Double](repeating: 0, count: n)
        let block = Self.blockRows
        let buffer = UnsafeMutablePointer<Double>.allocate(capacity: block * p)
        defer { buffer.deallocate() }
        let shift = offset ?? [Double](repeating: 0, count: p)
        let k = retained
        x.withUnsafeBufferPointer { xs in
            var start = 0
            while start < n {
                let count = min(block, n - start)
                BLAS.multiply(rows: xs.baseAddress! + start * p, count: count, by: projection, into: buffer)
                for r in 0..<count {
                    let (t2, qq) = Self.splitSquares(buffer + r * p, minus: shift, retained: k, features: p)
                    primary[start + r] = t2
                    if !q.isEmpty { q[start + r] = qq }
                    if let residualCheck {
                        residual[start + r] = largestResidual(buffer + r * p, minus: shift, residualCheck.vectors, residualCheck.variances)
                    }
                }
                start += count
            }
        }
        return Statistics(primary: primary, q: q, residual: residual)
    }

    /// The largest `e_j² / variance_j` of the residual `e = Σ_{c ≥ k} v_c (u_c − shift_c)` of one projected
    /// state `u`: how far the sensor least explained by the model's components strays from its normal.
    private func largestResidual(_ u: UnsafePointer<Double>, minus shift: [Double], _ vectors: Matrix, _ variances: [Double]) -> Double {
        var largest = 0.0
        for j in 0..<features {
            var e = 0.0
            for c in retained..<features { e += vectors[j, c] * (u[c] - shift[c]) }
            largest = max(largest, e * e / variances[j])
        }
        return largest
    }

    private func msetStatistics(_ d: Matrix, _ mset: MSETState) -> Statistics {
        let n = d.rows
        let p = features
        var primary = [Double](repeating: 0, count: n)
        let block = 1024
        var start = 0
        while start < n {
            let count = min(block, n - start)
            let rows = d.rows(start..<(start + count))
            let estimate = msetEstimate(rows, mset)
            for r in 0..<count {
                var s = 0.0
                for j in 0..<p {
                    let e = rows[r, j] - estimate[r * p + j]
                    s += e * e
                }
                primary[start + r] = s
            }
            start += count
        }
        return Statistics(primary: primary, q: [])
    }

    /// MSET estimates of centred states: `x̂ = Dᵀ G⁻¹ k(x)`, all through `dgemm`.
    private func msetEstimate(_ d: Matrix, _ mset: MSETState) -> [Double] {
        let m = mset.memory.rows
        var similarity = Matrix.checkedProduct(d, mset.memoryTransposed)
        similarity.withUnsafeMutableBufferPointer { s in
            for r in 0..<d.rows {
                var norm = 0.0
                for j in 0..<features { norm += d[r, j] * d[r, j] }
                for c in 0..<m {
                    let squared = max(norm + mset.memoryNorms[c] - 2 * s[r * m + c], 0)
                    s[r * m + c] = exp(-squared / mset.twoBandwidthSquared)
                }
            }
        }
        let weights = Matrix.checkedProduct(similarity, mset.inverseSimilarity)
        let estimate = Matrix.checkedProduct(weights, mset.memory)
        return estimate.elements
    }
}
