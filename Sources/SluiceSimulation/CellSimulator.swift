import Foundation
import SluiceLinearAlgebra
public import SluiceTelemetry

/// A sensor of a simulated asset: its variable, unit and the range it normally stays in.
public struct SensorSpec: Sendable, Equatable, Codable {
    /// The variable name, as it appears in telemetry (`temperature`).
    public let name: String
    /// The unit (`°C`).
    public let unit: String
    /// The range the sensor stays in during normal operation.
    public let expectedRange: ClosedRange<Double>
}

/// The kinds of fault injected into the simulated cell.
public enum FaultKind: String, Sendable, CaseIterable, Codable {
    /// A sensor drifts away linearly.
    case drift
    /// A sensor jumps to a new level and stays there.
    case step
    /// Short, large excursions.
    case spike
    /// A sensor freezes at its last value.
    case stuck
    /// The noise of a sensor grows several-fold.
    case noiseBurst = "noise-burst"
}

/// A fault injected on a schedule.
public struct InjectedFault: Sendable, Equatable, Codable {
    /// The asset hit.
    public let asset: String
    /// The sensor the fault acts on.
    public let sensor: String
    /// The kind of fault.
    public let kind: FaultKind
    /// The first sample of the fault.
    public let start: Int
    /// How many samples it lasts.
    public let duration: Int

    /// The samples the fault covers.
    public var samples: Range<Int> { start..<(start + duration) }
}

/// A benign, recurring change of operating point: a wash cycle. Flow drops (and pressure with it), the
/// temperature dips, vibration and current ease a little, then everything ramps back. Normal operation, but
/// off the correlations of production alone, so a model trained on production only flags it.
public struct WashCycle: Sendable, Equatable, Codable {
    /// Samples between the starts of two washes.
    public var period: Int
    /// Samples a wash lasts, ramps included.
    public var duration: Int
    /// The first wash starts this many samples after the normal period (plus 37 per asset index).
    public var phase: Int

    /// A wash cycle.
    public init(period: Int = 360, duration: Int = 80, phase: Int = 260) {
        self.period = period
        self.duration = duration
        self.phase = phase
    }

    /// The wash's depth at sample `k` of it, 0 to 1: 15-sample ramps in and out.
    func depth(_ k: Int) -> Double {
        min(1, Double(k + 1) / 15, Double(duration - k) / 15)
    }
}

/// A seeded simulation of a production cell: assets whose sensors move together through a shared load,
/// with faults injected on a schedule and labelled.
///
/// The first ``Configuration/normalSamples`` samples of every asset are fault-free, so a model can be
/// trained on them; the rest carries the scheduled faults.
public struct CellSimulator: Sendable {
    /// What to simulate.
    public struct Configuration: Sendable, Equatable {
        /// Fixes every random draw.
        public var seed: UInt64
        /// The asset identifiers.
        public var assets: [String]
        /// Samples per asset.
        public var samples: Int
        /// Seconds between samples.
        public var interval: Double
        /// Leading fault-free samples.
        public var normalSamples: Int
        /// Samples between the starts of two faults on the same asset.
        public var faultSpacing: Int
        /// How long each fault lasts.
        public var faultDuration: Int
        /// Time of the first sample (seconds since 1970).
        public var start: Double
        /// The kinds of fault the schedule cycles through.
        public var faultKinds: [FaultKind]
        /// Wash cycles after the normal period, if the cell has them.
        public var washes: WashCycle?

        /// Three assets, two hours at one sample per second, faults every ten minutes after the first hour.
        public init(
            seed: UInt64 = 42, assets: [String] = ["press-01", "pump-02", "oven-03"], samples: Int = 7_200, interval: Double = 1,
            normalSamples: Int = 3_600, faultSpacing: Int = 600, faultDuration: Int = 180, start: Double = 1_767_225_600,
            faultKinds: [FaultKind] = FaultKind.allCases, washes: WashCycle? = nil
        ) {
            self.seed = seed
            self.assets = assets
            self.samples = samples
            self.interval = interval
            self.normalSamples = normalSamples
            self.faultSpacing = faultSpacing
            self.faultDuration = faultDuration
            self.start = start
            self.faultKinds = faultKinds.isEmpty ? FaultKind.allCases : faultKinds
            self.washes = washes
        }
    }

    /// The sensors every simulated asset carries, in column order.
    public static let sensors: [SensorSpec] = [
        SensorSpec(name: "temperature", unit: "°C", expectedRange: 55...75),
        SensorSpec(name: "pressure", unit: "bar", expectedRange: 4...7),
        SensorSpec(name: "vibration", unit: "mm/s", expectedRange: 1...4),
        SensorSpec(name: "current", unit: "A", expectedRange: 10...20),
        SensorSpec(name: "flow", unit: "m³/h", expectedRange: 20...40),
    ]

    /// The configuration.
    public let configuration: Configuration

    /// A simulator for `configuration`.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// The faults the schedule injects: on each asset, one every `faultSpacing` samples after the normal
    /// period, cycling through the kinds and the sensors.
    public var schedule: [InjectedFault] {
        var faults: [InjectedFault] = []
        let kinds = configuration.faultKinds
        for (a, asset) in configuration.assets.enumerated() {
            var start = configuration.normalSamples + configuration.faultSpacing / 2 + a * 37
            var index = a
            while start + configuration.faultDuration <= configuration.samples {
                let kind = kinds[index % kinds.count]
                let sensor = Self.sensors[(index * 2 + a) % Self.sensors.count].name
                faults.append(InjectedFault(asset: asset, sensor: sensor, kind: kind, start: start, duration: configuration.faultDuration))
                start += configuration.faultSpacing
                index += 1
            }
        }
        return faults
    }

    /// The washes of each asset: sample ranges, in order.
    public func washes(of asset: String) -> [Range<Int>] {
        guard let wash = configuration.washes, wash.period > 0, wash.duration > 0 else { return [] }
        let a = configuration.assets.firstIndex(of: asset) ?? 0
        var out: [Range<Int>] = []
        var start = configuration.normalSamples + wash.phase + 37 * a
        while start + wash.duration <= configuration.samples {
            out.append(start..<(start + wash.duration))
            start += wash.period
        }
        return out
    }

    /// The telemetry of one asset, labelled with `anomaly` (1 inside an injected fault) and `wash` (1 inside a wash).
    public func telemetry(for asset: String) -> TelemetryFrame {
        let n = configuration.samples
        let p = Self.sensors.count
        let assetIndex = configuration.assets.firstIndex(of: asset) ?? 0
        var random = SeededGenerator(seed: configuration.seed &+ UInt64(assetIndex) &* 0x9E37_79B9)
        // Each asset runs at its own operating point.
        let offset = Double(assetIndex) * 0.8
        var values = Matrix(rows: n, columns: p)
        var load = 0.0
        var heat = 0.0
        var washDepth = [Double](repeating: 0, count: n)
        var washLabel = [Double](repeating: 0, count: n)
        if let wash = configuration.washes {
            for range in washes(of: asset) {
                for (k, t) in range.enumerated() {
                    washDepth[t] = wash.depth(k)
                    washLabel[t] = 1
                }
            }
        }
        for t in 0..<n {
            // A slowly wandering load drives current, flow, pressure and vibration together;
            // temperature follows the current with thermal lag.
            load = 0.995 * load + 0.1 * random.normal()
            heat = 0.98 * heat + 0.02 * load
            // A wash lowers flow (pressure follows it), cools, and eases vibration and current a little.
            let w = washDepth[t]
            let current = 15 + offset + 1.5 * load + 0.25 * random.normal() - 0.8 * w
            let flow = 30 - offset + 3.0 * load + 0.5 * random.normal() - 6 * w
            let pressure = 5.5 + 0.05 * (flow - 30) + 0.08 * random.normal() - 0.15 * w
            let vibration = 2.2 + 0.3 * load + 0.12 * random.normal() - 0.25 * w
            let temperature = 65 + offset + 4 * heat + 0.2 * random.normal() - 3 * w
            let row = [temperature, pressure, vibration, current, flow]
            for j in 0..<p { values[t, j] = row[j] }
        }
        var anomaly = [Double](repeating: 0, count: n)
        for fault in schedule where fault.asset == asset {
            guard let j = Self.sensors.firstIndex(where: { $0.name == fault.sensor }) else { continue }
            let spread = Self.sensors[j].expectedRange.upperBound - Self.sensors[j].expectedRange.lowerBound
            let frozen = values[fault.start, j]
            for (k, t) in fault.samples.enumerated() {
                anomaly[t] = 1
                let progress = Double(k) / Double(fault.duration)
                switch fault.kind {
                case .drift: values[t, j] += 0.6 * spread * progress
                case .step: values[t, j] += 0.25 * spread
                case .spike: if k % 15 < 3 { values[t, j] += 0.8 * spread }
                case .stuck: values[t, j] = frozen
                case .noiseBurst: values[t, j] += 0.2 * spread * random.normal()
                }
            }
        }
        let times = (0..<n).map { configuration.start + Double($0) * configuration.interval }
        return TelemetryFrame(
            source: "simulated:\(asset)", sensors: Self.sensors.map(\.name), values: values, times: times,
            labels: configuration.washes == nil ? ["anomaly": anomaly] : ["anomaly": anomaly, "wash": washLabel])
    }

    /// The whole cell as CSV text: `time,asset,<sensors>,anomaly,fault_kind`, asset after asset.
    public func csv() -> String {
        var rows: [[String]] = []
        let faults = schedule
        for asset in configuration.assets {
            let frame = telemetry(for: asset)
            let kinds = faults.filter { $0.asset == asset }
            for t in 0..<frame.count {
                let kind = kinds.first { $0.samples.contains(t) }?.kind.rawValue ?? ""
                var row = [Timestamp.format(frame.times![t]), asset]
                row += (0..<frame.sensors.count).map { String(format: "%.4f", frame.values[t, $0]) }
                row += [frame.labels["anomaly"]![t] == 1 ? "1" : "0", kind]
                rows.append(row)
            }
        }
        return TelemetryCSV.format(header: ["time", "asset"] + Self.sensors.map(\.name) + ["anomaly", "fault_kind"], rows: rows)
    }
}
