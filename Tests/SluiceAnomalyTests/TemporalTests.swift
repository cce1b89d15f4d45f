import Numerics
import SluiceAnomaly
import SluiceLinearAlgebra
import SluiceSimulation
import Testing

@Suite("Temporal filter, alarms and change marks")
struct TemporalTests {
    @Test func smoothingIsACausalMovingMean() throws {
        let series = try Matrix([[1], [2], [3], [4], [5]])
        let filtered = TemporalFilter(window: 3).fitted(to: series).apply(series)
        #expect(filtered.elements == [1, 1.5, 2, 3, 4])
    }

    @Test func slowSensorsAreJudgedByTheirChange() throws {
        // Column 0 is white noise, column 1 a slow ramp: only the ramp is slow.
        var random = SeededGenerator(seed: 4)
        var m = Matrix(rows: 400, columns: 2)
        for i in 0..<400 {
            m[i, 0] = random.normal()
            m[i, 1] = Double(i) * 0.01 + 0.001 * random.normal()
        }
        let filter = TemporalFilter(window: 1, slowLag: 10).fitted(to: m)
        #expect(filter.slowFeatures == [false, true])
        let out = filter.apply(m)
        #expect(out[5, 0].isApproximatelyEqual(to: m[5, 0], absoluteTolerance: 1e-12))
        #expect(out[200, 1].isApproximatelyEqual(to: m[200, 1] - m[190, 1], absoluteTolerance: 1e-12))
        // Before the lag is reached the first sample stands in for the past.
        #expect(out[4, 1].isApproximatelyEqual(to: m[4, 1] - m[0, 1], absoluteTolerance: 1e-12))
    }

    @Test func alarmsHaveHysteresisAndWaitForTheWarmUp() throws {
        let configuration = TrainingConfiguration(
            kind: .hotellingT2, clearBelow: 0.8, filter: TemporalFilter(window: 40, slowLag: 30, slowRatio: 0.45))
        let model = try AnomalyTrainer.fit(correlatedStates(300), features: fixtureFeatures, configuration: configuration).model
        let scorer = try AnomalyScorer(model: model)
        let clear = model.limits.clearBelow
        #expect(clear < 1)
        let warmUp = scorer.warmUp
        #expect(warmUp == 39 + (model.filter.slowFeatures.contains(true) ? 30 : 0))
        let scores = Array(repeating: 5.0, count: warmUp) + [0.5, 1.2, 0.9, (clear + 1) / 2, clear / 2, 0.9, 1.1]
        let alarms = scorer.alarms(scores)
        #expect(alarms.prefix(warmUp).allSatisfy { !$0 }, "no alarm during the warm-up, whatever the scores")
        #expect(Array(alarms.suffix(7)) == [false, true, true, true, false, false, true])
    }

    @Test func warmUpCoversTheWindowAndTheLag() {
        let slow = TemporalFilter(window: 5, slowLag: 3, slowFeatures: [true, false])
        #expect(slow.warmUp == 7)
        #expect(TemporalFilter(window: 5, slowLag: 3, slowFeatures: [false, false]).warmUp == 4)
    }

    @Test func anAbsurdSampleDoesNotPoisonLaterScores() throws {
        for configuration in [TrainingConfiguration(kind: .pcaT2Q), .automatic] {
            let model = try AnomalyTrainer.fit(correlatedStates(400), features: fixtureFeatures, configuration: configuration).model
            let scorer = try AnomalyScorer(model: model)
            var states = correlatedStates(300, seed: 8)
            states[150, 2] = 1e308
            let scores = scorer.scores(sequence: states)
            #expect(scores.allSatisfy { $0.isFinite })
            #expect(scores[150] > 1, "the absurd sample itself scores as an extreme")
            let settled = 150 + model.filter.window + 1
            #expect(
                Double(scores[settled...].filter { $0 > 1 }.count) / Double(scores.count - settled) < 0.2,
                "scores recover once it has left the window")
        }
    }

    @Test func episodesNeedConsecutiveScores() {
        let scores = [0.2, 1.5, 0.3, 1.2, 1.3, 1.4, 2.0, 0.8, 1.1]
        #expect(AlarmEpisodes.find(scores: scores, consecutive: 3) == [AlarmEpisode(start: 5, end: 7, peak: 2.0)])
        #expect(AlarmEpisodes.find(scores: scores, consecutive: 1).count == 3)
    }

    @Test func changeDetectorRefusesTooShortATrainingSet() {
        #expect(throws: AnomalyModelError.self) { try ChangeDetector.fit(standardized: correlatedStates(30)) }
    }

    @Test func changeMarksFallOnAStep() throws {
        var random = SeededGenerator(seed: 21)
        var m = Matrix(rows: 1_000, columns: 3)
        for i in 0..<1_000 {
            for j in 0..<3 { m[i, j] = random.normal() + (i >= 700 && j == 1 ? 3 : 0) }
        }
        let detector = try ChangeDetector.fit(standardized: m.rows(0..<500))
        let marks = detector.marks(standardized: m)
        let positions = marks.indices.filter { marks[$0] }
        #expect(positions.contains { (700..<715).contains($0) }, "a 3σ step should be marked within 15 samples (marks at \(positions))")
        #expect(positions.filter { $0 >= 500 && $0 < 690 }.count <= 2, "stationary noise should give almost no marks")
    }
}
