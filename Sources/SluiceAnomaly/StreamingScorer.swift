/// Scores a live stream of one asset's states, one at a time, with the model's temporal filter carried
/// from sample to sample: what the decision service runs on every accepted sample.
///
/// Scoring is the cheap part (for T² and PCA models without a filter, one small matrix-vector product);
/// the per-sensor explanation is worked out only when asked for, for the last state pushed, which the
/// service does only when a detection is raised.
public struct StreamingScorer: Sendable {
    /// The scorer of the model.
    public let scorer: AnomalyScorer
    private var filter: TemporalFilter.State
    private var standardized: [Double]
    private var filtered: [Double]
    private var workspace: [Double]
    private var lastRaw: [Double] = []
    private var lastExplanation: AnomalyScorer.Explanation?
    private var frozen: FrozenSensors?
    /// States seen so far.
    public private(set) var seen = 0

    /// A scorer that has seen nothing yet.
    public init(scorer: AnomalyScorer) {
        self.scorer = scorer
        let p = scorer.model.features.count
        filter = TemporalFilter.State(filter: scorer.model.filter, features: p)
        standardized = Array(repeating: 0, count: p)
        filtered = Array(repeating: 0, count: p)
        workspace = Array(repeating: 0, count: p)
        frozen = scorer.model.parameters.frozenRuns.map { FrozenSensors(runs: $0) }
    }

    /// Whether the filter has seen enough states for scores to be settled (past the warm-up).
    public var isSettled: Bool { seen > scorer.warmUp }

    /// Feeds one raw state (one value per model feature, in the model's order) and returns its score.
    public mutating func push(_ raw: [Double]) -> Double {
        precondition(raw.count == scorer.model.features.count, "one value per model feature")
        seen += 1
        if scorer.scoresSingleStates {
            lastRaw = raw
            return raw.withUnsafeBufferPointer { state in
                workspace.withUnsafeMutableBufferPointer { scorer.score(state: state.baseAddress!, workspace: $0.baseAddress!) }
            }
        }
        var explanation = scorer.explain(centered: centeredFiltered(raw))
        if frozen != nil {
            let (score, feature) = raw.withUnsafeBufferPointer { frozen!.push($0) }
            if let feature, score > explanation.score {
                // A frozen sensor drives the score alone.
                var parts = [Double](repeating: 0, count: raw.count)
                parts[feature] = score
                explanation = AnomalyScorer.Explanation(score: score, primary: explanation.primary, q: explanation.q, contributions: parts)
            }
        }
        lastExplanation = explanation
        return explanation.score
    }

    /// The score of the last state pushed and each sensor's part in it.
    public mutating func explainLast() -> AnomalyScorer.Explanation {
        if let lastExplanation { return lastExplanation }
        // No filter: the last state's centred features are its standardised values less the centre.
        let model = scorer.model
        let centered = lastRaw.indices.map { j in
            min(max((lastRaw[j] - model.scaling.means[j]) / model.scaling.scales[j], -Standardizer.limit), Standardizer.limit)
                - model.parameters.center[j]
        }
        return scorer.explain(centered: centered)
    }

    private mutating func centeredFiltered(_ raw: [Double]) -> [Double] {
        let model = scorer.model
        for j in raw.indices {
            let z = (raw[j] - model.scaling.means[j]) / model.scaling.scales[j]
            standardized[j] = min(max(z, -Standardizer.limit), Standardizer.limit)
        }
        standardized.withUnsafeBufferPointer { z in
            filtered.withUnsafeMutableBufferPointer { out in filter.push(z, into: out) }
        }
        return filtered.indices.map { filtered[$0] - model.parameters.center[$0] }
    }
}
