import Foundation

/// The outlier-detection figures of the SKAB protocol, from a confusion matrix pooled over all files.
public struct OutlierMetrics: Sendable, Equatable, Codable {
    /// True positives.
    public var truePositives = 0
    /// True negatives.
    public var trueNegatives = 0
    /// False positives.
    public var falsePositives = 0
    /// False negatives.
    public var falseNegatives = 0

    /// An empty confusion matrix.
    public init() {}

    /// Adds the rows of one file.
    public mutating func add(truth: [Int], prediction: [Bool]) {
        precondition(truth.count == prediction.count, "one prediction per labelled row")
        for (y, p) in zip(truth, prediction) {
            switch (y == 1, p) {
            case (true, true): truePositives += 1
            case (false, false): trueNegatives += 1
            case (false, true): falsePositives += 1
            case (true, false): falseNegatives += 1
            }
        }
    }

    /// F1 = TP / (TP + (FN + FP) / 2).
    public var f1: Double {
        let denominator = Double(truePositives) + Double(falseNegatives + falsePositives) / 2
        return denominator > 0 ? Double(truePositives) / denominator : 0
    }

    /// False alarm rate, %: FP / (FP + TN) · 100.
    public var falseAlarmRate: Double {
        let negatives = falsePositives + trueNegatives
        return negatives > 0 ? 100 * Double(falsePositives) / Double(negatives) : 0
    }

    /// Missing alarm rate, %: FN / (FN + TP) · 100.
    public var missingAlarmRate: Double {
        let positives = falseNegatives + truePositives
        return positives > 0 ? 100 * Double(falseNegatives) / Double(positives) : 0
    }
}

/// The NAB changepoint score as the SKAB leaderboard computes it.
///
/// - Each true changepoint opens a window of `window` seconds to its right; a window that would overlap
///   the previous one starts where that one ends.
/// - The first predicted changepoint inside a window is a hit, rewarded from `A_tp` at the window start
///   down to `A_fp` at its end along a tanh curve; later ones in the same window count for nothing.
/// - A predicted changepoint outside every window costs `A_fp`; a window without one costs `A_fn`.
/// - Scores, null scores (every window missed) and perfect scores are summed over files, and the result
///   is `100 · (S − S_null) / (S_perfect − S_null)`.
public struct NABScore: Sendable, Equatable, Codable {
    /// The weights of one application profile.
    public struct Profile: Sendable, Equatable, Codable {
        /// The profile's name.
        public let name: String
        /// Reward of a hit at the very start of its window.
        public let truePositive: Double
        /// Cost of a predicted changepoint outside every window.
        public let falsePositive: Double
        /// Cost of a window with no predicted changepoint.
        public let falseNegative: Double
    }

    /// The three profiles of the leaderboard: standard, low false positives, low false negatives.
    public static let profiles = [
        Profile(name: "standard", truePositive: 1, falsePositive: -0.11, falseNegative: -1),
        Profile(name: "lowFP", truePositive: 1, falsePositive: -0.22, falseNegative: -1),
        Profile(name: "lowFN", truePositive: 1, falsePositive: -0.11, falseNegative: -2),
    ]

    /// The window to the right of each true changepoint, in seconds.
    public let window: Double
    private var raw: [Double]
    private var null: [Double]
    private var perfect: [Double]

    /// An empty score with the given window (60 s in the SKAB protocol).
    public init(window: Double = 60) {
        self.window = window
        raw = Array(repeating: 0, count: Self.profiles.count)
        null = raw
        perfect = raw
    }

    /// Predicted changepoints of a binary prediction: its rising and falling edges, with the first row
    /// counted as one when it is predicted anomalous.
    public static func changepoints(of prediction: [Bool]) -> [Bool] {
        prediction.indices.map { i in i == 0 ? prediction[0] : prediction[i] != prediction[i - 1] }
    }

    /// Adds one file: the time of each row, the true changepoint labels and the predicted changepoints.
    public mutating func add(times: [Double], truth: [Int], predicted: [Bool]) {
        precondition(times.count == truth.count && truth.count == predicted.count, "one label per row")
        var windows: [(start: Double, end: Double)] = truth.indices.filter { truth[$0] == 1 }.map { (times[$0], times[$0] + window) }
        for i in windows.indices.dropFirst() where windows[i - 1].end >= windows[i].start {
            windows[i].start = windows[i - 1].end
        }
        let predictedTimes = predicted.indices.filter { predicted[$0] }.map { times[$0] }
        var falsePositives = predictedTimes.count
        var hitPositions: [Double] = []
        var misses = 0
        if !windows.isEmpty {
            falsePositives = predictedTimes.filter { $0 < windows[0].start }.count
            for (i, w) in windows.enumerated() {
                if let first = predictedTimes.first(where: { $0 >= w.start && $0 <= w.end }) {
                    hitPositions.append(w.end > w.start ? (first - w.start) / (w.end - w.start) : 0)
                } else {
                    misses += 1
                }
                let nextStart = i + 1 < windows.count ? windows[i + 1].start : .infinity
                falsePositives += predictedTimes.filter { $0 > w.end && $0 < nextStart }.count
            }
        }
        for (k, profile) in Self.profiles.enumerated() {
            var score = Double(falsePositives) * profile.falsePositive + Double(misses) * profile.falseNegative
            for position in hitPositions { score += Self.reward(position: position, profile: profile) }
            raw[k] += score
            null[k] += Double(windows.count) * profile.falseNegative
            perfect[k] += Double(windows.count) * profile.truePositive
        }
    }

    /// The reward of a hit at `position` (0 at the window start, 1 at its end), sampled on the
    /// leaderboard's grid of 1,000 points of `−tanh` over [−π/2, π/2].
    static func reward(position: Double, profile: Profile) -> Double {
        let detail = 1_000
        let event = min(Int(position * Double(detail)), detail - 1)
        let x = -Double.pi / 2 + Double(event) * Double.pi / Double(detail - 1)
        let span = profile.truePositive - profile.falsePositive
        return span / 2 * -tanh(x) / tanh(Double.pi / 2) + span / 2 + profile.falsePositive
    }

    /// The normalised score of each profile, by profile name.
    public var normalized: [String: Double] {
        var out: [String: Double] = [:]
        for (k, profile) in Self.profiles.enumerated() {
            let range = perfect[k] - null[k]
            out[profile.name] = range != 0 ? 100 * (raw[k] - null[k]) / range : 0
        }
        return out
    }
}
