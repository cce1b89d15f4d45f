/// Why an anomaly model could not be fitted, loaded or applied.
public struct AnomalyModelError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable {
        case tooFewRows, noUsableFeatures, wrongFamily, wrongKind, unsupportedFormat, malformedArtifact, featureMismatch, invalidConfiguration
    }

    private let code: Code
    /// What is wrong, in words the user can act on.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Fewer training rows than the model needs.
    public static func tooFewRows(got: Int, needed: Int, source: String) -> Self {
        .init(.tooFewRows, "\(source): \(got) training rows, at least \(needed) needed to fit this model")
    }
    /// Every feature was dropped (all constant, say).
    public static func noUsableFeatures(_ detail: String) -> Self { .init(.noUsableFeatures, "no usable features: \(detail)") }
    /// An artifact of another family (a replenishment model where an anomaly model was expected).
    public static func wrongFamily(found: String, path: String) -> Self {
        .init(.wrongFamily, "\(path): this is a '\(found)' model, not an anomaly model")
    }
    /// An anomaly model of a kind this build does not know.
    public static func wrongKind(found: String, path: String) -> Self {
        .init(
            .wrongKind, "\(path): unknown anomaly model kind '\(found)' (known: \(AnomalyModelKind.allCases.map(\.rawValue).joined(separator: ", ")))"
        )
    }
    /// An artifact written in a format version this build cannot read.
    public static func unsupportedFormat(found: Int, path: String) -> Self {
        .init(
            .unsupportedFormat,
            "\(path): model format version \(found) is not supported; this Sluice reads formats \(AnomalyModel.readableFormats.lowerBound) to \(AnomalyModel.readableFormats.upperBound)"
        )
    }
    /// A file that is not a model artifact.
    public static func malformedArtifact(path: String, detail: String) -> Self {
        .init(.malformedArtifact, "\(path): not a valid model artifact (\(detail))")
    }
    /// Data whose columns do not match the model's features.
    public static func featureMismatch(_ detail: String) -> Self { .init(.featureMismatch, detail) }
    /// A configuration value out of range.
    public static func invalidConfiguration(_ detail: String) -> Self { .init(.invalidConfiguration, "invalid configuration: \(detail)") }

    /// The message.
    public var description: String { message }
}
