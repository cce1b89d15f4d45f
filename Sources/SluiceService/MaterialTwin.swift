public import Foundation
public import SluiceReplenishment

/// The twin of one material: its inventory state and the demand of the period in progress.
///
/// Demand history is kept in whole periods of `period` seconds (a day by default); the period in
/// progress is added to the history when the next one starts, so the forecast never sees half a day.
public struct MaterialTwin: Sendable, Codable, Equatable {
    /// The state the planner reads.
    public var state: MaterialState
    /// When the period in progress began.
    public var periodStart: Date
    /// Consumption so far in the period in progress.
    public var periodDemand: Double
    /// Length of a demand period, in seconds.
    public var period: TimeInterval
    /// Periods of history kept.
    public static let historyLimit = 730

    /// A twin starting from `state` at `now`.
    public init(state: MaterialState, now: Date, period: TimeInterval = 86_400) {
        self.state = state
        self.period = period
        periodStart = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / period).rounded(.down) * period)
        periodDemand = 0
    }

    /// Applies a movement: consumption draws stock (backordering what is missing) and counts as demand; a
    /// receipt fills backorders first and reduces what is on order; a count sets what is on hand.
    public mutating func apply(kind: MovementKind, quantity: Double, at time: Date) {
        roll(to: time)
        switch kind {
        case .consumption:
            let drawn = min(state.onHand, quantity)
            state.onHand -= drawn
            state.backorders += quantity - drawn
            periodDemand += quantity
        case .receipt:
            let filled = min(state.backorders, quantity)
            state.backorders -= filled
            state.onHand += quantity - filled
            state.onOrder = max(0, state.onOrder - quantity)
        case .count:
            state.onHand = quantity
        }
    }

    /// Closes the periods that ended before `time` into the history.
    public mutating func roll(to time: Date) {
        while time.timeIntervalSince(periodStart) >= period {
            state.demandHistory.append(periodDemand)
            if state.demandHistory.count > Self.historyLimit { state.demandHistory.removeFirst(state.demandHistory.count - Self.historyLimit) }
            periodDemand = 0
            periodStart = periodStart.addingTimeInterval(period)
        }
    }
}

/// What a stock movement does.
public enum MovementKind: String, Sendable, Codable, CaseIterable {
    /// Stock drawn for production.
    case consumption
    /// Stock received from a supplier.
    case receipt
    /// A stock count that sets the on-hand quantity.
    case count
}
