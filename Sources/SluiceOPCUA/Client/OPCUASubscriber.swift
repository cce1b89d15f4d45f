import Foundation
public import Logging

/// Watches a set of nodes on one server for as long as it runs, across lost connections and server
/// restarts: it connects, subscribes, hands on every notification's value changes, and when the connection
/// breaks it tries again with a growing delay (up to ``Settings/maximumRetryDelay``), then opens a new
/// session and subscribes again. Each outage is reported with its length.
public struct OPCUASubscriber: Sendable {
    /// What to watch and how.
    public struct Settings: Sendable {
        /// The server and the user.
        public var client: OPCUAClient.Configuration
        /// The nodes.
        public var nodes: [NodeId]
        /// How often the server sends what changed, in milliseconds.
        public var publishingInterval: Double
        /// How often the server samples each node, in milliseconds (-1: the publishing interval).
        public var samplingInterval: Double
        /// Values the server queues per node between publishes.
        public var queueSize: UInt32
        /// Changes smaller than this are not reported (0: every change).
        public var deadband: Double
        /// The first wait after a failure; it doubles after each further failure.
        public var firstRetryDelay: Duration
        /// The longest wait between two attempts.
        public var maximumRetryDelay: Duration

        /// Settings with a 1 s publishing interval, a queue of 10 and retries from 0.5 s up to 3 s, so a
        /// restarted server is back in the twin within a few seconds of accepting connections.
        public init(client: OPCUAClient.Configuration, nodes: [NodeId]) {
            self.client = client
            self.nodes = nodes
            publishingInterval = 1000
            samplingInterval = -1
            queueSize = 10
            deadband = 0
            firstRetryDelay = .milliseconds(500)
            maximumRetryDelay = .seconds(3)
        }
    }

    /// What happened.
    public enum Event: Sendable {
        /// Subscribed; `outage` is how long the connection was down before (nil the first time).
        case subscribed(items: [MonitoredItem], outage: Duration?)
        /// The value changes of one notification message.
        case changes([OPCUAValueChange])
        /// The connection failed or could not be made; the next attempt is in `retryIn`.
        case disconnected(OPCUAError, retryIn: Duration)
    }

    /// The settings.
    public let settings: Settings

    /// A subscriber.
    public init(settings: Settings) { self.settings = settings }

    /// Runs until the task is cancelled, calling `onEvent` for everything that happens, in order.
    public func run(logger: Logger, onEvent: @Sendable (Event) async -> Void) async {
        var delay = settings.firstRetryDelay
        var downSince: ContinuousClock.Instant?
        while !Task.isCancelled {
            do {
                try await OPCUAClient.withSession(settings.client, logger: logger) { session in
                    let subscription = try await session.subscribe(
                        settings.nodes, publishingInterval: settings.publishingInterval, samplingInterval: settings.samplingInterval,
                        queueSize: settings.queueSize, deadband: settings.deadband)
                    await onEvent(.subscribed(items: subscription.items, outage: downSince.map { .now - $0 }))
                    downSince = nil
                    delay = settings.firstRetryDelay
                    for await changes in subscription.changes {
                        await onEvent(.changes(changes))
                    }
                }
                if Task.isCancelled { return }
                throw OPCUAError(.connectionClosed, "the subscription ended")
            } catch {
                if Task.isCancelled { return }
                let failure = error as? OPCUAError ?? OPCUAError(.connectionClosed, "\(error)")
                if downSince == nil { downSince = .now }
                await onEvent(.disconnected(failure, retryIn: delay))
                do { try await Task.sleep(for: delay) } catch { return }
                delay = min(delay * 2, settings.maximumRetryDelay)
            }
        }
    }
}
