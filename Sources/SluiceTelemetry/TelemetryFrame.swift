public import SluiceLinearAlgebra

/// Telemetry read from a file: one row per sample, one column per sensor, plus optional time stamps
/// and label columns.
public struct TelemetryFrame: Sendable {
    /// Where the frame was read from, for messages.
    public let source: String
    /// The sensor names, in the order of the columns of ``values``.
    public let sensors: [String]
    /// The sensor values: one row per sample.
    public let values: Matrix
    /// The time of each sample in seconds since 1970 (UTC), when the file has a time column.
    public let times: [Double]?
    /// Further numeric columns that are not sensors (labels such as `anomaly`), by name.
    public let labels: [String: [Double]]
    /// The 1-based line in the file of each row, so later checks can still point at the source.
    public let lines: [Int]

    /// Creates a frame; `values` must have one column per sensor.
    public init(source: String, sensors: [String], values: Matrix, times: [Double]? = nil, labels: [String: [Double]] = [:], lines: [Int]? = nil) {
        precondition(values.columns == sensors.count, "one column per sensor")
        self.source = source
        self.sensors = sensors
        self.values = values
        self.times = times
        self.labels = labels
        self.lines = lines ?? Array(2..<(2 + values.rows))
    }

    /// The number of samples.
    public var count: Int { values.rows }

    /// The first `n` samples.
    public func prefix(_ n: Int) -> TelemetryFrame {
        slice(0..<min(n, count))
    }

    /// The samples in `range`.
    public func slice(_ range: Range<Int>) -> TelemetryFrame {
        TelemetryFrame(
            source: source, sensors: sensors, values: values.rows(range), times: times.map { Array($0[range]) },
            labels: labels.mapValues { Array($0[range]) }, lines: Array(lines[range]))
    }
}
