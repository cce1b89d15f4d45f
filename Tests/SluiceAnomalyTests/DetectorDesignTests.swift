import Foundation
import Numerics
import SluiceAnomaly
import SluiceLinearAlgebra
import SluiceSimulation
import Testing

/// A process in continuous time sampled every `interval` seconds: each sensor follows a shared load
/// (an Ornstein–Uhlenbeck process with time constant `loadTime`) plus its own part (time constant
/// `ownTime`, or white when 0) plus white noise of spread `noise`.
private func process(
    rows: Int, sensors: Int, interval: Double, loadTime: Double, ownTime: Double, noise: Double = 0, seed: UInt64 = 3
) -> (values: Matrix, times: [Double]) {
    var random = SeededGenerator(seed: seed)
    let loadDecay = exp(-interval / loadTime)
    let ownDecay = ownTime > 0 ? exp(-interval / ownTime) : 0
    var load = random.normal()
    var own = (0..<sensors).map { _ in random.normal() }
    var m = Matrix(rows: rows, columns: sensors)
    for t in 0..<rows {
        load = loadDecay * load + (1 - loadDecay * loadDecay).squareRoot() * random.normal()
        for j in 0..<sensors {
            own[j] = ownDecay * own[j] + (1 - ownDecay * ownDecay).squareRoot() * random.normal()
            m[t, j] = 10 * Double(j + 1) + 2 * load + own[j] + noise * random.normal()
        }
    }
    return (m, (0..<rows).map { Double($0) * interval })
}

/// Correlated Gaussian states with no memory: `p` sensors mixed from `factors` shared factors plus noise.
private func factorStates(rows: Int, sensors p: Int, factors: Int, seed: UInt64) -> Matrix {
    var random = SeededGenerator(seed: seed)
    var loadings = Matrix(rows: p, columns: factors)
    for i in 0..<p { for k in 0..<factors { loadings[i, k] = (i % factors == k ? 2 : 0) + 0.3 * random.normal() } }
    var m = Matrix(rows: rows, columns: p)
    for t in 0..<rows {
        let f = (0..<factors).map { _ in random.normal() }
        for i in 0..<p {
            var s = 5.0 + 0.5 * random.normal()
            for k in 0..<factors { s += loadings[i, k] * f[k] }
            m[t, i] = s
        }
    }
    return m
}

private func names(_ p: Int) -> [String] { (0..<p).map { String(format: "s%02d", $0) } }

@Suite("The default detector's choices, each from its training rows")
struct DetectorDesignTests {
    @Test func theSameProcessGetsTheSameWindowInSecondsAt1sAnd180s() throws {
        // Sensors whose own parts remember ten minutes, over a load of one minute, trained on twenty hours,
        // with a one-hour detection objective: at either rate the window is half the objective, in seconds.
        var configuration = TrainingConfiguration.automatic
        configuration.detectionObjective = 3_600
        var windows: [Double] = []
        for interval in [1.0, 180.0] {
            let rows = Int(20 * 3_600 / interval)
            let data = process(rows: rows, sensors: 4, interval: interval, loadTime: 60, ownTime: 600)
            let model = try AnomalyTrainer.fit(data.values, features: names(4), times: data.times, configuration: configuration).model
            #expect(model.samplingInterval == interval)
            windows.append(Double(model.filter.window) * interval)
        }
        #expect(windows[0] == windows[1], "windows \(windows) s")
        #expect(windows[0] == 1_800)
    }

    @Test func aProcessSlowerThanTheObjectiveIsAveragedOverItsMemoryAndKeepsItsFalseAlarmTarget() throws {
        // Sampled every three minutes, the sensors remember about an hour: half the five-minute objective
        // is under one sample, so the window follows the process instead.
        let data = process(rows: 12_000, sensors: 6, interval: 180, loadTime: 3_600, ownTime: 1_800, noise: 0.5, seed: 17)
        let model = try AnomalyTrainer.fit(
            data.values.rows(0..<2_000), features: names(6), times: Array(data.times.prefix(2_000)), configuration: .automatic
        ).model
        #expect(model.filter.window > 1, "\(model.design ?? [])")
        let scorer = try AnomalyScorer(model: model)
        let scores = scorer.scores(sequence: data.values.rows(2_000..<12_000))
        let rate = Double(scores[scorer.warmUp...].filter { $0 > 1 }.count) / Double(scores.count - scorer.warmUp)
        #expect(rate < 0.03, "realised false-alarm rate \(rate) for a target of 0.01")
    }

    @Test func fiftySensorsOnThreeHundredRowsKeepTheirFalseAlarmTarget() throws {
        var over = 0
        var scored = 0
        for seed in UInt64(1)...3 {
            let training = factorStates(rows: 300, sensors: 50, factors: 4, seed: seed)
            let model = try AnomalyTrainer.fit(training, features: names(50), configuration: .automatic).model
            let fresh = factorStates(rows: 20_000, sensors: 50, factors: 4, seed: seed)
            // The same process: the loadings come from the seed, the rows after the first 300 are new.
            let test = fresh.rows(300..<20_000)
            let scorer = try AnomalyScorer(model: model)
            let scores = scorer.scores(sequence: test)
            over += scores[scorer.warmUp...].filter { $0 > 1 }.count
            scored += scores.count - scorer.warmUp
        }
        let rate = Double(over) / Double(scored)
        #expect(rate > 0.002 && rate < 0.025, "realised false-alarm rate \(rate) for a target of 0.01")
    }

    @Test func aSensorThatWandersOnItsOwnIsJudgedByItsChange() throws {
        // Four sensors share a fast load; the last one also wanders on its own, far slower than the window.
        var random = SeededGenerator(seed: 11)
        let rows = 2_000
        var m = Matrix(rows: rows, columns: 5)
        var wander = 0.0
        var load = 0.0
        for t in 0..<rows {
            load = 0.5 * load + random.normal()
            wander = 0.999 * wander + 0.3 * random.normal()
            for j in 0..<5 { m[t, j] = load + 0.5 * random.normal() + (j == 4 ? 5 * wander : 0) }
        }
        let model = try AnomalyTrainer.fit(m, features: names(5), configuration: .automatic).model
        #expect(model.filter.slowFeatures == [false, false, false, false, true], "\(model.design ?? [])")
        let reason = try #require(model.design?.first { $0.name == "slow sensors" })
        #expect(reason.value == "s04")
    }

    @Test func aSharedSlowLoadIsTheModelsToWatchNotASlowSensor() throws {
        let data = process(rows: 3_000, sensors: 5, interval: 1, loadTime: 600, ownTime: 0, noise: 0.3)
        let model = try AnomalyTrainer.fit(data.values, features: names(5), times: data.times, configuration: .automatic).model
        #expect(!model.filter.slowFeatures.contains(true))
        #expect(model.kind == .pcaT2Q)
        #expect(model.parameters.retained == 1, "the shared load is the one structured direction")
    }

    @Test func theModelAndItsComponentsComeFromTheCorrelation() throws {
        let structured = try AnomalyTrainer.fit(
            factorStates(rows: 2_000, sensors: 12, factors: 3, seed: 5), features: names(12), configuration: .automatic
        ).model
        #expect(structured.kind == .pcaT2Q)
        #expect(structured.parameters.retained == 3)
        var random = SeededGenerator(seed: 6)
        var independent = Matrix(rows: 2_000, columns: 6)
        for i in 0..<2_000 { for j in 0..<6 { independent[i, j] = random.normal() } }
        let plain = try AnomalyTrainer.fit(independent, features: names(6), configuration: .automatic).model
        #expect(plain.kind == .hotellingT2, "no direction stands above the noise edge")
    }

    @Test func limitsWidenWhenTheTrainingRowsChangeAndStayTightWhenSteady() throws {
        let steadyRows = factorStates(rows: 1_000, sensors: 6, factors: 2, seed: 8)
        let steady = try AnomalyTrainer.fit(steadyRows, features: names(6), configuration: .automatic).model
        let steadyRatio = try #require(steady.metrics["heldOut.t2MeanRatio"])
        #expect(steadyRatio > 0.8 && steadyRatio < 1.25, "held-out T² of a steady process: \(steadyRatio)× theory")
        // From row 600 on, the whole cell runs at another operating point: every sensor moves together, so
        // no sensor wanders on its own, but the later rows lie where the earlier ones never went.
        var changing = steadyRows
        for i in 600..<1_000 { for j in 0..<6 { changing[i, j] += 2 } }
        let moving = try AnomalyTrainer.fit(changing, features: names(6), configuration: .automatic).model
        #expect(!moving.filter.slowFeatures.contains(true))
        let movingRatio = max(moving.metrics["heldOut.t2MeanRatio"] ?? 0, moving.metrics["heldOut.qMeanRatio"] ?? 0)
        #expect(movingRatio > 1.5, "a process that changed within its training rows widens its limits (\(movingRatio))")
        #expect(moving.limits.method == .heldOut)
    }

    @Test func aSensorThatStepsWithinTheTrainingRowsIsJudgedByItsChange() throws {
        var rows = factorStates(rows: 1_000, sensors: 6, factors: 2, seed: 8)
        for i in 600..<1_000 { rows[i, 2] += 3 }
        let model = try AnomalyTrainer.fit(rows, features: names(6), configuration: .automatic).model
        #expect(model.filter.slowFeatures[2], "its level moved for good: only its change can be judged")
    }

    @Test func aFrozenSensorIsCaughtAfterThreeEqualValues() throws {
        var training = factorStates(rows: 1_000, sensors: 4, factors: 2, seed: 9)
        // Sensor 3 is quantised: it repeats its value often, so it needs a longer run.
        for i in 0..<1_000 { training[i, 3] = (training[i, 3] * 2).rounded() / 2 }
        let model = try AnomalyTrainer.fit(training, features: names(4), configuration: .automatic).model
        let runs = try #require(model.parameters.frozenRuns)
        #expect(Array(runs.prefix(3)) == [2, 2, 2])
        #expect(runs[3] == 0 || runs[3] > 2, "a sensor that repeats in normal operation needs a longer run (\(runs[3]))")
        var live = factorStates(rows: 400, sensors: 4, factors: 2, seed: 10)
        for i in 300..<400 { live[i, 1] = live[299, 1] }
        let scorer = try AnomalyScorer(model: model)
        let scores = scorer.scores(sequence: live)
        #expect(scores[301] > 1, "two repeats after the last change: frozen")
        #expect(scores[320...].allSatisfy { $0 > 1 })
        var stream = StreamingScorer(scorer: scorer)
        var last = 0.0
        for i in 0..<400 { last = stream.push(live.row(i)) }
        #expect(last > 1)
        let why = stream.explainLast()
        #expect(why.contributions[1] == why.score, "the frozen sensor drives the score alone")
    }

    @Test func aSensorWhoseNoiseGrowsIsCaughtByItsOwnResidualAndNamed() throws {
        // Twenty sensors on four shared factors, each with its own noise; then one sensor's noise grows fourfold.
        let training = factorStates(rows: 2_000, sensors: 20, factors: 4, seed: 31)
        let model = try AnomalyTrainer.fit(training, features: names(20), configuration: .automatic).model
        #expect(model.kind == .pcaT2Q)
        let limit = try #require(model.limits.residual)
        #expect(model.parameters.residualVariance?.count == 20 && limit > 0)
        var live = factorStates(rows: 4_000, sensors: 20, factors: 4, seed: 31).rows(2_000..<4_000)
        var random = SeededGenerator(seed: 32)
        for i in 1_000..<2_000 { live[i, 7] += 1.5 * random.normal() }
        let scorer = try AnomalyScorer(model: model)
        let scores = scorer.scores(sequence: live)
        let normalRate = Double(scores[scorer.warmUp..<1_000].filter { $0 > 1 }.count) / Double(1_000 - scorer.warmUp)
        let faultRate = Double(scores[1_000...].filter { $0 > 1 }.count) / 1_000
        #expect(normalRate < 0.03, "normal samples flagged: \(normalRate)")
        #expect(faultRate > 0.15, "samples of the noisy sensor flagged: \(faultRate)")
        let statistics = scorer.statistics(sequence: live)
        let byResidual = statistics.residual[1_000...].filter { $0 > limit }.count
        let byQ = statistics.q[1_000...].filter { $0 > model.limits.q! }.count
        #expect(byResidual > byQ, "the residual check sees more of it (\(byResidual)) than Q (\(byQ))")
        var stream = StreamingScorer(scorer: scorer)
        var named = 0
        for i in 0..<2_000 {
            if stream.push(live.row(i)) > 1, i >= 1_000 {
                let why = stream.explainLast()
                if why.contributions.indices.max(by: { why.contributions[$0] < why.contributions[$1] }) == 7 { named += 1 }
            }
        }
        #expect(named > 0, "the explanation names the noisy sensor")
    }

    @Test func everyChoiceIsRecordedWithItsReason() throws {
        let data = process(rows: 1_200, sensors: 5, interval: 10, loadTime: 120, ownTime: 20, noise: 0.5)
        let result = try AnomalyTrainer.fit(data.values, features: names(5), times: data.times, configuration: .automatic)
        let design = try #require(result.model.design)
        #expect(design.map(\.name) == ["sampling interval", "memory", "window", "slow sensors", "frozen sensors", "model", "limits"])
        #expect(design.allSatisfy { !$0.value.isEmpty && !$0.reason.isEmpty })
        #expect(design[0].value == "10 s")
        #expect(result.model.samplingInterval == 10)
        #expect(design[2].value.hasSuffix("(\(result.model.filter.window) sample\(result.model.filter.window == 1 ? "" : "s"))"))
        // The artifact keeps the design through a save and a load.
        let decoded = try AnomalyModel.decode(try result.model.jsonData(), path: "m.json")
        #expect(decoded.design == design)
    }

    @Test func withoutTimestampsOneSampleASecondIsAssumedAndSaid() throws {
        let model = try AnomalyTrainer.fit(factorStates(rows: 500, sensors: 4, factors: 2, seed: 12), features: names(4), configuration: .automatic)
            .model
        #expect(model.design?.first?.value == "1 s (assumed)")
    }

    @Test func aDefaultModelRetrainsFromItsOwnMoments() throws {
        let data = process(rows: 2_000, sensors: 4, interval: 1, loadTime: 30, ownTime: 3, noise: 0.3)
        let model = try AnomalyTrainer.fit(data.values.rows(0..<1_000), features: names(4), configuration: .automatic).model
        let pooled = try AnomalyRetrainer.pooledRefit(model, adding: [data.values.rows(1_000..<2_000)])
        #expect(pooled.trainingRows == 2_000)
        #expect(pooled.filter == model.filter, "the design is kept")
        #expect(pooled.limits.primary.isFinite && (pooled.limits.q ?? 1).isFinite)
        let scores = try AnomalyScorer(model: pooled).scores(sequence: data.values)
        let rate = Double(scores[pooled.filter.warmUp...].filter { $0 > 1 }.count) / Double(scores.count - pooled.filter.warmUp)
        #expect(rate < 0.05, "pooled model's alarm rate on its own data \(rate)")
    }
}

@Suite("Retraining the default detector's models")
struct DefaultDetectorRetrainingTests {
    @Test func operatorsLabelsRetrainADefaultModelAndKeepItsDesign() throws {
        let training = factorStates(rows: 1_500, sensors: 5, factors: 2, seed: 21)
        let model = try AnomalyTrainer.fit(training, features: names(5), configuration: .automatic).model
        let t0 = Date(timeIntervalSince1970: 0)
        var labelled: [LabelledWindow] = []
        for i in 0..<16 {
            // Normal operation a little off the training rows, called normal; far-off states, called faults.
            var mild = factorStates(rows: 60, sensors: 5, factors: 2, seed: 300 + UInt64(i))
            var far = factorStates(rows: 60, sensors: 5, factors: 2, seed: 400 + UInt64(i))
            for r in 0..<60 {
                mild[r, 1] += 1
                far[r, 3] += 25
            }
            labelled.append(LabelledWindow(id: "n\(i)", rows: mild, normal: true, decidedAt: t0 + Double(i)))
            labelled.append(LabelledWindow(id: "a\(i)", rows: far, normal: false, decidedAt: t0 + Double(i) + 0.5))
        }
        let outcome = try AnomalyRetrainer.retrain(model, labelled: labelled, version: 2)
        #expect(outcome.model.version == 2)
        #expect(outcome.model.filter == model.filter && outcome.model.design == model.design, "the design is kept")
        #expect(outcome.model.limits.method == .heldOut)
        #expect(outcome.model.metrics["heldOut.t2MeanRatio"] == model.metrics["heldOut.t2MeanRatio"])
        #expect(outcome.confirmedNormalRows > 0)
        #expect(outcome.candidate.recall == 1, "the far-off faults stay flagged")
        _ = try AnomalyScorer(model: outcome.model)
    }
}
