import Foundation
import SluiceAnomaly
public import SluiceLinearAlgebra
import SluiceSimulation
import SluiceTelemetry

/// Measures how fast a PCA T²+Q model fits and scores 8-sensor states on one BLAS thread.
public enum ScoringBenchmark {
    /// What was measured.
    public struct Result: Sendable, Codable {
        /// Sensors per state.
        public let sensors: Int
        /// Rows the model was fitted on.
        public let fitRows: Int
        /// Seconds to fit (best of the runs).
        public let fitSeconds: Double
        /// Seconds to fit the default detector on the same rows (best of the runs), times one second apart.
        public let defaultFitSeconds: Double
        /// States scored per batch run.
        public let batchStates: Int
        /// States per second in batches (best run).
        public let batchStatesPerSecond: Double
        /// States per second in batches (median run).
        public let batchStatesPerSecondMedian: Double
        /// Median latency of scoring one state, in nanoseconds.
        public let singleStateNanosecondsMedian: Double
        /// 99th-percentile latency of scoring one state, in nanoseconds.
        public let singleStateNanosecondsP99: Double
        /// OpenBLAS threads used.
        public let blasThreads: Int
    }

    /// Correlated 8-sensor states: three latent factors plus sensor noise, fixed by `seed`.
    public static func states(count: Int, sensors: Int = 8, seed: UInt64) -> Matrix {
        var random = SeededGenerator(seed: seed)
        var loadings = [[Double]](repeating: [Double](repeating: 0, count: sensors), count: 3)
        for f in 0..<3 { for j in 0..<sensors { loadings[f][j] = random.normal() } }
        var m = Matrix(rows: count, columns: sensors)
        m.withUnsafeMutableBufferPointer { x in
            for i in 0..<count {
                let f0 = random.normal()
                let f1 = random.normal()
                let f2 = random.normal()
                for j in 0..<sensors {
                    x[i * sensors + j] =
                        50 + Double(j) * 10 + 3 * f0 * loadings[0][j] + 2 * f1 * loadings[1][j] + f2 * loadings[2][j] + 0.5 * random.normal()
                }
            }
        }
        return m
    }

    /// Runs the measurements: fitting on `fitRows`, `runs` batch runs of `batchStates`, and `latencyRounds`
    /// rounds of 1,000 single-state calls.
    public static func run(fitRows: Int = 1_000_000, batchStates: Int = 4_000_000, runs: Int = 5, latencyRounds: Int = 2_000) throws -> Result {
        BLAS.setThreadCount(1)
        let clock = ContinuousClock()
        let sensors = 8
        let names = (0..<sensors).map { "s\($0)" }
        let training = states(count: fitRows, sensors: sensors, seed: 1)
        var fitTimes: [Double] = []
        var model: AnomalyModel?
        for _ in 0..<3 {
            let start = clock.now
            model = try AnomalyTrainer.fit(training, features: names, configuration: TrainingConfiguration(kind: .pcaT2Q, explainedVariance: 0.9))
                .model
            fitTimes.append((clock.now - start).inSeconds)
        }
        var defaultFitTimes: [Double] = []
        let times = (0..<fitRows).map(Double.init)
        for _ in 0..<3 {
            let start = clock.now
            _ = try AnomalyTrainer.fit(training, features: names, times: times, configuration: .automatic)
            defaultFitTimes.append((clock.now - start).inSeconds)
        }
        let scorer = try AnomalyScorer(model: model!)
        let batch = states(count: batchStates, sensors: sensors, seed: 2)
        var rates: [Double] = []
        var checksum = 0.0
        for _ in 0..<runs {
            let start = clock.now
            let scores = scorer.scores(states: batch)
            let elapsed = (clock.now - start).inSeconds
            checksum += scores[scores.count / 2]
            rates.append(Double(batchStates) / elapsed)
        }
        // Latency: the mean of 1,000 consecutive single-state calls, taken `latencyRounds` times, since one
        // call is shorter than the clock's own cost.
        let workspace = UnsafeMutablePointer<Double>.allocate(capacity: sensors)
        defer { workspace.deallocate() }
        var latencies: [Double] = []
        batch.withUnsafeBufferPointer { x in
            for round in 0..<latencyRounds {
                let base = (round * 1_000) % (batchStates - 1_000)
                let start = clock.now
                for i in 0..<1_000 { checksum += scorer.score(state: x.baseAddress! + (base + i) * sensors, workspace: workspace) }
                latencies.append((clock.now - start).inSeconds / 1_000 * 1e9)
            }
        }
        precondition(checksum.isFinite, "scores must be finite")
        rates.sort()
        latencies.sort()
        return Result(
            sensors: sensors, fitRows: fitRows, fitSeconds: fitTimes.min()!, defaultFitSeconds: defaultFitTimes.min()!, batchStates: batchStates,
            batchStatesPerSecond: rates.last!,
            batchStatesPerSecondMedian: rates[rates.count / 2], singleStateNanosecondsMedian: latencies[latencies.count / 2],
            singleStateNanosecondsP99: latencies[min(latencies.count - 1, latencies.count * 99 / 100)], blasThreads: BLAS.threadCount)
    }
}
