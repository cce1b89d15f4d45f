public import Foundation

/// What the sponsor's report compares a cell against, from the cell file's `report:` section: the SLOs, the
/// manual process Sluice replaces, and the rates that turn counts into money. Every figure is an assumption
/// the plant states; the report prints them beside the results they produce.
public struct ReportSettings: Sendable, Codable, Equatable {
    /// Detection time objective: first anomalous sample → action queued.
    public var detectionObjective: TimeInterval = 300
    /// Human response objective: action queued → decided.
    public var responseObjective: TimeInterval = 900
    /// The cost of an hour of the people who raise orders by hand.
    public var hourlyRate: Double = 60
    /// The currency of the rates.
    public var currency = "EUR"
    /// Minutes of manual work one dispatched action replaces (noticing, writing and keying the order).
    public var minutesPerAction: Double = 20
    /// Hours of unplanned downtime one confirmed fault would have cost unattended.
    public var downtimeHoursPerFault: Double = 1
    /// The cost of an hour of downtime.
    public var downtimeCostPerHour: Double = 1_000
    /// The fill rate of the manual process, for comparison.
    public var baselineFillRate: Double?
    /// The manual process's administrative lead time (need noticed → order placed).
    public var baselineLeadTime: TimeInterval?
    /// The manual process's average stock on hand, by item.
    public var baselineInventory: [String: Double] = [:]

    /// The defaults.
    public init() {}
}
