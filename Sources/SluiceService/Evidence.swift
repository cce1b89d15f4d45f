public import Foundation
public import SluiceReplenishment

/// Why an action was raised: what an operator reads before deciding, and what the data team retrains on.
public struct Evidence: Sendable, Codable, Equatable {
    /// The model behind it.
    public struct Model: Sendable, Codable, Equatable {
        /// Its name.
        public var name: String
        /// Its kind (`pca-t2q`, `replenishment`, …).
        public var kind: String
        /// Its version.
        public var version: Int
        /// The digest of its training data, where it has one.
        public var trainingDigest: String?
        /// What the default detector chose from the training rows, one line each (`window: 7 s (7 samples) —
        /// the shortest mean in which …`); absent for other models.
        public var design: [String]?
    }

    /// The gate that decided its mode.
    public struct Gate: Sendable, Codable, Equatable {
        /// Its id.
        public var id: String
        /// The stage's name.
        public var stage: String
        /// The stage's share of assets in the canary.
        public var percent: Double
        /// The gate's status.
        public var status: String
        /// The mode it gave this detection.
        public var mode: String
    }

    /// An anomaly's scores.
    public struct Anomaly: Sendable, Codable, Equatable {
        /// The score (statistic / limit).
        public var score: Double
        /// The threshold the score is compared with.
        public var threshold: Double
        /// T² (or the MSET residual) over its limit.
        public var primary: Double
        /// Q over its limit, for PCA models.
        public var q: Double?
        /// Each sensor's share of the score.
        public var contributions: [String: Double]
        /// The sensors that drove it, largest share first.
        public var drivers: [String]
        /// Scores over the threshold in a row that raised it.
        public var consecutive: Int
        /// The latest values and coverage when it was raised.
        public var snapshot: TwinSnapshot
        /// Recent values of the model's sensors, oldest first.
        public var recent: [String: [Double]]
        /// The times of the recent values.
        public var recentTimes: [Date]
    }

    /// A replenishment proposal's figures.
    public struct Replenishment: Sendable, Codable, Equatable {
        /// The planner's proposal.
        public var proposal: ReplenishmentProposal
        /// The material's state when it was raised.
        public var state: MaterialState
        /// The need-by date.
        public var needBy: Date
    }

    /// `anomaly` or `replenishment`.
    public var kind: String
    /// The model.
    public var model: Model
    /// The gate.
    public var gate: Gate
    /// When the triggering telemetry was measured.
    public var triggeredAt: Date
    /// The anomaly figures, for anomaly actions.
    public var anomaly: Anomaly?
    /// The replenishment figures, for replenishment actions.
    public var replenishment: Replenishment?

    /// When the need was first seen: for an anomaly, the first of the over-threshold scores in a row that
    /// raised it (the detection time runs from there to the action's queueing); otherwise the trigger.
    public var firstSeen: Date {
        guard let anomaly, anomaly.consecutive > 0, anomaly.recentTimes.count >= anomaly.consecutive else { return triggeredAt }
        return anomaly.recentTimes[anomaly.recentTimes.count - anomaly.consecutive]
    }

    /// The parts of the evidence a connector maps into its call: decoding only these skips the recent
    /// values, which approving an action does not need.
    struct Summary: Decodable {
        struct Model: Decodable {
            var kind: String
        }

        struct Anomaly: Decodable {
            var drivers: [String]
        }

        struct Replenishment: Decodable {
            var proposal: ReplenishmentProposal
            var needBy: Date
        }

        var model: Model
        var triggeredAt: Date
        var anomaly: Anomaly?
        var replenishment: Replenishment?
    }

    /// The summary of stored evidence.
    static func summary(_ text: String) throws -> Summary {
        try SluiceJSON.decoder.decode(Summary.self, from: Data(text.utf8))
    }

    /// Decodes stored evidence.
    public static func decode(_ text: String) throws -> Evidence {
        try SluiceJSON.decoder.decode(Evidence.self, from: Data(text.utf8))
    }
}
