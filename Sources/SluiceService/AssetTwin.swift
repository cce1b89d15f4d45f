public import Foundation
import SluiceAnomaly

/// The twin of one asset: the latest value of each sensor, a bounded window of recent samples, and the
/// running scorers of the models its gates apply.
struct AssetTwin: Sendable {
    struct Reading: Sendable, Equatable {
        var value: Double
        var time: Date
    }

    let id: String
    private(set) var latest: [String: Reading] = [:]
    private(set) var lastTime: Date?
    /// Recent samples, at most `capacity`, as a ring: once full, the oldest is overwritten in place rather
    /// than the whole window shifted, as this runs for every sample.
    private var window: [(time: Date, values: [String: Double])] = []
    /// Where the oldest sample is once the ring is full.
    private var oldest = 0
    let capacity: Int
    var scorers: [String: StreamingScorer] = [:]

    init(id: String, capacity: Int) {
        self.id = id
        self.capacity = max(1, capacity)
    }

    /// Takes in a sample; false (and nothing changed) when it is older than what the twin already holds.
    mutating func update(time: Date, values: [String: Double]) -> Bool {
        if let lastTime, time <= lastTime { return false }
        lastTime = time
        for (sensor, value) in values { latest[sensor] = Reading(value: value, time: time) }
        if window.count < capacity {
            window.append((time, values))
        } else {
            window[oldest] = (time, values)
            oldest = (oldest + 1) % capacity
        }
        return true
    }

    /// Pushes a state through the gate's running scorer, in place; nil when the gate scores nothing here.
    mutating func score(gate: String, _ raw: [Double]) -> (score: Double, settled: Bool)? {
        guard scorers[gate] != nil else { return nil }
        let score = scorers[gate]!.push(raw)
        return (score, scorers[gate]!.isSettled)
    }

    /// Why the gate's scorer scored the last state as it did.
    mutating func explainLast(gate: String) -> AnomalyScorer.Explanation? {
        scorers[gate]?.explainLast()
    }

    /// The share of `sensors` whose last value is at most `freshness` old at `time`.
    func coverage(of sensors: [String], at time: Date, freshness: TimeInterval) -> Double {
        guard !sensors.isEmpty else { return 0 }
        let fresh = sensors.filter { sensor in latest[sensor].map { time.timeIntervalSince($0.time) <= freshness } ?? false }.count
        return Double(fresh) / Double(sensors.count)
    }

    /// The latest value of each of `sensors`, in order; nil if one has never been seen.
    func state(of sensors: [String]) -> [Double]? {
        var out: [Double] = []
        out.reserveCapacity(sensors.count)
        for sensor in sensors {
            guard let reading = latest[sensor] else { return nil }
            out.append(reading.value)
        }
        return out
    }

    /// The last `count` values of each of `sensors`, oldest first, with their times.
    func recent(_ sensors: [String], count: Int) -> (times: [Date], values: [String: [Double]]) {
        let slice = (window[oldest...] + window[..<oldest]).suffix(count)
        var values: [String: [Double]] = [:]
        for sensor in sensors { values[sensor] = slice.map { $0.values[sensor] ?? 0 } }
        return (slice.map(\.time), values)
    }

    /// A snapshot for evidence and the twin endpoint.
    func snapshot(freshness: TimeInterval, sensors: [String]) -> TwinSnapshot {
        let time = lastTime ?? Date(timeIntervalSince1970: 0)
        return TwinSnapshot(
            asset: id, time: lastTime, values: latest.mapValues(\.value), coverage: coverage(of: sensors, at: time, freshness: freshness),
            windowLength: window.count)
    }
}

/// An asset's state at one moment, as evidence and the twin endpoint show it.
public struct TwinSnapshot: Sendable, Codable, Equatable {
    /// The asset.
    public var asset: String
    /// Its latest sample's time.
    public var time: Date?
    /// The latest value of each sensor.
    public var values: [String: Double]
    /// The share of its sensors that are fresh.
    public var coverage: Double
    /// Samples in its recent window.
    public var windowLength: Int
}
