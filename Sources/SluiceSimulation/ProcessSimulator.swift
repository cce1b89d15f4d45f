import Foundation
import SluiceLinearAlgebra
public import SluiceTelemetry

/// A process defined in continuous time and sampled at any interval with any number of sensors: what the
/// generalisation bench checks the default detector on.
///
/// A few latent drivers (Ornstein–Uhlenbeck processes with time constants of 2 to 8 seconds) move every
/// sensor through fixed loadings; each sensor adds its own short-memory disturbance (1 s) and white
/// measurement noise. Sampling is exact at any interval, so the same process read every second is strongly
/// autocorrelated and read every three minutes is not. After the training rows come faults, one sensor each,
/// sized in units of that sensor's normal spread and timed in seconds:
///
/// - step: a shift of 3 σ;
/// - drift: a ramp of 1 σ a minute, held at 6 σ;
/// - variance: the sensor's own disturbance and noise four times larger;
/// - frozen: the sensor repeats its last value.
public struct ProcessSimulator: Sendable {
    /// The kinds of fault the generalisation bench injects.
    public enum Fault: String, Sendable, CaseIterable, Codable {
        /// A shift of 3 σ.
        case step
        /// A ramp of 1 σ a minute, held at 6 σ.
        case drift
        /// The sensor's own variation four times larger.
        case variance
        /// The sensor repeats its last value.
        case frozen
    }

    /// One injected fault.
    public struct InjectedFault: Sendable, Equatable {
        /// The fault.
        public let kind: Fault
        /// The sensor it acts on (column).
        public let sensor: Int
        /// The rows it covers.
        public let rows: Range<Int>
    }

    /// What to simulate.
    public struct Configuration: Sendable, Equatable {
        /// Fixes every random draw.
        public var seed: UInt64
        /// Sensors.
        public var sensors: Int
        /// Seconds between samples.
        public var interval: Double
        /// Leading fault-free rows (the training part).
        public var trainingRows: Int
        /// Rows after the training part.
        public var testRows: Int
        /// Rows each fault lasts.
        public var faultRows: Int
        /// Normal rows before each fault.
        public var gapRows: Int

        /// A configuration.
        public init(
            seed: UInt64 = 7, sensors: Int = 8, interval: Double = 1, trainingRows: Int = 400, testRows: Int = 0, faultRows: Int = 0,
            gapRows: Int = 0
        ) {
            self.seed = seed
            self.sensors = sensors
            self.interval = interval
            self.trainingRows = trainingRows
            self.testRows = testRows
            self.faultRows = faultRows
            self.gapRows = gapRows
        }
    }

    /// The configuration.
    public let configuration: Configuration

    /// A simulator.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// The faults: after the training part, `gapRows` of normal operation, then a fault of `faultRows`,
    /// cycling through the kinds and the sensors, until the test part is full.
    public var faults: [InjectedFault] {
        let c = configuration
        guard c.faultRows > 0 else { return [] }
        var out: [InjectedFault] = []
        var start = c.trainingRows + c.gapRows
        var index = 0
        let kinds = Fault.allCases
        while start + c.faultRows <= c.trainingRows + c.testRows {
            out.append(InjectedFault(kind: kinds[index % kinds.count], sensor: (index * 5 + 1) % c.sensors, rows: start..<(start + c.faultRows)))
            start += c.faultRows + c.gapRows
            index += 1
        }
        return out
    }

    /// The telemetry: `trainingRows + testRows` rows of `sensors` columns named `s01`…, timestamps at the
    /// interval, and the `anomaly` label (1 inside a fault).
    public func telemetry() -> TelemetryFrame {
        let c = configuration
        let n = c.trainingRows + c.testRows
        let p = c.sensors
        var random = SeededGenerator(seed: c.seed)
        let latentTimes = [2.0, 4.0, 8.0]
        let latents = latentTimes.count
        // Loadings: every sensor follows one main driver strongly and the others a little.
        var loadings = [[Double]](repeating: [Double](repeating: 0, count: latents), count: p)
        for j in 0..<p {
            for l in 0..<latents { loadings[j][l] = 0.25 * random.normal() }
            loadings[j][j % latents] += 1.2 + 0.3 * random.normal()
        }
        let ownTime = 1.0
        let ownSpread = 0.3
        let noiseSpread = 0.25
        let levels = (0..<p).map { _ in 50 + 20 * random.normal() }
        let spreads = (0..<p).map { _ in exp(0.5 * random.normal()) }
        // The stationary spread of each sensor, for sizing faults in σ.
        let sigma = (0..<p).map { j in (loadings[j].reduce(0) { $0 + $1 * $1 } + ownSpread * ownSpread + noiseSpread * noiseSpread).squareRoot() }
        let decay = latentTimes.map { exp(-c.interval / $0) }
        let ownDecay = exp(-c.interval / ownTime)
        var latent = (0..<latents).map { _ in random.normal() }
        var own = (0..<p).map { _ in ownSpread * random.normal() }
        let faults = self.faults
        var active = [Int](repeating: -1, count: n)
        for (f, fault) in faults.enumerated() { for r in fault.rows { active[r] = f } }
        var values = Matrix(rows: n, columns: p)
        var anomaly = [Double](repeating: 0, count: n)
        for t in 0..<n {
            for l in 0..<latents { latent[l] = decay[l] * latent[l] + (1 - decay[l] * decay[l]).squareRoot() * random.normal() }
            let fault = active[t] >= 0 ? faults[active[t]] : nil
            for j in 0..<p {
                let louder = fault?.kind == .variance && fault?.sensor == j ? 4.0 : 1.0
                own[j] = ownDecay * own[j] + louder * ownSpread * (1 - ownDecay * ownDecay).squareRoot() * random.normal()
                var x = own[j] + louder * noiseSpread * random.normal()
                for l in 0..<latents { x += loadings[j][l] * latent[l] }
                if let fault, fault.sensor == j {
                    let elapsed = Double(t - fault.rows.lowerBound + 1) * c.interval
                    switch fault.kind {
                    case .step: x += 3 * sigma[j]
                    case .drift: x += min(elapsed / 60, 6) * sigma[j]
                    case .variance, .frozen: break
                    }
                }
                values[t, j] = levels[j] + spreads[j] * x
                if let fault, fault.kind == .frozen, fault.sensor == j { values[t, j] = values[fault.rows.lowerBound - 1, j] }
            }
            if fault != nil { anomaly[t] = 1 }
        }
        let names = (0..<p).map { String(format: "s%02d", $0 + 1) }
        let times = (0..<n).map { 1_767_225_600 + Double($0) * c.interval }
        return TelemetryFrame(source: "process:\(p)x\(c.interval)s", sensors: names, values: values, times: times, labels: ["anomaly": anomaly])
    }
}
