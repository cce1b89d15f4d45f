public import Foundation
import SluiceStore

/// The sponsor's gate report: for each gate where it stands and how it got there, the false-positive rate
/// and its test, detection and response times against the SLOs, alarm load against ISA-18.2,
/// replenishment against the manual baseline, the return on it, and the audit log's checkpoint.
/// Built by ``SponsorReport/build(store:catalog:from:to:now:cells:)``; rendered as HTML by `SluiceWeb`.
public struct SponsorReport: Sendable, Codable, Equatable {
    /// A median and 95th percentile of durations, in seconds, against an objective.
    public struct Durations: Sendable, Codable, Equatable {
        /// How many were measured.
        public var count: Int
        /// The median.
        public var median: Double?
        /// The 95th percentile.
        public var p95: Double?
        /// The objective.
        public var objective: Double?
        /// The share within the objective.
        public var withinObjective: Double?
    }

    /// One entry of a gate's timeline, from the audit log.
    public struct TimelineEntry: Sendable, Codable, Equatable {
        /// When.
        public var time: Date
        /// `gate.promoted`, `gate.fell-back`, …
        public var event: String
        /// Who.
        public var actor: String
        /// Why.
        public var reason: String
        /// The stage after (index), where the event moves it.
        public var toStage: Int?
        /// The status after.
        public var status: String?
    }

    /// The decisions taken on a gate's detections raised in one stage.
    public struct StageDecisions: Sendable, Codable, Equatable {
        /// The stage's name.
        public var stage: String
        /// Detections raised, by mode.
        public var raised: [String: Int]
        /// Decisions, by kind (`approved`, `rejected`, `useful`, `not-useful`, `expired`).
        public var decisions: [String: Int]
        /// Decisions that count for the judge.
        public var judged: Int
        /// False positives among them.
        public var falsePositives: Int
        /// Their rate.
        public var rate: Double
        /// The Wilson 95 % interval of the rate.
        public var interval: [Double]
    }

    /// One step of the sequential test, recomputed from the decisions in order.
    public struct TracePoint: Sendable, Codable, Equatable {
        /// When the decision was taken.
        public var time: Date
        /// The stage the detection was raised in.
        public var stage: String
        /// Decisions counted since the test last started.
        public var decisions: Int
        /// The log-likelihood ratio after it.
        public var logLikelihoodRatio: Double
        /// The verdict it reached, if it reached one (the test then starts again).
        public var verdict: String?
    }

    /// One gate's section.
    public struct Gate: Sendable, Codable, Equatable {
        /// Where it stands.
        public var view: GateView
        /// Its history.
        public var timeline: [TimelineEntry]
        /// Decisions by stage.
        public var stages: [StageDecisions]
        /// The sequential test's trace.
        public var trace: [TracePoint]
        /// The test's pass boundary (log-likelihood ratio at or below it passes).
        public var passBoundary: Double
        /// The test's fall-back boundary (at or above it falls back).
        public var fallBackBoundary: Double
        /// First anomalous sample (or need) → action queued.
        public var detection: Durations
        /// Action queued → decided.
        public var response: Durations
        /// Whether it waits for a sponsor's sign-off before its next promotion.
        public var awaitsSignOff: Bool
        /// The latest rehearsal of a candidate model, if any.
        public var rehearsal: RehearsalReport?
        /// Who ran it and when.
        public var rehearsalBy: String?
    }

    /// The alarm load on one operator, or on a whole cell, against ISA-18.2.
    public struct AlarmLoad: Sendable, Codable, Equatable {
        /// The operator's name, or the cell's id.
        public var name: String
        /// Alarms (actions and recommendations) raised to them, or decisions they took for an operator.
        public var alarms: Int
        /// Average per hour over the report's span.
        public var perHour: Double
        /// The most in any 10 minutes.
        public var peakPer10Minutes: Int
        /// The share of 10-minute periods with more than 10: alarm floods.
        public var floodShare: Double
    }

    /// A material's replenishment figures against the manual baseline.
    public struct Material: Sendable, Codable, Equatable {
        /// The item.
        public var item: String
        /// Its unit.
        public var unit: String
        /// Demand in the span.
        public var demand: Double
        /// The share of demand served from stock.
        public var fillRate: Double?
        /// The manual process's fill rate.
        public var baselineFillRate: Double?
        /// Average stock on hand over the span, by time.
        public var averageOnHand: Double?
        /// The manual process's average stock on hand.
        public var baselineOnHand: Double?
        /// On hand at the end of the span.
        public var onHand: Double
        /// Need detected → order acknowledged by the ERP/MES.
        public var leadTime: Durations
    }

    /// The return on the gates, from the counts and the cell's stated rates.
    public struct Return: Sendable, Codable, Equatable {
        /// The currency.
        public var currency: String
        /// Actions the ERP/MES acknowledged: orders nobody keyed by hand.
        public var interventionsAvoided: Int
        /// Hours of manual work they saved.
        public var hoursSaved: Double
        /// Their value at the hourly rate.
        public var hoursValue: Double
        /// Faults operators confirmed Sluice caught: anomaly actions approved and recommendations judged useful.
        public var faultsConfirmed: Int
        /// Downtime hours those faults would have cost unattended.
        public var downtimeHoursAvoided: Double
        /// Its value.
        public var downtimeValue: Double
        /// The stated assumptions, in words.
        public var assumptions: [String]
    }

    /// The audit log as the report saw it.
    public struct Audit: Sendable, Codable, Equatable {
        /// Records.
        public var size: Int64
        /// The head hash.
        public var head: String
        /// Whether every link verified.
        public var verified: Bool
        /// The first problem, if any.
        public var problem: String?
    }

    /// When it was made.
    public var generatedAt: Date
    /// The span it covers.
    public var from: Date
    /// The span's end.
    public var to: Date
    /// The cells covered.
    public var cells: [String]
    /// One section per gate.
    public var gates: [Gate]
    /// Alarm load per cell.
    public var cellLoad: [AlarmLoad]
    /// Alarm load per operator (decisions they took).
    public var operatorLoad: [AlarmLoad]
    /// Materials.
    public var materials: [Material]
    /// The return.
    public var returns: Return
    /// The audit log.
    public var audit: Audit
    /// The settings the figures were compared against (of the first cell covered).
    public var settings: ReportSettings
}

extension DecisionEngine {
    /// The sponsor's report over `from..<to`, within the principal's reach.
    public func report(from: Date, to: Date, for principal: Principal) throws -> SponsorReport {
        try principal.require(.readReports)
        let cells = catalog.cells.keys.filter(principal.reaches).sorted()
        return try SponsorReport.build(store: store, catalog: catalog, from: from, to: to, now: now, cells: cells)
    }
}
