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

extension ActionState {
    /// The state stored as `text` in the action table; text no version of Sluice writes means a damaged row.
    init(stored text: String) throws(StoreError) {
        guard let state = ActionState(rawValue: text) else { throw StoreError.damagedRow("an action has the unknown state '\(text)'") }
        self = state
    }
}

/// Where an outbox entry (one approved action's call to the ERP/MES) stands: `pending → delivered`, or
/// `pending → dead` once every attempt failed; a person can requeue a dead entry (`dead → pending`).
public enum OutboxState: String, Sendable, Codable, CaseIterable {
    /// Waiting for its next attempt.
    case pending
    /// The receiver acknowledged it.
    case delivered
    /// Every attempt failed; waiting for a person to requeue it.
    case dead

    /// The state stored as `text` in the outbox table; text no version of Sluice writes means a damaged row.
    init(stored text: String) throws(StoreError) {
        guard let state = OutboxState(rawValue: text) else { throw StoreError.damagedRow("an outbox entry has the unknown state '\(text)'") }
        self = state
    }
}
