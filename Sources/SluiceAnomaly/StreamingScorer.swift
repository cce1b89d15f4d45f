/// Scores a live stream of one asset's states, one at a time, with the model's temporal filter carried
/// from sample to sample: what the decision service runs on every accepted sample.
public struct StreamingScorer: Sendable {
    /// The scorer of the model.
    public let scorer: AnomalyScorer
    private var filter: TemporalFilter.State
    private var standardized: [Double]
    private var filtered: [Double]
    /// States seen so far.
    public private(set) var seen = 0

    /// A scorer that has seen nothing yet.
    public init(scorer: AnomalyScorer) {
        self.scorer = scorer
        let p = scorer.model.features.count
        filter = TemporalFilter.State(filter: scorer.model.filter, features: p)
        standardized = Array(repeating: 0, count: p)
        filtered = Array(repeating: 0, count: p)
    }

    /// Whether the filter has seen enough states for scores to be settled (past the warm-up).
    public var isSettled: Bool { seen > scorer.warmUp }

    /// Feeds one raw state (one value per model feature, in the model's order) and explains its score.
    public mutating func push(_ raw: [Double]) -> AnomalyScorer.Explanation {
        let model = scorer.model
        precondition(raw.count == model.features.count, "one value per model feature")
        for j in raw.indices {
            let z = (raw[j] - model.scaling.means[j]) / model.scaling.scales[j]
            standardized[j] = min(max(z, -Standardizer.limit), Standardizer.limit)
        }
        standardized.withUnsafeBufferPointer { z in
            filtered.withUnsafeMutableBufferPointer { out in filter.push(z, into: out) }
        }
        seen += 1
        let centered = filtered.indices.map { filtered[$0] - model.parameters.center[$0] }
        return scorer.explain(centered: centered)
    }
}
