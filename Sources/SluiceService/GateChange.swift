/// A person's change to a gate.
public enum GateChange: Sendable, Equatable {
    /// Move to the next stage (or back to the stage left after a fallback or abort).
    case promote
    /// A sponsor signs off the next promotion.
    case signOff
    /// Stop acting for now.
    case pause
    /// Start again after a pause.
    case resume
    /// Back to recommendations for every asset.
    case abort
    /// Turn the feature flag on or off.
    case flag(Bool)

    /// The permission it needs.
    var permission: Permission {
        self == .signOff ? .signOff : .changeGates
    }
}
