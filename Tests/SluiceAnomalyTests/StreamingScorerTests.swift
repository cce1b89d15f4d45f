import Numerics
import SluiceAnomaly
import SluiceLinearAlgebra
import Testing

/// Scoring one state at a time, as the service does, gives the batch scores.
@Suite struct StreamingScorerTests {
    private func check(_ configuration: TrainingConfiguration) throws {
        let training = correlatedStates(400)
        let model = try AnomalyTrainer.fit(training, features: fixtureFeatures, configuration: configuration).model
        let scorer = try AnomalyScorer(model: model)
        var live = correlatedStates(300, seed: 9)
        for i in 200..<230 { live[i, 1] += 4 }
        let batch = scorer.scores(sequence: live)
        var stream = StreamingScorer(scorer: scorer)
        for i in 0..<live.rows {
            let score = stream.push(live.row(i))
            #expect(score.isApproximatelyEqual(to: batch[i], absoluteTolerance: 1e-9 * max(1, abs(batch[i]))), "state \(i)")
            if i == 215 {
                let why = stream.explainLast()
                #expect(why.score.isApproximatelyEqual(to: batch[i], relativeTolerance: 1e-9))
                #expect(why.contributions.reduce(0, +).isApproximatelyEqual(to: why.score, relativeTolerance: 1e-9))
            }
        }
        #expect(stream.isSettled)
    }

    @Test func withoutAFilterTheFastPathMatchesTheBatch() throws {
        try check(TrainingConfiguration(kind: .pcaT2Q))
    }

    @Test func withTheDefaultDetectorTheRunningFilterMatchesTheBatch() throws {
        try check(.automatic)
    }
}
