/// A change in the subscriber's connection, reported so the service can log outages and recoveries.
public enum MQTTConnectionEvent: Sendable, Hashable {
    /// Connected and every topic subscription acknowledged. `sessionPresent` is true when the broker still had our persistent
    /// session, so messages published while we were away will now arrive.
    case connected(sessionPresent: Bool)
    /// The connection ended: `nil` when we asked for it, otherwise the reason. The subscriber reconnects unless it is stopping.
    case disconnected(MQTTError?)
    /// A connection attempt failed; the subscriber tries again after `retryIn`.
    case connectionFailed(MQTTError, retryIn: Duration)
    /// The service could not take a message (``MQTTDelivery/retryLater``): the connection was dropped without
    /// acknowledging it, and the subscriber reconnects, and receives it again, after `retryIn`.
    case paused(retryIn: Duration)
}
