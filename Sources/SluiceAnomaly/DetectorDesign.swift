import Foundation
public import SluiceLinearAlgebra
import SluiceStatistics

/// One choice the default detector made from its training rows, with the reason, as `sluice train` prints
/// it and the operator's evidence shows it.
public struct DesignChoice: Sendable, Codable, Equatable {
    /// What was chosen (`window`, `slow sensors`, `model`, `limits`, …).
    public var name: String
    /// The value, in words and units (`7 s (7 samples)`).
    public var value: String
    /// Why, from the training rows (`the shortest mean in which a sustained shift of one σ …`).
    public var reason: String

    /// A choice.
    public init(name: String, value: String, reason: String) {
        self.name = name
        self.value = value
        self.reason = reason
    }
}

/// What the default detector read off its training rows before fitting: the sampling interval, how long
/// the sensors and their own parts remember, the window that makes a sustained shift of one σ stand out,
/// which sensors wander on their own slower than that window, and how many exact repeats in a row mean a
/// sensor is frozen.
///
/// Every figure comes from the training rows of the asset; the only settings are the target false-alarm
/// probability and the detection objective (the pilot's time to detect, 5 minutes), which bounds the delay
/// a smoothing window may add.
public struct DetectorDesign: Sendable {
    /// Seconds between samples: the median spacing of the training timestamps.
    public var interval: Double
    /// The window states are averaged over, in samples (1: none); slow sensors are judged by their change
    /// over it.
    public var window: Int
    /// Sensors that wander on their own slower than the window (their own part's autocorrelation one window
    /// back is over 0.5) and too slowly for the training rows to hold 20 independent samples of it: judged
    /// by their change over one window rather than by their level.
    public var slow: [Bool]
    /// Per sensor, the run of exact repeats that marks it frozen (nil: it repeats too often to tell).
    public var frozenRuns: [Int?]
    /// The choices with their reasons, in the order they were made.
    public var choices: [DesignChoice]

    /// The fewest independent samples from which a sensor's level range is learnt; a slow sensor with fewer
    /// is judged by its change. Twenty is the usual floor for estimating a mean and a spread.
    static let independentSamplesForLevel = 20.0

    /// Reads the design off standardised training rows `z` (time order, one column per name in
    /// `features`) and the raw rows `raw` (for exact repeats), sampled at `times` (seconds) when known.
    static func derive(
        standardized z: Matrix, raw: Matrix, features: [String], times: [Double]?, alpha: Double, detectionObjective: Double
    ) -> DetectorDesign {
        let n = z.rows
        let p = z.columns
        var choices: [DesignChoice] = []

        // The sampling interval.
        var interval = 1.0
        if let times, times.count > 1 {
            let steps = zip(times.dropFirst(), times).map { $0 - $1 }.filter { $0 > 0 }
            if !steps.isEmpty { interval = Distributions.empiricalQuantile(steps, 0.5) }
            choices.append(
                DesignChoice(
                    name: "sampling interval", value: Self.duration(interval),
                    reason: "the median spacing of the \(times.count) training timestamps; windows below are in time and converted with it"))
        } else {
            choices.append(
                DesignChoice(
                    name: "sampling interval", value: "1 s (assumed)",
                    reason: "the training data has no timestamps: one sample a second is assumed, so windows in seconds are windows in samples"))
        }

        // How long each sensor remembers, and how long its own part does: what is left of it once the other
        // sensors have explained what they can. A load that moves every sensor together is the model's to
        // watch; a sensor's own part is where a fault of that sensor shows.
        let columns = (0..<p).map { z.column($0) }
        let memory = columns.map { SeriesStatistics.integratedTime(of: $0) }
        let medianMemory = Distributions.empiricalQuantile(memory, 0.5)
        let own = Self.ownParts(z)
        let ownColumns = (0..<p).map { own.column($0) }
        let ownMemories = ownColumns.map { SeriesStatistics.integratedTime(of: $0) }
        let ownMemory = Distributions.empiricalQuantile(ownMemories, 0.5)
        choices.append(
            DesignChoice(
                name: "memory", value: Self.duration(medianMemory * interval),
                reason: "the median integrated autocorrelation time of the sensors (\(Self.figure(medianMemory)) samples); of their own parts, "
                    + "once the other sensors have explained what they can, \(Self.duration(ownMemory * interval))"))

        // The window states are averaged over before they are judged: the shortest over which a sustained
        // shift of one standard deviation in one sensor's own part stands out at α (its window mean varies at
        // most 1/χ²₁(1 − α) as much as one sample). It is at most a tenth of the training rows, so the
        // calibration sees ten windows, and at most half the detection objective, unless the sensors remember
        // longer than that: then the process itself moves too slowly for the objective, and the window may
        // be as long as their memory.
        let critical = 1 / Distributions.chiSquareQuantile(1 - alpha, 1)
        let byObjective = Int((detectionObjective / 2 / interval).rounded(.down))
        let cap = max(1, min(n / 10, max(byObjective, Int(medianMemory.rounded()))))
        func shortestWindow(_ series: [[Double]]) -> (window: Int, rho: [[Double]]) {
            let rho = series.map { SeriesStatistics.autocorrelation(Array($0.suffix(16_384)), maxLag: cap) }
            for w in 1...cap where Distributions.empiricalQuantile(rho.map { Self.varianceOfMean($0, window: w) }, 0.5) <= critical {
                return (w, rho)
            }
            return (cap, rho)
        }
        let (first, ownRho) = shortestWindow(ownColumns)
        // Slow sensors: the own part one window back still explains more than half of the present one, and
        // the training rows hold fewer than twenty independent samples of it, so the sensor wanders on its own,
        // slower than the window and too slowly for its range to be learnt; its level would read as a fault.
        // Such a sensor is judged by its change over the window; the window is then chosen again.
        let slow = (0..<p).map {
            first > 1 && ownRho[$0].count > first && ownRho[$0][first] > 0.5 && Double(n) / ownMemories[$0] < Self.independentSamplesForLevel
        }
        var window = first
        if slow.contains(true) {
            let lag = TemporalFilter(window: 1, slowLag: first, slowFeatures: slow)
            let changed = lag.apply(z).rows(first..<n)
            let ownChanged = Self.ownParts(changed)
            window = shortestWindow((0..<p).map { ownChanged.column($0) }).window
        }
        let shift = Self.figure((1 / critical).squareRoot())
        choices.append(
            DesignChoice(
                name: "window", value: "\(Self.duration(Double(window) * interval)) (\(window) sample\(window == 1 ? "" : "s"))",
                reason: window == 1
                    ? (cap == 1
                        ? "each sample is judged alone: half the \(Self.duration(detectionObjective)) detection objective is shorter than two samples, and so is the sensors' memory"
                        : "each sample is judged alone: a shift of one σ already stands out at α in one sample")
                    : window == cap
                        ? "as long as allowed: a tenth of the \(n) training rows, half the \(Self.duration(detectionObjective)) detection objective, "
                            + "or the sensors' memory if that is longer"
                        : "the shortest mean in which a sustained shift of one σ in one sensor stands \(shift)× above the noise of the mean "
                            + "(α \(Self.figure(alpha * 100)) %), given that the sensors' own parts remember \(Self.duration(ownMemory * interval))"
            ))
        let slowNames = (0..<p).filter { slow[$0] }.map { features[$0] }
        choices.append(
            DesignChoice(
                name: "slow sensors", value: slowNames.isEmpty ? "none" : slowNames.joined(separator: ", "),
                reason: slowNames.isEmpty
                    ? "no sensor's own part both keeps more than half its correlation over one window and has fewer than \(Int(Self.independentSamplesForLevel)) independent samples in the training rows: all are judged by their level"
                    : "their own part, one window back, still explains more than half of the present one (correlation > 0.5), and the training "
                        + "rows hold fewer than \(Int(Self.independentSamplesForLevel)) independent samples of it: they wander on their own, slower than the window and too slowly "
                        + "for their range to be learnt, so they are judged by their change over \(Self.duration(Double(window) * interval))"
            ))

        // Frozen sensors: a run of exact repeats that normal operation makes with probability below α/(10p).
        var frozenRuns: [Int?] = []
        var frozenText: [String] = []
        for j in 0..<p {
            let (share, longest) = SeriesStatistics.repeats(raw.column(j))
            var run: Int?
            if share == 0 {
                run = 2
            } else if share < 0.5 {
                let needed = Int((log(alpha / (10 * Double(p))) / log(share)).rounded(.up))
                run = max(needed, longest + 1, 2)
            }
            if let r = run, Double(r) * interval > 4 * detectionObjective, share > 0 { run = nil }
            frozenRuns.append(run)
            if run == nil { frozenText.append("\(features[j]) repeats its value in \(Int((share * 100).rounded())) % of the rows: not checked") }
        }
        let continuous = frozenRuns.enumerated().filter { $0.element == 2 }.count
        choices.append(
            DesignChoice(
                name: "frozen sensors", value: "a value repeated exactly (run limits per sensor)",
                reason: "\(continuous) of \(p) sensors never repeat a value in the training rows, so three equal values in a row mark them frozen; "
                    + "sensors that do repeat need a run normal operation makes with probability below α/(10·sensors)"
                    + (frozenText.isEmpty ? "" : "; " + frozenText.joined(separator: "; "))))
        return DetectorDesign(interval: interval, window: window, slow: slow, frozenRuns: frozenRuns, choices: choices)
    }

    /// Each column's own part: its residual after a least-squares regression on the other columns, from the
    /// inverse correlation `P` (`r_j = (P z)_j / P_jj`). Directions with almost no variance are left out of
    /// the inverse, so collinear sensors do not blow it up.
    static func ownParts(_ z: Matrix) -> Matrix {
        let p = z.columns
        guard p > 1, let eigen = try? z.meanAndCovariance().covariance.symmetricEigendecomposition() else { return z }
        let largest = max(eigen.values.first ?? 0, 1e-300)
        let inverse = Matrix.recomposing(vectors: eigen.vectors, values: eigen.values.map { $0 > 1e-6 * largest ? 1 / $0 : 0 })
        var own = Matrix.checkedProduct(z, inverse)
        own.withUnsafeMutableBufferPointer { r in
            for i in 0..<z.rows { for j in 0..<p { r[i * p + j] = inverse[j, j] > 0 ? r[i * p + j] / inverse[j, j] : z[i, j] } }
        }
        return own
    }

    /// The variance of the mean of `window` consecutive standardised samples with autocorrelation `rho`.
    static func varianceOfMean(_ rho: [Double], window w: Int) -> Double {
        var s = 1.0
        for d in 1..<max(w, 1) where d < rho.count { s += 2 * (1 - Double(d) / Double(w)) * rho[d] }
        return max(s / Double(w), 1e-6)
    }

    /// A duration for people: `40 s`, `3 min`, `2.5 h`.
    public static func duration(_ seconds: Double) -> String {
        if seconds < 120 { return "\(figure(seconds)) s" }
        if seconds < 7_200 { return "\(figure(seconds / 60)) min" }
        return "\(figure(seconds / 3_600)) h"
    }

    /// A number with three significant figures at most, without trailing zeros.
    public static func figure(_ x: Double) -> String {
        guard x.isFinite else { return x > 0 ? "∞" : "-∞" }
        let a = abs(x)
        let decimals = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3
        var s = String(format: "%.\(decimals)f", x)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s
    }
}
