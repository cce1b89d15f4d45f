public import Foundation

/// One gate: how far the model behind one action type in one cell may act, and the rules that move it.
///
/// Definitions live in `Gates/*.yaml`; ``GateDefinition/load(path:)`` reads and validates them.
public struct GateDefinition: Sendable, Codable, Equatable {
    /// One canary stage.
    public struct Stage: Sendable, Codable, Equatable {
        /// A name for reports (`shadow`, `5 %`).
        public var name: String
        /// Share of the cell's assets whose detections become actions, 0 for shadow.
        public var percent: Double
        /// Decisions needed before the stage can pass.
        public var minimumSample: Int
        /// Time the gate must spend in the stage before it can be promoted.
        public var minimumDwell: TimeInterval

        /// A stage.
        public init(name: String, percent: Double, minimumSample: Int, minimumDwell: TimeInterval) {
            self.name = name
            self.percent = percent
            self.minimumSample = minimumSample
            self.minimumDwell = minimumDwell
        }

        /// Whether this is the shadow stage (scored and logged, shown to nobody).
        public var isShadow: Bool { percent == 0 }
    }

    /// The gate's id, unique in the plant (`press-line-anomaly`).
    public var id: String
    /// The cell it governs.
    public var cell: String
    /// The action type it gates (`maintenance-order`, `purchase-requisition`).
    public var actionType: String
    /// The model kind it applies.
    public var modelKind: String
    /// The model version it applies.
    public var modelVersion: Int
    /// The feature flag: off keeps the model in shadow whatever the stage.
    public var enabled: Bool
    /// The stages, in order.
    public var stages: [Stage]
    /// The false-positive test.
    public var judge: FalsePositiveJudge.Settings
    /// Whether promotion needs a sponsor's sign-off.
    public var requiresSponsorSignOff: Bool
    /// Consecutive detections before an action is raised.
    public var debounce: Int
    /// Time after an action during which the same asset raises no other of this type.
    public var silentPeriod: TimeInterval
    /// Share of the model's variables that must be present and fresh for it to act on an asset.
    public var minimumCoverage: Double
    /// Time after which an undecided action expires.
    public var actionExpiry: TimeInterval

    /// The default stages: shadow for a day, then 5 %, 25 % and 100 %, each with 30 decisions and two days.
    public static let defaultStages = [
        Stage(name: "shadow", percent: 0, minimumSample: 0, minimumDwell: 86_400),
        Stage(name: "5 %", percent: 5, minimumSample: 30, minimumDwell: 2 * 86_400),
        Stage(name: "25 %", percent: 25, minimumSample: 30, minimumDwell: 2 * 86_400),
        Stage(name: "100 %", percent: 100, minimumSample: 30, minimumDwell: 2 * 86_400),
    ]

    /// A definition with the defaults for everything but identity and model.
    public init(
        id: String, cell: String, actionType: String, modelKind: String, modelVersion: Int, enabled: Bool = true, stages: [Stage] = defaultStages,
        judge: FalsePositiveJudge.Settings = .init(), requiresSponsorSignOff: Bool = true, debounce: Int = 3, silentPeriod: TimeInterval = 1_800,
        minimumCoverage: Double = 0.7, actionExpiry: TimeInterval = 8 * 3_600
    ) {
        self.id = id
        self.cell = cell
        self.actionType = actionType
        self.modelKind = modelKind
        self.modelVersion = modelVersion
        self.enabled = enabled
        self.stages = stages
        self.judge = judge
        self.requiresSponsorSignOff = requiresSponsorSignOff
        self.debounce = debounce
        self.silentPeriod = silentPeriod
        self.minimumCoverage = minimumCoverage
        self.actionExpiry = actionExpiry
    }
}
