/// One application message delivered by the broker.
///
/// The payload stays raw bytes because devices on the factory floor do not agree on an encoding; decoding is the caller's job.
public struct MQTTMessage: Sendable, Hashable {
    /// The concrete topic the message was published to (never a wildcard filter).
    public var topic: String
    /// The message body exactly as published.
    public var payload: [UInt8]
    /// The QoS the broker delivered with, which can be lower than the publisher's if the subscription was granted a lower QoS.
    public var qos: Int
    /// True when the broker replayed a stored retained message rather than forwarding a live publish.
    public var retained: Bool

    /// Creates a message, mainly so that code handling messages can be tested without a broker.
    public init(topic: String, payload: [UInt8], qos: Int, retained: Bool) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retained = retained
    }
}

/// What the service did with a message.
public enum MQTTDelivery: Sendable, Hashable {
    /// Handled (or refused for good, as a malformed payload is): the broker is acknowledged.
    case handled
    /// It cannot be handled now (the store is down or full): the subscriber drops the connection without
    /// acknowledging it, so the broker keeps the message in the persistent session and sends it again when
    /// the subscriber reconnects, after a delay that grows while messages keep being refused. Nothing is
    /// read meanwhile: that is the backpressure.
    case retryLater
}
