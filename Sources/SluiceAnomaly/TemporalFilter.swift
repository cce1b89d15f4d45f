public import SluiceLinearAlgebra

/// A causal filter applied to standardised states before a model sees them.
///
/// - Smoothing: each feature becomes the mean of its last `window` values, so a sustained shift stands
///   out of sample noise.
/// - Slow sensors: a sensor whose training series moves much less from one sample to the next than its
///   overall spread (a thermal drift, say) is judged by how far it moved over the last `slowLag` samples
///   rather than by its level, which would otherwise wander outside any range seen in training.
///
/// The filter only ever reads the current sample and earlier ones, as in live operation.
public struct TemporalFilter: Sendable, Codable, Equatable {
    /// The smoothing window in samples; 1 means no smoothing.
    public var window: Int
    /// How many samples back a slow sensor is compared with; 0 turns the slow-sensor rule off.
    public var slowLag: Int
    /// A sensor is slow when `var(Δx) / (2·var(x)) < slowRatio` on the training data (1 for white noise,
    /// near 0 for a drift).
    public var slowRatio: Double
    /// Which features the training data showed to be slow.
    public var slowFeatures: [Bool]

    /// Creates a filter; ``slowFeatures`` are found by ``fitted(to:)``.
    public init(window: Int = 1, slowLag: Int = 0, slowRatio: Double = 0.45, slowFeatures: [Bool] = []) {
        self.window = max(1, window)
        self.slowLag = max(0, slowLag)
        self.slowRatio = slowRatio
        self.slowFeatures = slowFeatures
    }

    /// The filter that passes states through unchanged.
    public static let identity = TemporalFilter()

    /// Whether the filter leaves every state as it is.
    public var isIdentity: Bool { window == 1 && (slowLag == 0 || !slowFeatures.contains(true)) }

    /// Samples at the start of a sequence whose filtered value is not yet settled: a full window, and for
    /// slow sensors a full window `slowLag` samples back as well.
    public var warmUp: Int { window - 1 + (slowFeatures.contains(true) ? slowLag : 0) }

    /// The filter with ``slowFeatures`` learnt from a training series (rows in time order).
    public func fitted(to training: Matrix) -> TemporalFilter {
        var copy = self
        let n = training.rows
        let p = training.columns
        guard slowLag > 0, n > 2 else {
            copy.slowFeatures = Array(repeating: false, count: p)
            return copy
        }
        copy.slowFeatures = (0..<p).map { j in
            let x = training.column(j)
            let mean = x.reduce(0, +) / Double(n)
            let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
            let steps = (1..<n).map { x[$0] - x[$0 - 1] }
            let stepMean = steps.reduce(0, +) / Double(n - 1)
            let stepVariance = steps.reduce(0) { $0 + ($1 - stepMean) * ($1 - stepMean) } / Double(n - 1)
            guard variance > 0 else { return false }
            return stepVariance / (2 * variance) < slowRatio
        }
        return copy
    }

    /// The filtered copy of a series of standardised states (rows in time order).
    public func apply(_ series: Matrix) -> Matrix {
        if isIdentity { return series }
        var state = State(filter: self, features: series.columns)
        var out = Matrix(rows: series.rows, columns: series.columns)
        let p = series.columns
        series.withUnsafeBufferPointer { z in
            out.withUnsafeMutableBufferPointer { f in
                for i in 0..<series.rows {
                    state.push(
                        UnsafeBufferPointer(rebasing: z[(i * p)..<((i + 1) * p)]),
                        into: UnsafeMutableBufferPointer(rebasing: f[(i * p)..<((i + 1) * p)]))
                }
            }
        }
        return out
    }

    /// The running state of the filter over a stream of states.
    public struct State: Sendable {
        private let filter: TemporalFilter
        private let features: Int
        private var recent: [Double]
        private var count = 0
        private var smoothedHistory: [Double]
        private var sums: [Double]
        private var sinceRecount = 0

        /// A state that has seen nothing yet.
        public init(filter: TemporalFilter, features: Int) {
            self.filter = filter
            self.features = features
            self.recent = Array(repeating: 0, count: filter.window * features)
            self.smoothedHistory = Array(repeating: 0, count: (filter.slowLag + 1) * features)
            self.sums = Array(repeating: 0, count: features)
        }

        /// Feeds one standardised state and writes its filtered value to `output`.
        public mutating func push(_ z: UnsafeBufferPointer<Double>, into output: UnsafeMutableBufferPointer<Double>) {
            let w = filter.window
            let p = features
            let slot = count % w
            let filled = min(count + 1, w)
            // A running sum over the window, counted afresh every 4,096 samples and whenever a large value
            // leaves it, so rounding cannot accumulate over a long stream and an extreme sample leaves no trace.
            var recount = sinceRecount >= 4_096
            for j in 0..<p {
                let leaving = count >= w ? recent[slot * p + j] : 0
                if abs(leaving) > 1_000 { recount = true }
                sums[j] += z[j] - leaving
                recent[slot * p + j] = z[j]
            }
            if recount {
                for j in 0..<p {
                    var sum = 0.0
                    for k in 0..<filled { sum += recent[k * p + j] }
                    sums[j] = sum
                }
                sinceRecount = 0
            } else {
                sinceRecount += 1
            }
            for j in 0..<p { output[j] = sums[j] / Double(filled) }
            if filter.slowLag > 0, filter.slowFeatures.contains(true) {
                let lag = filter.slowLag
                let here = count % (lag + 1)
                // Before `lag` samples exist the oldest one stands in, as the series has no earlier past.
                let back = count >= lag ? (count - lag) % (lag + 1) : 0
                for j in 0..<p { smoothedHistory[here * p + j] = output[j] }
                for j in 0..<p where filter.slowFeatures[j] {
                    output[j] -= smoothedHistory[back * p + j]
                }
            }
            count += 1
        }
    }
}
