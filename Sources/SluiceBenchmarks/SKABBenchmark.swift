import Foundation
public import SluiceAnomaly
import SluiceLinearAlgebra
import SluiceTelemetry

/// A detector configuration benchmarked on SKAB: one fixed configuration for every file.
public struct SKABDetector: Sendable {
    /// The name printed in reports (`default`).
    public let name: String
    /// How the model is fitted on each file's training part.
    public let configuration: TrainingConfiguration

    /// A detector called `name` fitting models with `configuration`.
    public init(name: String, configuration: TrainingConfiguration) {
        self.name = name
        self.configuration = configuration
    }

    /// The detectors Sluice reports on: the default detector (every choice from each file's training rows),
    /// the same without its change marks (the alarm alone), and the three textbook models.
    public static let all: [SKABDetector] = [
        SKABDetector(name: "default", configuration: .automatic),
        SKABDetector(
            name: "default-alarm-only",
            configuration: {
                var alarm = TrainingConfiguration.automatic
                alarm.detectsChanges = false
                return alarm
            }()),
        SKABDetector(name: "hotelling-t2", configuration: TrainingConfiguration(kind: .hotellingT2)),
        SKABDetector(name: "pca-t2q", configuration: TrainingConfiguration(kind: .pcaT2Q, explainedVariance: 0.9)),
        SKABDetector(name: "mset", configuration: TrainingConfiguration(kind: .mset)),
    ]

    /// The detector called `name`, if there is one.
    public static func named(_ name: String) -> SKABDetector? { all.first { $0.name == name } }
}

/// The figures of one detector over a SKAB-style data set.
public struct SKABResult: Sendable, Codable {
    /// The detector's name.
    public let detector: String
    /// How many labelled files were scored.
    public let files: Int
    /// Test rows scored in all.
    public let testRows: Int
    /// Pooled outlier-detection figures.
    public let outliers: OutlierMetrics
    /// F1 of the pooled confusion matrix.
    public let f1: Double
    /// False alarm rate, %.
    public let falseAlarmRate: Double
    /// Missing alarm rate, %.
    public let missingAlarmRate: Double
    /// NAB changepoint scores by profile (`standard`, `lowFP`, `lowFN`).
    public let nab: [String: Double]
    /// Seconds spent fitting and scoring.
    public let seconds: Double
}

/// The SKAB protocol: for each labelled file, fit on the first 400 rows, predict every later row, pool
/// the confusion matrix, and score predicted changepoints with NAB.
public enum SKABBenchmark {
    /// Rows each model is fitted on (the protocol's training part).
    public static let trainingRows = 400

    /// The prediction of one file: scores and alarms for its test rows.
    public struct FilePrediction: Sendable {
        /// Score of each test row (1.0 = threshold).
        public let scores: [Double]
        /// Alarm state of each test row.
        public let alarms: [Bool]
        /// Change marks of each test row.
        public let marks: [Bool]
        /// The binary prediction the protocol scores: the alarm, toggled for one row at each change mark.
        public let prediction: [Bool]
    }

    /// Fits `detector` on the training part of `experiment` and predicts its test part.
    ///
    /// Only the sensor values reach the model. The filter and the alarm run over the whole recording in
    /// time order, so each prediction uses its own row and earlier ones only.
    public static func predict(_ experiment: SKABExperiment, with detector: SKABDetector) throws -> FilePrediction {
        let training = experiment.values.rows(0..<trainingRows)
        let result = try AnomalyTrainer.fit(
            training, features: experiment.sensors, times: Array(experiment.times[0..<trainingRows]), configuration: detector.configuration,
            name: "skab-\(detector.name)",
            createdBy: "sluice bench skab", source: experiment.path)
        let model = result.model
        let columns = model.features.map { experiment.sensors.firstIndex(of: $0)! }
        let scorer = try AnomalyScorer(model: model)
        let scores = scorer.scores(sequence: experiment.values.columns(columns))
        let alarms = scorer.alarms(scores)
        // The protocol reads changepoints off the edges of one binary prediction, so a detected change is
        // written as a one-row toggle of the alarm: an edge pair at the change, whatever the alarm state.
        let marks = scorer.changeMarks(sequence: experiment.values.columns(columns))
        let prediction = zip(alarms, marks).map { $0 != $1 }
        return FilePrediction(
            scores: Array(scores[trainingRows...]), alarms: Array(alarms[trainingRows...]), marks: Array(marks[trainingRows...]),
            prediction: Array(prediction[trainingRows...]))
    }

    /// Runs `detector` over every experiment; `write` receives each file's prediction (to save it).
    ///
    /// - Throws: an error from fitting, naming the file, or when a file has no test part.
    public static func run(
        _ experiments: [SKABExperiment], detector: SKABDetector, write: (SKABExperiment, FilePrediction) throws -> Void = { _, _ in }
    ) throws -> SKABResult {
        let clock = ContinuousClock()
        let started = clock.now
        var outliers = OutlierMetrics()
        var nab = NABScore(window: 60)
        var testRows = 0
        for experiment in experiments {
            guard experiment.values.rows > trainingRows else {
                throw AnomalyModelError.tooFewRows(got: experiment.values.rows, needed: trainingRows + 1, source: experiment.path)
            }
            let prediction = try predict(experiment, with: detector)
            try write(experiment, prediction)
            let test = trainingRows..<experiment.values.rows
            outliers.add(truth: Array(experiment.anomaly[test]), prediction: prediction.prediction)
            nab.add(
                times: Array(experiment.times[test]), truth: Array(experiment.changepoint[test]),
                predicted: NABScore.changepoints(of: prediction.prediction))
            testRows += test.count
        }
        let elapsed = clock.now - started
        let seconds = elapsed.inSeconds
        return SKABResult(
            detector: detector.name, files: experiments.count, testRows: testRows, outliers: outliers, f1: outliers.f1,
            falseAlarmRate: outliers.falseAlarmRate, missingAlarmRate: outliers.missingAlarmRate, nab: nab.normalized, seconds: seconds)
    }

    /// Writes a prediction as `DIR/<folder>/<n>.csv`: one row per test row, with `datetime`, `score`,
    /// `alarm`, `change` and `anomaly` (0 or 1, the prediction the protocol scores).
    public static func writePrediction(_ prediction: FilePrediction, for experiment: SKABExperiment, under directory: String) throws {
        let folder = (directory as NSString).appendingPathComponent(experiment.folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var text = "datetime,score,alarm,change,anomaly\n"
        for (k, score) in prediction.scores.enumerated() {
            let time = experiment.times[trainingRows + k]
            text +=
                "\(Timestamp.format(time)),\(String(format: "%.6g", score)),\(prediction.alarms[k] ? 1 : 0),\(prediction.marks[k] ? 1 : 0),\(prediction.prediction[k] ? 1 : 0)\n"
        }
        let path = (folder as NSString).appendingPathComponent("\(experiment.number).csv")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
