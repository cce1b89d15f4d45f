public import Foundation
public import SluiceLinearAlgebra

/// The kinds of anomaly model Sluice fits.
public enum AnomalyModelKind: String, Sendable, Codable, CaseIterable {
    /// Hotelling's T² on every direction of the training covariance.
    case hotellingT2 = "hotelling-t2"
    /// PCA: T² on the retained components plus Q (squared prediction error) on the rest.
    case pcaT2Q = "pca-t2q"
    /// Multivariate state estimation: distance from the estimate built from a memory of normal states.
    case mset
}

/// How control limits are set.
public enum LimitMethod: String, Sendable, Codable, CaseIterable {
    /// Textbook distributions: the Phase II F limit for T², Jackson–Mudholkar for Q.
    case distribution
    /// A quantile of the training scores (in sample).
    case empirical
    /// Out of sample: theory's shape with the scale of held-out training rows (the default detector).
    case heldOut = "held-out"
}

/// How a control limit was set.
public struct ControlLimits: Sendable, Codable, Equatable {
    /// How the limits were set.
    public var method: LimitMethod
    /// The false-alarm probability the limits were set for (`1 − quantile` for empirical limits).
    public var alpha: Double
    /// A factor applied on top of the statistical limit (1 = the textbook limit).
    public var margin: Double
    /// The limit of the main statistic (T² or the MSET residual).
    public var primary: Double
    /// The limit of Q, for PCA models.
    public var q: Double?
    /// The limit of the largest squared residual of one sensor over its normal variance (the default
    /// detector's PCA models; nil otherwise).
    public var residual: Double?
    /// The score below which a raised alarm clears (hysteresis); 1 clears as soon as the score drops below
    /// the threshold.
    public var clearBelow: Double
}

/// The fitted parameters of a model.
public struct ModelParameters: Sendable, Codable, Equatable {
    /// The mean of the filtered training features, subtracted before the statistics.
    public var center: [Double]
    /// Eigenvalues of the training covariance, largest first (PCA and T²).
    public var eigenvalues: [Double]?
    /// Eigenvectors of the training covariance as columns, in the order of ``eigenvalues``.
    public var eigenvectors: Matrix?
    /// How many leading components T² uses.
    public var retained: Int?
    /// The memory of normal (centred, filtered) states, one per row (MSET).
    public var memory: Matrix?
    /// The bandwidth of the Gaussian similarity between states (MSET).
    public var bandwidth: Double?
    /// The ridge added to the similarity matrix of the memory before it is solved (MSET).
    public var ridge: Double?
    /// Per feature, the variance of its mean over the filter's window relative to one sample's, from the
    /// training autocorrelation (the default detector scales each window mean by it, so the statistics of
    /// window means use the covariance of single samples); nil for other models.
    public var windowVariance: [Double]?
    /// Per feature, the normal variance of its residual (what the retained components leave of it), for the
    /// default detector's PCA models; nil otherwise.
    public var residualVariance: [Double]?
    /// Per feature, the run of exact repeats of its raw value that marks the sensor frozen (0: not
    /// checked); nil when the model has no frozen-sensor rule.
    public var frozenRuns: [Int]?
}

/// A fitted anomaly model: the artifact stored as JSON under `Models/`.
///
/// Every number needed to score is in the artifact, so a model scores the same wherever it is loaded.
/// The score is the statistic divided by its control limit: 1.0 is the threshold.
public struct AnomalyModel: Sendable, Codable, Equatable {
    /// The artifact format this build writes. Format 1 (before the default detector recorded its design)
    /// is read as well.
    public static let formatVersion = 2
    /// The artifact formats this build reads.
    public static let readableFormats = 1...2

    /// The artifact format version.
    public var format: Int
    /// Always `anomaly` for these artifacts.
    public var family: String
    /// The kind of model.
    public var kind: AnomalyModelKind
    /// A name for people (`press-line-pca`).
    public var name: String
    /// The model version, incremented by retraining.
    public var version: Int
    /// The sensor names, in the order the model reads them.
    public var features: [String]
    /// Sensors present in the training data but left out (constant, say), with the reason.
    public var droppedFeatures: [String: String]
    /// Standardisation learnt from the training data.
    public var scaling: Standardizer
    /// The causal filter applied before scoring.
    public var filter: TemporalFilter
    /// The fitted parameters.
    public var parameters: ModelParameters
    /// The control limits.
    public var limits: ControlLimits
    /// Marks where the state changes, when the model was fitted with change detection.
    public var changeDetector: ChangeDetector?
    /// The explained-variance cut used to choose the retained components (PCA).
    public var explainedVariance: Double?
    /// Seconds between training samples (the median spacing of their timestamps), when known: the
    /// filter's windows in samples are this many seconds each.
    public var samplingInterval: Double?
    /// What the default detector chose from its training rows, with the reasons (nil for a model fitted
    /// with explicit settings).
    public var design: [DesignChoice]?
    /// SHA-256 over the training data and its feature names.
    public var trainingDigest: String
    /// The number of training rows.
    public var trainingRows: Int
    /// Figures measured at fit time (`training.alarmRate`, …).
    public var metrics: [String: Double]
    /// Who or what created the model.
    public var createdBy: String
    /// When the model was created (ISO 8601, UTC).
    public var createdAt: String

    /// Scores over the threshold in a row that a detection needs at least, whatever the gate's debounce: two
    /// windows for a model that averages its states over a window (one burst of noise can hold a window
    /// mean up for one window, not for two), 1 otherwise.
    public var settle: Int { filter.window > 1 ? 2 * filter.window : 1 }

    /// The artifact as pretty-printed JSON with sorted keys; numbers round-trip exactly.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Writes the artifact to `path`, replacing the file atomically so a crash never leaves half a model.
    public func save(to path: String) throws {
        try jsonData().write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Reads an artifact, refusing files of another family, kind or format version with a message that
    /// says which.
    public static func load(from path: String) throws -> AnomalyModel {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw AnomalyModelError.malformedArtifact(path: path, detail: "cannot read the file")
        }
        return try decode(data, path: path)
    }

    /// Decodes an artifact from JSON; `path` names it in errors.
    public static func decode(_ data: Data, path: String) throws -> AnomalyModel {
        struct Header: Decodable {
            var format: Int?
            var family: String?
            var kind: String?
        }
        let decoder = JSONDecoder()
        let header: Header
        do {
            header = try decoder.decode(Header.self, from: data)
        } catch {
            throw AnomalyModelError.malformedArtifact(path: path, detail: "not a JSON object")
        }
        guard let format = header.format, let family = header.family, let kind = header.kind else {
            throw AnomalyModelError.malformedArtifact(path: path, detail: "missing 'format', 'family' or 'kind'")
        }
        guard family == "anomaly" else { throw AnomalyModelError.wrongFamily(found: family, path: path) }
        guard readableFormats.contains(format) else { throw AnomalyModelError.unsupportedFormat(found: format, path: path) }
        guard AnomalyModelKind(rawValue: kind) != nil else { throw AnomalyModelError.wrongKind(found: kind, path: path) }
        let model: AnomalyModel
        do {
            model = try decoder.decode(AnomalyModel.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw AnomalyModelError.malformedArtifact(
                path: path, detail: "missing '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'")
        } catch {
            throw AnomalyModelError.malformedArtifact(path: path, detail: "a field has the wrong type")
        }
        try model.validate(path: path)
        return model
    }
}
