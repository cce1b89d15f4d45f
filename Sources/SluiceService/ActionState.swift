/// Where an action, recommendation or shadow detection stands.
///
/// Actions: `pending → approved | rejected | expired`; `approved → dispatched → acknowledged`, or
/// `dispatched → failed → (retry) … → dead-lettered`, and a dead letter can be requeued. Recommendations:
/// `pending → useful | not-useful | expired`. Shadow detections are `logged` and stay so.
public enum ActionState: String, Sendable, Codable, CaseIterable {
    /// Waiting for a person.
    case pending
    /// Approved; queued for the ERP/MES.
    case approved
    /// Rejected, with a reason.
    case rejected
    /// Not decided within the gate's expiry.
    case expired
    /// Being sent to the ERP/MES.
    case dispatched
    /// The ERP/MES took it.
    case acknowledged
    /// The last call failed; another attempt is due.
    case failed
    /// Every attempt failed; waiting for a person to requeue it.
    case deadLettered = "dead-lettered"
    /// A recommendation an operator found useful.
    case useful
    /// A recommendation an operator found not useful.
    case notUseful = "not-useful"
    /// A shadow detection: scored and logged, shown to nobody.
    case logged
}

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
