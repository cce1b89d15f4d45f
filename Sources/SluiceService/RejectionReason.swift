/// Why an operator rejected an action.
public enum RejectionReason: String, Sendable, Codable, CaseIterable {
    /// There was nothing wrong: the model was mistaken.
    case falseAlarm = "false-alarm"
    /// Real, but already dealt with.
    case alreadyHandled = "already-handled"
    /// The need is real but the proposed quantity is wrong.
    case wrongQuantity = "wrong-quantity"
    /// Something else, said in the text.
    case other

    /// Whether the gate's judge counts it as a false positive. Every rejection counts except "already
    /// handled": that detection was true, only redundant.
    public var isFalsePositive: Bool { self != .alreadyHandled }
}
