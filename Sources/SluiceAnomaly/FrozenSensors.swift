/// The frozen-sensor rule: a sensor whose raw value repeats exactly for longer than normal operation ever
/// makes it (its run limit, from the training rows) is stuck, whatever its level. T² and Q cannot see a
/// sensor frozen at a normal value; this rule can.
///
/// Its score is the current run of repeats over the sensor's limit, so 1.0 is the threshold as for the
/// model's statistics.
public struct FrozenSensors: Sendable {
    /// Per feature, the run of repeats that marks it frozen (0: not checked).
    public let runs: [Int]
    private var last: [Double]
    private var current: [Int]
    private var started = false

    /// A rule that has seen nothing yet.
    public init(runs: [Int]) {
        self.runs = runs
        last = Array(repeating: 0, count: runs.count)
        current = Array(repeating: 0, count: runs.count)
    }

    /// Feeds one raw state and returns the highest run-over-limit and the feature that has it (nil when no
    /// feature is checked or none repeats).
    public mutating func push(_ raw: UnsafeBufferPointer<Double>) -> (score: Double, feature: Int?) {
        var best = 0.0
        var feature: Int?
        for j in runs.indices {
            if started, raw[j] == last[j] { current[j] += 1 } else { current[j] = 0 }
            last[j] = raw[j]
            if runs[j] > 0, current[j] > 0 {
                let s = Double(current[j]) / Double(runs[j])
                if s > best {
                    best = s
                    feature = j
                }
            }
        }
        started = true
        return (best, feature)
    }
}
