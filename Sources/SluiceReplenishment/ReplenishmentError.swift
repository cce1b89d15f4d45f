/// Why a replenishment computation was refused: the field at fault and what it needs.
public struct ReplenishmentError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The field (or parameter) at fault, as the caller named it (`holding_cost_h`, `leadTime`).
    public let field: String
    /// What is wrong with it and what is expected instead.
    public let message: String

    /// An error about `field`.
    public init(field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    /// `field: message`.
    public var description: String { "\(field): \(message)" }

    /// Checks that `value` is a finite number ≥ 0 (or > 0 when `positive`).
    @discardableResult
    public static func require(_ value: Double, _ field: String, positive: Bool = false) throws -> Double {
        guard value.isFinite else { throw ReplenishmentError(field: field, "must be a finite number, got \(value)") }
        if positive {
            guard value > 0 else { throw ReplenishmentError(field: field, "must be greater than zero, got \(value)") }
        } else {
            guard value >= 0 else { throw ReplenishmentError(field: field, "must not be negative, got \(value)") }
        }
        return value
    }
}
