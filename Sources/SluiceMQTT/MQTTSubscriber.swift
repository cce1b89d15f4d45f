import Synchronization

/// Keeps a subscription to the configured MQTT topics alive and hands every message to the service.
///
/// The subscriber reconnects on its own (exponential backoff from 100 ms up to `MQTTConfiguration.maxReconnectDelay`) and
/// subscribes again after every reconnect, because a broker restarted without persistence has forgotten our session.
public final class MQTTSubscriber: Sendable {
    /// The configuration this subscriber was created with.
    public let configuration: MQTTConfiguration

    private let status = Mutex(Status())

    private struct Status {
        var isRunning = false
        var isConnected = false
        var lastError: MQTTError?
    }

    /// Creates a subscriber; throws if the configuration cannot work (bad topic filter, missing client ID, ...), so that a
    /// misconfiguration fails at startup rather than on the first connection attempt.
    public init(configuration: MQTTConfiguration) throws(MQTTError) {
        try configuration.validate(forSubscribing: true)
        self.configuration = configuration
    }

    /// True while connected with every subscription acknowledged, i.e. while messages can actually arrive; meant for health checks.
    public var isConnected: Bool {
        status.withLock { $0.isConnected }
    }

    /// Why the subscriber is not connected right now (nil while connected or before the first attempt); for health-check detail.
    public var lastError: MQTTError? {
        status.withLock { $0.lastError }
    }

    /// Connects, subscribes and delivers messages until the surrounding task is cancelled, then disconnects cleanly and returns.
    ///
    /// `onMessage` is called synchronously on the subscriber's network thread, one message at a time and in the broker's order.
    /// The next message is not read until it returns, and the acknowledgement of a QoS 1 message is only sent after it returns
    /// ``MQTTDelivery/handled``, so a crash inside `onMessage` makes the broker redeliver that message (given
    /// `cleanSession == false`). When it returns ``MQTTDelivery/retryLater`` the connection is dropped without the
    /// acknowledgement and made again after a growing delay, and the broker sends the message again. Keep it short (never
    /// wait inside it for a failing dependency): while it runs nothing is sent to the broker, which drops the connection after
    /// about 1.5 × `keepAlive`.
    ///
    /// Broker outages are retried indefinitely and reported through `onEvent`, `isConnected` and `lastError`. `run` only throws
    /// for problems that retrying cannot fix: the broker refusing our credentials or client ID, or rejecting a subscription.
    /// Cancellation is noticed within about 100 ms, except during a TCP connection attempt, which the operating system may let
    /// take longer when the broker host does not answer at all.
    public func run(
        onEvent: @escaping @Sendable (MQTTConnectionEvent) -> Void = { _ in },
        onMessage: @escaping @Sendable (MQTTMessage) -> MQTTDelivery
    ) async throws(MQTTError) {
        try status.withLock { (status) throws(MQTTError) in
            guard !status.isRunning else {
                throw .alreadyRunning(clientID: configuration.clientID)
            }
            status.isRunning = true
            status.lastError = nil
        }
        defer {
            status.withLock {
                $0.isRunning = false
                $0.isConnected = false
            }
        }

        let session = try SubscriberSession(subscriber: self, onEvent: onEvent, onMessage: onMessage)
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                session.start { continuation.resume(returning: $0) }
            }
        } onCancel: {
            session.requestStop()
        }
        try result.get()
    }

    /// Called by the session when every subscription has been acknowledged.
    func sessionDidSubscribe() {
        status.withLock {
            $0.isConnected = true
            $0.lastError = nil
        }
    }

    /// Called by the session when the connection ends or an attempt fails; `error` is nil for a disconnect we asked for.
    func sessionDidDisconnect(error: MQTTError?) {
        status.withLock {
            $0.isConnected = false
            if let error {
                $0.lastError = error
            }
        }
    }
}
