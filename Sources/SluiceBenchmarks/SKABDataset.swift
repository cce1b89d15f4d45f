import Foundation
public import SluiceLinearAlgebra
import SluiceTelemetry

/// One labelled experiment of a SKAB-style data set.
///
/// The sensor values and the labels are kept apart so the detector is handed the sensors alone: test
/// labels are never read by it.
public struct SKABExperiment: Sendable {
    /// The folder the file is in (`valve1`).
    public let folder: String
    /// The number in the file name (`4` for `4.csv`).
    public let number: Int
    /// The path of the file.
    public let path: String
    /// The sensor names.
    public let sensors: [String]
    /// The sensor values, one row per second.
    public let values: Matrix
    /// Seconds since 1970 of each row.
    public let times: [Double]
    /// The `anomaly` label of each row (0 or 1).
    public let anomaly: [Int]
    /// The `changepoint` label of each row (0 or 1).
    public let changepoint: [Int]

    /// `folder/number.csv`, for messages and file names.
    public var name: String { "\(folder)/\(number).csv" }
}

/// Finds and reads the labelled experiments of a folder laid out like SKAB: sub-folders holding
/// files named `<n>.csv` with a time column, sensor columns and the `anomaly` and `changepoint` labels.
public enum SKABDataset {
    /// What was found: the experiments, and the files passed over with the reason.
    public struct Listing: Sendable {
        /// The labelled experiments, by folder name and then by number.
        public var experiments: [SKABExperiment]
        /// Files that were not used, with why.
        public var skipped: [(path: String, reason: String)]
    }

    /// Reads every labelled experiment under `root`.
    ///
    /// Files whose name is not a number, and CSV files without both label columns (such as the
    /// anomaly-free recording), are passed over and listed in ``Listing/skipped``.
    ///
    /// - Throws: ``TelemetryError`` when `root` is not a folder, holds no labelled experiment, or a
    ///   labelled file is malformed.
    public static func load(root: String) throws -> Listing {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw TelemetryError(file: root, message: "not a folder: pass the SKAB data folder (the one holding valve1/, valve2/, other/)")
        }
        var experiments: [SKABExperiment] = []
        var skipped: [(String, String)] = []
        let folders = (try? fm.contentsOfDirectory(atPath: root))?.sorted() ?? []
        for folder in folders {
            let folderPath = (root as NSString).appendingPathComponent(folder)
            guard fm.fileExists(atPath: folderPath, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            let files = (try? fm.contentsOfDirectory(atPath: folderPath)) ?? []
            var numbered: [(Int, String)] = []
            for file in files {
                let path = (folderPath as NSString).appendingPathComponent(file)
                guard file.hasSuffix(".csv"), let number = Int(file.dropLast(4)), number >= 0 else {
                    skipped.append((path, "not named <number>.csv"))
                    continue
                }
                numbered.append((number, path))
            }
            for (number, path) in numbered.sorted(by: { $0.0 < $1.0 }) {
                let frame = try TelemetryCSV.read(path: path, options: .init(labels: ["anomaly", "changepoint"]))
                guard let anomaly = frame.labels["anomaly"], let changepoint = frame.labels["changepoint"] else {
                    skipped.append((path, "no 'anomaly' and 'changepoint' columns"))
                    continue
                }
                guard let times = frame.times else {
                    throw TelemetryError(file: path, line: 1, message: "no time column: SKAB files start with 'datetime'")
                }
                for (k, label) in Array(anomaly.enumerated()) + Array(changepoint.enumerated()) where label != 0 && label != 1 {
                    throw TelemetryError(file: path, line: frame.lines[k], message: "labels must be 0 or 1, found \(label)")
                }
                experiments.append(
                    SKABExperiment(
                        folder: folder, number: number, path: path, sensors: frame.sensors, values: frame.values, times: times,
                        anomaly: anomaly.map { Int($0) }, changepoint: changepoint.map { Int($0) }))
            }
        }
        guard !experiments.isEmpty else {
            throw TelemetryError(
                file: root,
                message: "no labelled experiment found: expected sub-folders with <n>.csv files that have 'anomaly' and 'changepoint' columns")
        }
        return Listing(experiments: experiments, skipped: skipped)
    }
}
