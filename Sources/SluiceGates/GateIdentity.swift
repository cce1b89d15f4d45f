/// Who acts on a gate, and in which role; every transition names one.
public struct Identity: Sendable, Codable, Equatable, Hashable {
    /// The roles of Sluice's users.
    public enum Role: String, Sendable, Codable, CaseIterable {
        /// Approves or rejects actions in their cells.
        case `operator`
        /// Trains and publishes models.
        case data
        /// Reads gate reports and signs off promotions.
        case sponsor
        /// Configures gates and tokens.
        case admin
        /// Pushes telemetry only.
        case edge
        /// Sluice itself (automatic fallback, verdicts).
        case system
    }

    /// A name for the record (`a.kovacs`).
    public let name: String
    /// The role.
    public let role: Role

    /// An identity.
    public init(name: String, role: Role) {
        self.name = name
        self.role = role
    }

    /// Sluice itself, for automatic transitions.
    public static let system = Identity(name: "sluice", role: .system)
}

/// A transition the gate refused, and why; the service maps these to 403 (role) and 409 (state).
public struct GateRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why the gate refused.
    public enum Reason: String, Sendable, Equatable {
        /// The identity's role may not do this.
        case forbidden
        /// The gate's state does not allow it now.
        case conflict
        /// The request itself is incomplete (a missing reason).
        case invalid
    }

    /// The kind of refusal.
    public let reason: Reason
    /// What was refused and what would make it possible, in words for the person who asked.
    public let message: String

    /// A refusal.
    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
