import Foundation
import SluiceBenchmarks
import Testing

@Suite("SKAB metrics")
struct MetricsTests {
    @Test func outlierFiguresFromAPooledConfusionMatrix() {
        var m = OutlierMetrics()
        m.add(truth: [1, 1, 0, 0, 0], prediction: [true, false, true, false, false])
        m.add(truth: [1, 0], prediction: [true, false])
        // TP 2, FN 1, FP 1, TN 3: F1 = 2 / (2 + 1) , FAR = 1/4, MAR = 1/3.
        #expect(m.truePositives == 2 && m.falseNegatives == 1 && m.falsePositives == 1 && m.trueNegatives == 3)
        #expect(abs(m.f1 - 2.0 / 3.0) < 1e-12)
        #expect(abs(m.falseAlarmRate - 25) < 1e-12)
        #expect(abs(m.missingAlarmRate - 100.0 / 3.0) < 1e-12)
    }

    @Test func changepointsAreTheEdgesOfThePrediction() {
        #expect(NABScore.changepoints(of: [true, true, false, false, true]) == [true, false, true, false, true])
        #expect(NABScore.changepoints(of: [false, false, true]) == [false, false, true])
    }

    private let times = (0..<300).map(Double.init)
    private func truth(_ points: [Int]) -> [Int] { (0..<300).map { points.contains($0) ? 1 : 0 } }
    private func predicted(_ points: [Int]) -> [Bool] { (0..<300).map { points.contains($0) } }

    @Test func aHitAtTheWindowStartIsPerfect() {
        var nab = NABScore()
        nab.add(times: times, truth: truth([50, 200]), predicted: predicted([50, 200]))
        for value in nab.normalized.values { #expect(abs(value - 100) < 1e-9) }
    }

    @Test func noPredictionScoresZero() {
        var nab = NABScore()
        nab.add(times: times, truth: truth([50, 200]), predicted: predicted([]))
        for value in nab.normalized.values { #expect(abs(value) < 1e-12) }
    }

    @Test func lateHitsEarnLessAndFalsePositivesCost() {
        var nab = NABScore()
        // Window [50, 110]: a hit at 80 is half way; later marks in the window count for nothing;
        // the mark at 150 is outside every window; the window of 200 is missed.
        nab.add(times: times, truth: truth([50, 200]), predicted: predicted([80, 90, 150]))
        let x = -Double.pi / 2 + 500 * Double.pi / 999
        func expected(fp: Double, fn: Double) -> Double {
            let hit = (1 - fp) / 2 * -tanh(x) / tanh(Double.pi / 2) + (1 - fp) / 2 + fp
            let score = hit + fp + fn
            return 100 * (score - 2 * fn) / (2 - 2 * fn)
        }
        #expect(abs(nab.normalized["standard"]! - expected(fp: -0.11, fn: -1)) < 1e-9)
        #expect(abs(nab.normalized["lowFP"]! - expected(fp: -0.22, fn: -1)) < 1e-9)
        #expect(abs(nab.normalized["lowFN"]! - expected(fp: -0.11, fn: -2)) < 1e-9)
    }

    @Test func overlappingWindowsAreCutOnTheRight() {
        var nab = NABScore()
        // Windows [10, 70] and [70, 80] after the cut: a mark at 75 hits the second window at half way.
        nab.add(times: times, truth: truth([10, 20]), predicted: predicted([10, 75]))
        let x = -Double.pi / 2 + 500 * Double.pi / 999
        let half = 1.11 / 2 * -tanh(x) / tanh(Double.pi / 2) + 1.11 / 2 - 0.11
        #expect(abs(nab.normalized["standard"]! - 100 * (1 + half + 2) / 4) < 1e-9)
    }
}
