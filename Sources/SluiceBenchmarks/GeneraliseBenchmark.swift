import Foundation
import SluiceAnomaly
import SluiceGates
import SluiceLinearAlgebra
import SluiceSimulation
import SluiceStatistics
import SluiceTelemetry

/// Whether the default detector holds on data it was not tuned on: SKAB with a folder left out, a simulated
/// process at other rates and sizes, a week of normal operation through the service's debounce, and the
/// realised false-alarm rate against its target from 5 to 1000 rows per sensor.
public enum GeneraliseBenchmark {
    /// One SKAB folder scored on its own: the default detector's configuration never saw its labels (no
    /// label is read by the detector at all; the scorer alone reads them).
    public struct Fold: Sendable, Codable {
        /// The folder left out (`valve1`).
        public let heldOut: String
        /// Its labelled files.
        public let files: Int
        /// F1 of its pooled confusion matrix.
        public let f1: Double
        /// False alarm rate, %.
        public let falseAlarmRate: Double
        /// Missing alarm rate, %.
        public let missingAlarmRate: Double
    }

    /// One configuration of the simulated process.
    public struct SimulatedCase: Sendable, Codable {
        /// Seconds between samples.
        public let interval: Double
        /// Sensors.
        public let sensors: Int
        /// Training rows.
        public let trainingRows: Int
        /// The window the default detector chose, in seconds.
        public let windowSeconds: Double
        /// The model it chose (`pca-t2q, 3 of 20 components`).
        public let model: String
        /// F1 of the test part.
        public let f1: Double
        /// False alarm rate of the test part, %.
        public let falseAlarmRate: Double
        /// Missing alarm rate of the test part, %.
        public let missingAlarmRate: Double
        /// Median seconds from a fault's first sample to its first alarm, over the faults detected.
        public let medianDelaySeconds: Double?
        /// Faults with an alarm inside them.
        public let detectedFaults: Int
        /// Faults injected.
        public let faults: Int
        /// Median delay by fault kind, seconds (absent where none was detected).
        public let delayByKind: [String: Double]
        /// Detection events in a week of normal operation through the debounce and the silent period.
        public let falseEventsPerWeek: Int
        /// The share of that week's samples over the threshold, before any debounce, %.
        public let weekAlarmRate: Double
    }

    /// The realised false-alarm rate on fresh normal data for one ratio of training rows to sensors.
    public struct Calibration: Sendable, Codable {
        /// Sensors.
        public let sensors: Int
        /// Training rows.
        public let trainingRows: Int
        /// Training rows per sensor.
        public let rowsPerSensor: Double
        /// The target share of normal samples over the threshold, %.
        public let targetRate: Double
        /// The share realised on fresh normal data, averaged over the repetitions, %.
        public let realisedRate: Double
        /// Fits averaged.
        public let repetitions: Int
    }

    /// Hours of normal running of a real plant: a model fitted on the first quarter, the rest scored.
    public struct NormalRun: Sendable, Codable {
        /// The recording.
        public let file: String
        /// The detector (`default`, or `pca-t2q` for the textbook model `sluice train --kind pca-t2q` fits).
        public let detector: String
        /// Rows fitted on.
        public let trainingRows: Int
        /// Rows scored after them.
        public let scoredRows: Int
        /// The share of scored rows over the threshold, %.
        public let alarmRate: Double
        /// Alarm episodes among them.
        public let episodes: Int
        /// Detections a gate would raise from them (the gates' default debounce and silent period).
        public let detections: Int
    }

    /// Everything the bench measured.
    public struct Report: Sendable, Codable {
        /// SKAB over every file (the dev split).
        public var dev: SKABResult?
        /// SKAB folder by folder.
        public var folds: [Fold]
        /// Hours of normal running (SKAB's anomaly-free recording, when it is there).
        public var normalRunning: [NormalRun]
        /// The simulated process grid.
        public var simulated: [SimulatedCase]
        /// The false-alarm calibration.
        public var calibration: [Calibration]
        /// Seconds the bench took.
        public var seconds: Double
    }

    /// What the bench runs; the defaults are the full grid.
    public struct Settings: Sendable {
        /// Sampling intervals of the simulated process, seconds.
        public var intervals: [Double] = [1, 10, 60, 180]
        /// Sensor counts.
        public var sensors: [Int] = [8, 20, 50]
        /// Training sizes.
        public var trainingRows: [Int] = [200, 400, 2_000]
        /// Consecutive scores over the threshold a detection needs (the gates' default debounce).
        public var debounce = 3
        /// Silence after a detection, seconds (the gates' default silent period).
        public var silentPeriod: Double = 1_800
        /// Rows per sensor for the calibration check.
        public var ratios: [Double] = [5, 10, 20, 50, 100, 1_000]
        /// The defaults.
        public init() {}
    }

    /// The detector under test.
    static let configuration = TrainingConfiguration.automatic

    /// Runs the bench; `progress` hears one line per finished part.
    public static func run(
        skab: [SKABExperiment]?, normalRecording: String? = nil, settings: Settings = Settings(), progress: (String) -> Void = { _ in }
    ) throws -> Report {
        let clock = ContinuousClock()
        let started = clock.now
        var report = Report(dev: nil, folds: [], normalRunning: [], simulated: [], calibration: [], seconds: 0)
        if let skab {
            let detector = SKABDetector(name: "default", configuration: configuration)
            report.dev = try SKABBenchmark.run(skab, detector: detector)
            for folder in Set(skab.map(\.folder)).sorted() {
                let files = skab.filter { $0.folder == folder }
                let result = try SKABBenchmark.run(files, detector: detector)
                report.folds.append(
                    Fold(
                        heldOut: folder, files: files.count, f1: result.f1, falseAlarmRate: result.falseAlarmRate,
                        missingAlarmRate: result.missingAlarmRate))
            }
            progress("SKAB: \(skab.count) files, \(report.folds.count) folders")
        }
        if let normalRecording {
            let frame = try TelemetryCSV.read(path: normalRecording)
            let training = frame.count / 4
            let interval = frame.times.map { Distributions.empiricalQuantile(zip($0.dropFirst(), $0).map { $0 - $1 }, 0.5) } ?? 1
            for (name, candidate) in [("default", configuration), ("pca-t2q", TrainingConfiguration(kind: .pcaT2Q))] {
                let model = try AnomalyTrainer.fit(
                    frame.values.rows(0..<training), features: frame.sensors, times: frame.times.map { Array($0.prefix(training)) },
                    configuration: candidate, createdBy: "sluice bench generalise", source: normalRecording
                ).model
                let columns = model.features.map { frame.sensors.firstIndex(of: $0)! }
                let quiet = try quietRunning(model, frame.values.columns(columns), from: training, interval: interval, settings: settings)
                report.normalRunning.append(
                    NormalRun(
                        file: normalRecording, detector: name, trainingRows: training, scoredRows: frame.count - training,
                        alarmRate: quiet.alarmRate, episodes: quiet.episodes, detections: quiet.detections))
            }
            progress("normal running: \(normalRecording)")
        }
        for interval in settings.intervals {
            for sensors in settings.sensors {
                for rows in settings.trainingRows {
                    let result = try simulate(interval: interval, sensors: sensors, trainingRows: rows, settings: settings)
                    report.simulated.append(result)
                    progress(
                        "simulated \(DetectorDesign.duration(interval)) × \(sensors) sensors × \(rows) rows: F1 \(String(format: "%.3f", result.f1)), "
                            + "FAR \(String(format: "%.2f", result.falseAlarmRate)) %, \(result.falseEventsPerWeek) false events a week")
                }
            }
        }
        for ratio in settings.ratios {
            report.calibration.append(try calibrate(sensors: 10, rowsPerSensor: ratio))
        }
        progress("calibration: \(settings.ratios.count) ratios")
        report.seconds = (clock.now - started).inSeconds
        return report
    }

    /// Rows each fault lasts (and each gap before one): half an hour, and at least 20 samples.
    static func faultRows(interval: Double) -> Int { max(20, Int((1_800 / interval).rounded())) }

    /// One configuration of the simulated process: fit on the training rows, score eight faults (two of
    /// each kind), then a week of normal operation through the debounce.
    static func simulate(interval: Double, sensors: Int, trainingRows: Int, settings: Settings) throws -> SimulatedCase {
        let seed = UInt64(sensors * 1_000 + trainingRows) &+ UInt64(interval * 7)
        let span = faultRows(interval: interval)
        let simulator = ProcessSimulator(
            configuration: .init(
                seed: seed, sensors: sensors, interval: interval, trainingRows: trainingRows, testRows: 16 * span, faultRows: span, gapRows: span))
        let frame = simulator.telemetry()
        let training = frame.values.rows(0..<trainingRows)
        let model = try AnomalyTrainer.fit(
            training, features: frame.sensors, times: Array(frame.times!.prefix(trainingRows)), configuration: configuration,
            name: "simulated", createdBy: "sluice bench generalise", source: frame.source
        ).model
        let columns = model.features.map { frame.sensors.firstIndex(of: $0)! }
        let scorer = try AnomalyScorer(model: model)
        let alarms = scorer.alarms(scorer.scores(sequence: frame.values.columns(columns)))
        var outliers = OutlierMetrics()
        let labels = frame.labels["anomaly"]!
        outliers.add(truth: labels[trainingRows...].map { Int($0) }, prediction: Array(alarms[trainingRows...]))
        var delays: [Double] = []
        var byKind: [String: [Double]] = [:]
        for fault in simulator.faults {
            guard let first = fault.rows.first(where: { alarms[$0] }) else { continue }
            let delay = Double(first - fault.rows.lowerBound) * interval
            delays.append(delay)
            byKind[fault.kind.rawValue, default: []].append(delay)
        }
        let (events, weekRate) = try normalWeek(
            seed: seed, interval: interval, sensors: sensors, trainingRows: trainingRows, model: model, settings: settings)
        let window = Double(model.filter.window) * interval
        let modelText =
            model.kind == .pcaT2Q ? "pca-t2q, \(model.parameters.retained ?? 0) of \(model.features.count)" : model.kind.rawValue
        return SimulatedCase(
            interval: interval, sensors: sensors, trainingRows: trainingRows, windowSeconds: window, model: modelText, f1: outliers.f1,
            falseAlarmRate: outliers.falseAlarmRate, missingAlarmRate: outliers.missingAlarmRate,
            medianDelaySeconds: delays.isEmpty ? nil : Distributions.empiricalQuantile(delays, 0.5), detectedFaults: delays.count,
            faults: simulator.faults.count, delayByKind: byKind.mapValues { Distributions.empiricalQuantile($0, 0.5) }, falseEventsPerWeek: events,
            weekAlarmRate: weekRate)
    }

    /// Detections raised by a week of normal operation of the same process after its training rows: a
    /// detection needs `debounce` scores over the threshold in a row (or a full window of them, for a model
    /// that averages over a window) and is followed by the silent period.
    static func normalWeek(
        seed: UInt64, interval: Double, sensors: Int, trainingRows: Int, model: AnomalyModel, settings: Settings
    ) throws -> (events: Int, alarmRate: Double) {
        let week = Int((7 * 86_400 / interval).rounded())
        let normal = ProcessSimulator(
            configuration: .init(seed: seed, sensors: sensors, interval: interval, trainingRows: trainingRows, testRows: week)
        ).telemetry()
        let quiet = try quietRunning(model, normal.values, from: trainingRows, interval: interval, settings: settings)
        return (quiet.detections, quiet.alarmRate)
    }

    /// Scores `values` with `model` and reads the rows from `start` on as normal operation: the share over
    /// the threshold (%), the alarm episodes, and the detections a gate would raise from them (its debounce,
    /// or the model's settle if more; its silent period after each; every detection closed at once, as in
    /// shadow).
    static func quietRunning(_ model: AnomalyModel, _ values: Matrix, from start: Int, interval: Double, settings: Settings) throws
        -> (alarmRate: Double, episodes: Int, detections: Int)
    {
        let scorer = try AnomalyScorer(model: model)
        let scores = Array(scorer.scores(sequence: values)[start...])
        var debouncer = DetectionDebouncer(consecutive: settings.debounce, silentPeriod: settings.silentPeriod, minimumCoverage: 0)
        var detections = 0
        for (i, score) in scores.enumerated()
        where debouncer.observe(
            asset: "asset", score: score, coverage: 1, at: Date(timeIntervalSince1970: Double(i) * interval), settle: model.settle) == .detection
        {
            detections += 1
            debouncer.close(asset: "asset")
        }
        let over = scores.filter { $0 > 1 }.count
        return (100 * Double(over) / Double(max(scores.count, 1)), AlarmEpisodes.find(scores: scores).count, detections)
    }

    /// The realised false-alarm rate on 20,000 fresh samples of a correlated Gaussian process with no
    /// memory, for training sets of `rowsPerSensor` rows per sensor; averaged over enough fits that the
    /// estimate does not hang on one draw.
    static func calibrate(sensors p: Int, rowsPerSensor: Double) throws -> Calibration {
        let rows = Int((Double(p) * rowsPerSensor).rounded())
        let repetitions = rows < 500 ? 20 : rows < 5_000 ? 5 : 2
        let fresh = 20_000
        var over = 0
        var scored = 0
        for r in 0..<repetitions {
            var random = SeededGenerator(seed: UInt64(9_000 + r * 31 + rows))
            // A fixed random mixing gives the sensors a correlation structure.
            var mixing = Matrix(rows: p, columns: p)
            for i in 0..<p { for j in 0..<p { mixing[i, j] = (i == j ? 1 : 0) + 0.4 * random.normal() } }
            func draw(_ n: Int) -> Matrix {
                var out = Matrix(rows: n, columns: p)
                for t in 0..<n {
                    let e = (0..<p).map { _ in random.normal() }
                    for i in 0..<p {
                        var s = 10.0
                        for j in 0..<p { s += mixing[i, j] * e[j] }
                        out[t, i] = s
                    }
                }
                return out
            }
            let training = draw(rows)
            let model = try AnomalyTrainer.fit(
                training, features: (0..<p).map { "s\($0)" }, times: (0..<rows).map(Double.init), configuration: configuration
            ).model
            let scorer = try AnomalyScorer(model: model)
            let test = draw(fresh)
            let scores = scorer.scores(sequence: test)
            for s in scores[scorer.warmUp...] where s > 1 { over += 1 }
            scored += fresh - scorer.warmUp
        }
        return Calibration(
            sensors: p, trainingRows: rows, rowsPerSensor: rowsPerSensor, targetRate: 100 * configuration.alpha,
            realisedRate: 100 * Double(over) / Double(scored), repetitions: repetitions)
    }

    /// The report as one table of text per part.
    public static func table(_ report: Report) -> String {
        var lines: [String] = []
        if let dev = report.dev {
            lines.append("SKAB, the default detector, every labelled file (dev split):")
            lines.append(SKABReport.table([dev]))
            lines.append("")
            lines.append("SKAB, one folder at a time (no label reaches the detector):")
            lines.append("folder     files  F1     FAR %   MAR %")
            for fold in report.folds {
                lines.append(
                    String(
                        format: "%@ %5d  %5.3f  %6.2f  %6.2f", fold.heldOut.padding(toLength: 10, withPad: " ", startingAt: 0) as NSString,
                        fold.files,
                        fold.f1, fold.falseAlarmRate, fold.missingAlarmRate))
            }
            lines.append("")
        }
        if !report.normalRunning.isEmpty {
            lines.append("Hours of normal running (fitted on the first quarter, the rest scored):")
            lines.append("detector  fitted  scored  alarms %  episodes  detections")
            for r in report.normalRunning {
                lines.append(
                    String(
                        format: "%@ %6d  %6d  %8.2f  %8d  %10d", r.detector.padding(toLength: 9, withPad: " ", startingAt: 0) as NSString,
                        r.trainingRows, r.scoredRows, r.alarmRate, r.episodes, r.detections))
            }
            lines.append("")
        }
        if !report.simulated.isEmpty {
            lines.append("Simulated process (faults: step 3σ, drift 1σ/min, variance ×4, frozen; 30 min each):")
            lines.append(
                "interval  sensors  rows   window   model                F1     FAR %   MAR %  delay s  detected  week: alarms %  events")
            for c in report.simulated {
                lines.append(
                    String(
                        format: "%8@  %7d  %5d  %7@  %@ %5.3f  %6.2f  %6.2f  %7@  %4d/%-4d  %8.2f  %6d",
                        DetectorDesign.duration(c.interval) as NSString, c.sensors, c.trainingRows,
                        DetectorDesign.duration(c.windowSeconds) as NSString, c.model.padding(toLength: 20, withPad: " ", startingAt: 0) as NSString,
                        c.f1, c.falseAlarmRate, c.missingAlarmRate, (c.medianDelaySeconds.map { String(format: "%.0f", $0) } ?? "—") as NSString,
                        c.detectedFaults, c.faults, c.weekAlarmRate, c.falseEventsPerWeek))
            }
            lines.append("")
        }
        if !report.calibration.isEmpty {
            lines.append("False alarms on fresh normal data (10 correlated sensors, no memory):")
            lines.append("rows/sensor  rows    target %  realised %  fits")
            for c in report.calibration {
                lines.append(
                    String(format: "%11.0f  %5d  %8.2f  %10.2f  %4d", c.rowsPerSensor, c.trainingRows, c.targetRate, c.realisedRate, c.repetitions))
            }
        }
        lines.append(String(format: "%.1f s", report.seconds))
        return lines.joined(separator: "\n")
    }
}
