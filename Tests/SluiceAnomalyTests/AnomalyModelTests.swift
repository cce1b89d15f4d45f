import Foundation
import Numerics
import SluiceAnomaly
import SluiceLinearAlgebra
import SluiceSimulation
import SluiceStatistics
import Testing

@Suite("Anomaly models")
struct AnomalyModelTests {
    let training = correlatedStates(2_000)

    /// T² of one state computed independently: dᵀ S⁻¹ d with the covariance of the standardised data.
    private func referenceT2(_ state: [Double]) throws -> Double {
        let scaling = Standardizer(fitting: training)
        let z = scaling.transform(training)
        var covariance = z.gram()
        let n = Double(training.rows - 1)
        covariance = try Matrix(rows: 4, columns: 4, elements: covariance.elements.map { $0 / n })
        let d = (0..<4).map { (state[$0] - scaling.means[$0]) / scaling.scales[$0] }
        let solved = try covariance.luSolve(try Matrix(rows: 4, columns: 1, elements: d))
        return zip(d, solved.elements).reduce(0) { $0 + $1.0 * $1.1 }
    }

    @Test func hotellingT2MatchesMahalanobisDistance() throws {
        let model = try AnomalyTrainer.fit(training, features: fixtureFeatures, configuration: .init(kind: .hotellingT2)).model
        let scorer = try AnomalyScorer(model: model)
        let states = correlatedStates(5, seed: 9, shift: [3, 0, 0, 0])
        let scores = scorer.scores(states: states)
        for i in 0..<5 {
            let expected = try referenceT2(states.row(i)) / model.limits.primary
            #expect(scores[i].isApproximatelyEqual(to: expected, relativeTolerance: 1e-9))
        }
        // Phase II limit: p(n−1)(n+1)/(n(n−p))·F(0.99; p, n−p) with p = 4, n = 2000.
        let n = 2_000.0
        let p = 4.0
        let limit = p * (n - 1) * (n + 1) / (n * (n - p)) * Distributions.fQuantile(0.99, p, n - p)
        #expect(model.limits.primary.isApproximatelyEqual(to: limit, relativeTolerance: 1e-12))
    }

    @Test func pcaQIsTheSquaredResidualOfTheRetainedComponents() throws {
        let model = try AnomalyTrainer.fit(training, features: fixtureFeatures, configuration: .init(kind: .pcaT2Q, explainedVariance: 0.8)).model
        let k = try #require(model.parameters.retained)
        let vectors = try #require(model.parameters.eigenvectors)
        let values = try #require(model.parameters.eigenvalues)
        #expect(k >= 1 && k < 4)
        #expect(values.prefix(k).reduce(0, +) / values.reduce(0, +) >= 0.8)
        let scorer = try AnomalyScorer(model: model)
        let state = [84.0, 3.0, 31.0, 2.0]
        let d = (0..<4).map { (state[$0] - model.scaling.means[$0]) / model.scaling.scales[$0] }
        var residual = d
        var t2 = 0.0
        for c in 0..<k {
            let u = (0..<4).reduce(0) { $0 + vectors[$1, c] * d[$1] }
            t2 += u * u / values[c]
            for i in 0..<4 { residual[i] -= vectors[i, c] * u }
        }
        let q = residual.reduce(0) { $0 + $1 * $1 }
        let qLimit = try #require(model.limits.q)
        let explanation = scorer.explain(centered: d)
        #expect(explanation.primary.isApproximatelyEqual(to: t2 / model.limits.primary, relativeTolerance: 1e-9))
        #expect(try #require(explanation.q).isApproximatelyEqual(to: q / qLimit, relativeTolerance: 1e-9))
        let expectedScore = max(t2 / model.limits.primary, q / qLimit)
        #expect(explanation.score.isApproximatelyEqual(to: expectedScore, relativeTolerance: 1e-9))
        let batch = scorer.scores(states: try Matrix([state]))
        #expect(batch[0].isApproximatelyEqual(to: expectedScore, relativeTolerance: 1e-9))
        let expectedQLimit = AnomalyTrainer.jacksonMudholkar(residualEigenvalues: Array(values[k...]), alpha: 0.01)
        #expect(qLimit.isApproximatelyEqual(to: expectedQLimit, relativeTolerance: 1e-12))
    }

    @Test(arguments: AnomalyModelKind.allCases)
    func contributionsAddUpToTheScoreAndSingleMatchesBatch(kind: AnomalyModelKind) throws {
        let model = try AnomalyTrainer.fit(training, features: fixtureFeatures, configuration: .init(kind: kind)).model
        let scorer = try AnomalyScorer(model: model)
        let states = correlatedStates(50, seed: 3, shift: [0, 2, 0, 0])
        let batch = scorer.scores(states: states)
        let centered = scorer.centeredFeatures(sequence: states)
        let workspace = UnsafeMutablePointer<Double>.allocate(capacity: 4)
        defer { workspace.deallocate() }
        for i in 0..<50 {
            let explanation = scorer.explain(centered: centered.row(i))
            // MSET solves with a near-singular similarity matrix, so rounding shows at 1e-8 of the limit.
            let tolerance = kind == .mset ? 1e-6 : 1e-10
            #expect(explanation.score.isApproximatelyEqual(to: batch[i], absoluteTolerance: tolerance, relativeTolerance: 1e-8))
            let sum = explanation.contributions.reduce(0, +)
            let driving = kind == .pcaT2Q && (explanation.q ?? 0) > explanation.primary ? explanation.q! : explanation.primary
            #expect(sum.isApproximatelyEqual(to: driving, absoluteTolerance: 1e-9, relativeTolerance: 1e-9))
            if kind != .mset {
                let single = states.row(i).withUnsafeBufferPointer { scorer.score(state: $0.baseAddress!, workspace: workspace) }
                #expect(single.isApproximatelyEqual(to: batch[i], relativeTolerance: 1e-9))
            }
        }
    }

    @Test(arguments: AnomalyModelKind.allCases)
    func shiftedStatesScoreAboveTheThresholdAndNormalOnesBelow(kind: AnomalyModelKind) throws {
        let model = try AnomalyTrainer.fit(training, features: fixtureFeatures, configuration: .init(kind: kind)).model
        let scorer = try AnomalyScorer(model: model)
        let normal = scorer.scores(states: correlatedStates(2_000, seed: 11))
        let alarmRate = Double(normal.filter { $0 > 1 }.count) / 2_000
        #expect(alarmRate < 0.03, "a model set for α = 1 % should rarely alarm on fresh normal data (got \(alarmRate))")
        // The flow sensor breaks away from the others: the correlation, not the level range, is what is off.
        let broken = scorer.scores(states: correlatedStates(200, seed: 12, shift: [0, 0, 6, 0]))
        #expect(Double(broken.filter { $0 > 1 }.count) / 200 > 0.9)
    }

    @Test func constantSensorIsDroppedAndSaid() throws {
        var data = training
        for i in 0..<data.rows { data[i, 1] = 5 }
        let result = try AnomalyTrainer.fit(data, features: fixtureFeatures, configuration: .init(kind: .hotellingT2))
        #expect(result.model.features == ["temperature", "flow", "vibration"])
        #expect(result.model.droppedFeatures["pressure"] != nil)
        #expect(result.notes.contains { $0.contains("'pressure' is constant") })
        let scores = try AnomalyScorer(model: result.model).scores(states: data.columns([0, 2, 3]))
        #expect(scores.allSatisfy { $0.isFinite })
    }

    @Test func collinearSensorsAreHandledWithoutNaN() throws {
        var data = training
        for i in 0..<data.rows { data[i, 3] = 2 * data[i, 0] + 1 }
        let result = try AnomalyTrainer.fit(data, features: fixtureFeatures, configuration: .init(kind: .hotellingT2))
        #expect(result.notes.contains { $0.contains("rank 3 of 4") })
        let scores = try AnomalyScorer(model: result.model).scores(states: data)
        #expect(scores.allSatisfy { $0.isFinite })
    }

    @Test func qLimitHoldsWhenOneResidualDirectionDominates() throws {
        // 19 sensors driven by two factors and one independent sensor: the residual eigenvalues are one
        // large value and a long tail of small ones, where Jackson–Mudholkar's exponent turns negative.
        var random = SeededGenerator(seed: 31)
        func states(_ n: Int) -> Matrix {
            var m = Matrix(rows: n, columns: 20)
            for i in 0..<n {
                let f1 = random.normal()
                let f2 = random.normal()
                for j in 0..<19 { m[i, j] = f1 * Double(j % 5 + 1) + f2 * Double(j % 3) + 0.05 * random.normal() }
                m[i, 19] = random.normal()
            }
            return m
        }
        let names = (0..<20).map { "s\($0)" }
        let model = try AnomalyTrainer.fit(states(3_000), features: names, configuration: .init(kind: .pcaT2Q)).model
        let values = try #require(model.parameters.eigenvalues)
        let retained = try #require(model.parameters.retained)
        #expect(try #require(model.limits.q) > values[retained...].reduce(0, +), "the Q limit must exceed the mean of Q")
        let scores = try AnomalyScorer(model: model).scores(states: states(4_000))
        let alarmRate = Double(scores.filter { $0 > 1 }.count) / 4_000
        #expect(alarmRate < 0.04, "fresh normal data alarmed on \(alarmRate) of states at α = 0.01")
    }

    @Test func chiSquareQuantilesMatchScipy() {
        #expect(Distributions.chiSquareQuantile(0.99, 3).isApproximatelyEqual(to: 11.344866730144373, relativeTolerance: 1e-9))
        #expect(Distributions.chiSquareQuantile(0.95, 0.7).isApproximatelyEqual(to: 3.0439167400767175, relativeTolerance: 1e-9))
        #expect(Distributions.chiSquareQuantile(0.999, 40.5).isApproximatelyEqual(to: 74.07397712186122, relativeTolerance: 1e-9))
        #expect(Distributions.regularizedGammaP(3.2, 2.5).isApproximatelyEqual(to: 0.40782930453091604, relativeTolerance: 1e-10))
    }

    @Test func tooFewRowsIsRefused() throws {
        #expect(throws: AnomalyModelError.self) {
            try AnomalyTrainer.fit(correlatedStates(5), features: fixtureFeatures)
        }
    }

    @Test func everySensorConstantIsRefused() throws {
        let data = Matrix(rows: 100, columns: 4, repeating: 1)
        #expect(throws: AnomalyModelError.self) { try AnomalyTrainer.fit(data, features: fixtureFeatures) }
    }

    @Test func trainingDigestDependsOnTheData() {
        let a = AnomalyTrainer.digest(training, features: fixtureFeatures)
        var changed = training
        changed[7, 2] += 1e-9
        #expect(a.count == 64)
        #expect(a == AnomalyTrainer.digest(training, features: fixtureFeatures))
        #expect(a != AnomalyTrainer.digest(changed, features: fixtureFeatures))
    }
}
