import Foundation
import SluiceLinearAlgebra
import Testing

@testable import SluiceAnomaly

/// Retraining from a model's own moments plus new rows gives the fit on both data sets.
@Suite struct RetrainerTests {
    func concatenated(_ a: Matrix, _ b: Matrix) -> Matrix {
        var m = Matrix(rows: a.rows + b.rows, columns: a.columns)
        for i in 0..<a.rows { for j in 0..<a.columns { m[i, j] = a[i, j] } }
        for i in 0..<b.rows { for j in 0..<b.columns { m[a.rows + i, j] = b[i, j] } }
        return m
    }

    func close(_ a: [Double], _ b: [Double], _ tolerance: Double) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance * max(1, abs($1)) }
    }

    @Test(arguments: [AnomalyModelKind.pcaT2Q, .hotellingT2])
    func aPooledRefitEqualsAFitOnTheOldAndNewRowsTogether(_ kind: AnomalyModelKind) throws {
        let old = correlatedStates(600, seed: 3)
        let new = correlatedStates(250, seed: 4, shift: [1.5, -0.3, 2, 0.1])
        let configuration = TrainingConfiguration(kind: kind)
        let model = try AnomalyTrainer.fit(old, features: fixtureFeatures, configuration: configuration).model
        let pooled = try AnomalyRetrainer.pooledRefit(model, adding: [new.rows(0..<100), new.rows(100..<250)])
        let direct = try AnomalyTrainer.fit(concatenated(old, new), features: fixtureFeatures, configuration: configuration).model
        #expect(pooled.trainingRows == 850)
        #expect(close(pooled.scaling.means, direct.scaling.means, 1e-10))
        #expect(close(pooled.scaling.scales, direct.scaling.scales, 1e-10))
        #expect(close(pooled.parameters.eigenvalues!, direct.parameters.eigenvalues!, 1e-8))
        #expect(pooled.parameters.retained == direct.parameters.retained)
        #expect(abs(pooled.limits.primary - direct.limits.primary) < 1e-8 * direct.limits.primary)
        let probe = correlatedStates(50, seed: 9, shift: [3, 0, 0, 0])
        let a = try AnomalyScorer(model: pooled).scores(sequence: probe)
        let b = try AnomalyScorer(model: direct).scores(sequence: probe)
        #expect(close(a, b, 1e-7), "the pooled and the direct fit score alike")
    }

    @Test func aRefitWithNothingAddedGivesBackTheModel() throws {
        let model = try AnomalyTrainer.fit(correlatedStates(500, seed: 5), features: fixtureFeatures).model
        let same = try AnomalyRetrainer.pooledRefit(model, adding: [])
        #expect(close(same.scaling.means, model.scaling.means, 1e-12))
        #expect(close(same.parameters.eigenvalues!, model.parameters.eigenvalues!, 1e-9))
        #expect(abs(same.limits.primary - model.limits.primary) < 1e-9 * model.limits.primary)
        #expect(abs(same.limits.q! - model.limits.q!) < 1e-9 * model.limits.q!)
    }

    @Test func anExtraComponentIsKeptWhenAsked() throws {
        let model = try AnomalyTrainer.fit(
            correlatedStates(500, seed: 6), features: fixtureFeatures, configuration: TrainingConfiguration(explainedVariance: 0.5)
        ).model
        #expect(model.parameters.retained! < fixtureFeatures.count - 1)
        let more = try AnomalyRetrainer.pooledRefit(model, adding: [], extraComponents: 1)
        #expect(more.parameters.retained == model.parameters.retained! + 1)
        // Q needs a residual: never every component.
        let all = try AnomalyRetrainer.pooledRefit(model, adding: [], extraComponents: 10)
        #expect(all.parameters.retained == fixtureFeatures.count - 1)
    }

    @Test func calibrationRaisesTheThresholdUntilTheNormalLabelsAreQuietButNoFurtherThanTheCap() throws {
        let model = try AnomalyTrainer.fit(correlatedStates(800, seed: 7), features: fixtureFeatures).model
        let t0 = Date(timeIntervalSince1970: 0)
        // Mildly unusual windows labelled normal, far-off ones labelled anomalous.
        var labelled: [LabelledWindow] = []
        for i in 0..<20 {
            let mild = correlatedStates(12, seed: 100 + UInt64(i), shift: [0, 0, 4.5, 0])
            labelled.append(LabelledWindow(id: "n\(i)", rows: mild, normal: true, decidedAt: t0 + Double(i), fitRows: Matrix(rows: 0, columns: 4)))
            let far = correlatedStates(12, seed: 200 + UInt64(i), shift: [0, 0, 30, 0])
            labelled.append(LabelledWindow(id: "a\(i)", rows: far, normal: false, decidedAt: t0 + Double(i) + 0.5))
        }
        var settings = AnomalyRetrainer.Settings()
        settings.extraComponents = 0
        let outcome = try AnomalyRetrainer.retrain(model, labelled: labelled, settings: settings, version: 2)
        #expect(outcome.thresholdScale >= 1 && outcome.thresholdScale <= settings.maximumThresholdScale)
        #expect(outcome.model.version == 2)
        #expect(outcome.heldBackLabels == 12)
        #expect(outcome.candidate.recall == 1, "the far-off anomalies stay flagged")
        #expect(outcome.model.metrics["heldBack.falsePositiveRate"] == outcome.candidate.falsePositiveRate)
        #expect(outcome.model.metrics["retrain.previousVersion"] == 1)
    }

    @Test func modelsWhoseArtifactDoesNotSummariseTheirDataAreRefusedWithTheReason() throws {
        let mset = try AnomalyTrainer.fit(
            correlatedStates(300, seed: 8), features: fixtureFeatures, configuration: TrainingConfiguration(kind: .mset)
        ).model
        #expect {
            try AnomalyRetrainer.pooledRefit(mset, adding: [])
        } throws: { "\($0)".contains("hotelling-t2 and pca-t2q") }
    }
}
