import Foundation
import Numerics
import SluiceGates
import Testing

@Suite("False-positive judge")
struct JudgeTests {
    @Test func boundariesAreWalds() {
        let s = FalsePositiveJudge.Settings()
        #expect(s.upperBoundary.isApproximatelyEqual(to: log(18.0), relativeTolerance: 1e-15))
        #expect(s.lowerBoundary.isApproximatelyEqual(to: log(0.1 / 0.95), relativeTolerance: 1e-15))
    }

    @Test func fortyTwoCleanDecisionsPass() {
        // Each clean decision moves the ratio by ln(0.90/0.95) = −0.05407: 41 reach −2.2168, 42 reach −2.2708,
        // past ln(0.1/0.95) = −2.2513.
        var judge = FalsePositiveJudge()
        for _ in 0..<41 { #expect(judge.record(falsePositive: false) == .undecided) }
        #expect(judge.record(falsePositive: false) == .pass)
        #expect(judge.logLikelihoodRatio.isApproximatelyEqual(to: 42 * log(0.9 / 0.95), relativeTolerance: 1e-12))
    }

    @Test func noPassBeforeTheMinimumSample() {
        var judge = FalsePositiveJudge(minimumSample: 50)
        for _ in 0..<49 { judge.record(falsePositive: false) }
        #expect(judge.verdict == .undecided)
        #expect(judge.record(falsePositive: false) == .pass)
    }

    @Test func threeFalsePositivesInARowFallBackFast() {
        // The 15 % test: 3·ln 3 = 3.296 ≥ ln 18 = 2.890, whereas the 10 % test alone would need 5 (5·ln 2 = 3.466).
        var judge = FalsePositiveJudge(minimumSample: 30)
        #expect(judge.record(falsePositive: true) == .undecided)
        #expect(judge.record(falsePositive: true) == .undecided)
        #expect(judge.record(falsePositive: true) == .fallBack)
        #expect(judge.fastLogLikelihoodRatio.isApproximatelyEqual(to: 3 * log(3.0), relativeTolerance: 1e-12))
    }

    @Test func theMaximumSampleEndsInconclusive() {
        var settings = FalsePositiveJudge.Settings()
        settings.maximumSample = 20
        var judge = FalsePositiveJudge(settings: settings)
        // Alternate so neither boundary is reached in 20 decisions.
        for i in 0..<19 { #expect(judge.record(falsePositive: i % 9 == 0) == .undecided) }
        #expect(judge.record(falsePositive: false) == .inconclusive)
        #expect(judge.record(falsePositive: true) == .inconclusive, "a verdict stays until reset")
        judge.reset()
        #expect(judge.verdict == .undecided && judge.decisions == 0)
    }

    @Test func wilsonIntervalsMatchTheFormula() {
        // Reference values computed with statsmodels-style Wilson intervals (z = 1.95996).
        let a = FalsePositiveJudge.wilsonInterval(successes: 2, trials: 10)
        #expect(a.lowerBound.isApproximatelyEqual(to: 0.05668215145437519, relativeTolerance: 1e-10))
        #expect(a.upperBound.isApproximatelyEqual(to: 0.5098375284633583, relativeTolerance: 1e-10))
        let b = FalsePositiveJudge.wilsonInterval(successes: 7, trials: 40)
        #expect(b.lowerBound.isApproximatelyEqual(to: 0.0874541374603592, relativeTolerance: 1e-10))
        #expect(b.upperBound.isApproximatelyEqual(to: 0.31949990331787714, relativeTolerance: 1e-10))
        let c = FalsePositiveJudge.wilsonInterval(successes: 0, trials: 42)
        #expect(c.lowerBound == 0 && c.upperBound.isApproximatelyEqual(to: 0.08379879086570391, relativeTolerance: 1e-10))
        #expect(FalsePositiveJudge.wilsonInterval(successes: 0, trials: 0) == 0...1)
    }

    @Test func evidenceReportsTheRateAndInterval() {
        var judge = FalsePositiveJudge()
        for i in 0..<10 { judge.record(falsePositive: i < 2) }
        let e = judge.evidence
        #expect(e.decisions == 10 && e.falsePositives == 2 && e.rate == 0.2)
        #expect(e.interval == FalsePositiveJudge.wilsonInterval(successes: 2, trials: 10))
    }
}
