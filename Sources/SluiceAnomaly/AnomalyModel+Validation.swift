extension AnomalyModel {
    /// Checks that every count, range and limit in the artifact is consistent, so a hand-edited or
    /// truncated file is refused with the field at fault instead of crashing or scoring NaN.
    ///
    /// - Throws: ``AnomalyModelError`` naming the field.
    public func validate(path: String = "model") throws {
        func bad(_ detail: String) -> AnomalyModelError { .malformedArtifact(path: path, detail: detail) }
        func positive(_ value: Double) -> Bool { value > 0 && value.isFinite }
        let p = features.count
        guard p >= 1 else { throw bad("'features' is empty") }
        guard scaling.means.count == p, scaling.scales.count == p else { throw bad("'scaling' needs \(p) means and scales") }
        guard scaling.means.allSatisfy(\.isFinite), scaling.scales.allSatisfy(positive) else {
            throw bad("'scaling' needs finite means and positive scales")
        }
        guard filter.window >= 1, filter.slowLag >= 0 else { throw bad("'filter.window' must be ≥ 1 and 'filter.slowLag' ≥ 0") }
        guard filter.slowFeatures.count == p else { throw bad("'filter.slowFeatures' needs \(p) entries") }
        guard parameters.center.count == p, parameters.center.allSatisfy(\.isFinite) else {
            throw bad("'parameters.center' needs \(p) finite values")
        }
        guard positive(limits.primary) else { throw bad("'limits.primary' must be positive") }
        guard limits.clearBelow > 0, limits.clearBelow <= 1 else { throw bad("'limits.clearBelow' must be in (0, 1]") }
        switch kind {
        case .hotellingT2, .pcaT2Q:
            guard let values = parameters.eigenvalues, let vectors = parameters.eigenvectors, let k = parameters.retained else {
                throw bad("'parameters' needs eigenvalues, eigenvectors and retained")
            }
            guard values.count == p, vectors.rows == p, vectors.columns == p, (1...p).contains(k) else {
                throw bad("'parameters' needs \(p) eigenvalues, a \(p)×\(p) eigenvector matrix and 1 ≤ retained ≤ \(p)")
            }
            guard values.prefix(k).allSatisfy(positive), vectors.elements.allSatisfy(\.isFinite) else {
                throw bad("retained eigenvalues must be positive and eigenvectors finite")
            }
            if kind == .pcaT2Q { guard let q = limits.q, positive(q) else { throw bad("'limits.q' must be positive for a PCA model") } }
        case .mset:
            guard let memory = parameters.memory, memory.columns == p, memory.rows >= 1, memory.elements.allSatisfy(\.isFinite) else {
                throw bad("'parameters.memory' needs at least one finite state of \(p) values")
            }
            guard let bandwidth = parameters.bandwidth, positive(bandwidth) else { throw bad("'parameters.bandwidth' must be positive") }
            guard let ridge = parameters.ridge, ridge >= 0, ridge.isFinite else { throw bad("'parameters.ridge' must be ≥ 0") }
        }
        if let runs = parameters.frozenRuns {
            guard runs.count == p, runs.allSatisfy({ $0 >= 0 }) else { throw bad("'parameters.frozenRuns' needs \(p) counts ≥ 0") }
        }
        if let variances = parameters.residualVariance {
            guard variances.count == p, variances.allSatisfy(positive) else { throw bad("'parameters.residualVariance' needs \(p) positive values") }
            guard let limit = limits.residual, positive(limit) else { throw bad("'limits.residual' must be positive with residual variances") }
        }
        if let variance = parameters.windowVariance {
            guard variance.count == p, variance.allSatisfy(positive) else { throw bad("'parameters.windowVariance' needs \(p) positive values") }
        }
        if let interval = samplingInterval, !positive(interval) { throw bad("'samplingInterval' must be a positive number of seconds") }
        if let detector = changeDetector {
            guard detector.recent >= 1, detector.reference >= ChangeDetector.minimumReference, detector.refractory >= 0 else {
                throw bad("'changeDetector' needs recent ≥ 1, reference ≥ \(ChangeDetector.minimumReference) and refractory ≥ 0")
            }
            guard positive(detector.threshold), positive(detector.scale) else { throw bad("'changeDetector' threshold and scale must be positive") }
            guard detector.inverseCovariance.rows == p, detector.inverseCovariance.columns == p,
                detector.inverseCovariance.elements.allSatisfy(\.isFinite)
            else {
                throw bad("'changeDetector.inverseCovariance' must be a finite \(p)×\(p) matrix")
            }
        }
    }
}
