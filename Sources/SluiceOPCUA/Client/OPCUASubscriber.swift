import Foundation
public import Logging

/// Watches a set of nodes on one server for as long as it runs, across lost connections and server
/// restarts. It connects, subscribes and hands on every notification's value changes. When the connection
/// breaks it tries again with a growing delay (up to ``Settings/maximumRetryDelay``) and first reactivates
/// its session on the new connection: the subscription carries on, the values the server sampled and
/// queued meanwhile (up to ``Settings/queueSize`` per node) arrive, and notifications lost on the broken
/// connection are asked for again with Republish. A server that no longer has the session (restarted, or
/// the outage outlasted the session timeout) gets a new session and a new subscription; what it sampled
/// during the outage is then gone. Each outage is reported with its length.
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
        /// Values the server queues per node between publishes, and so across an outage: an outage longer
        /// than `queueSize` sampling intervals loses the oldest of a node's changes.
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
        /// Subscribed in a new session; `outage` is how long the connection was down before (nil the first
        /// time). Changes sampled during an outage are not recovered.
        case subscribed(items: [MonitoredItem], outage: Duration?)
        /// The session was reactivated after an outage of `outage` and its subscription carries on: the
        /// changes the server queued meanwhile follow.
        case resumed(items: [MonitoredItem], outage: Duration)
        /// Notification messages were missing from the sequence: `recovered` came again with Republish,
        /// `lost` the server no longer had.
        case sequenceGap(recovered: Int, lost: Int)
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
        var resumption: OPCUASession.Resumption?
        while !Task.isCancelled {
            do {
                try await OPCUAClient.withSession(settings.client, resuming: resumption, logger: logger) { session in
                    resumption = nil
                    var subscription = session.resumedSubscriptions.first
                    if let subscription {
                        await onEvent(.resumed(items: subscription.items, outage: downSince.map { .now - $0 } ?? .zero))
                        downSince = nil
                    }
                    var seen = OPCUASubscriptionStatistics()
                    while !Task.isCancelled {
                        let current: OPCUASubscription
                        if let subscription {
                            current = subscription
                        } else {
                            current = try await session.subscribe(
                                settings.nodes, publishingInterval: settings.publishingInterval, samplingInterval: settings.samplingInterval,
                                queueSize: settings.queueSize, deadband: settings.deadband)
                            await onEvent(.subscribed(items: current.items, outage: downSince.map { .now - $0 }))
                            downSince = nil
                        }
                        delay = settings.firstRetryDelay
                        for await changes in current.changes {
                            await onEvent(.changes(changes))
                            let statistics = await session.statistics
                            if statistics.republished != seen.republished || statistics.lost != seen.lost {
                                await onEvent(.sequenceGap(recovered: statistics.republished - seen.republished, lost: statistics.lost - seen.lost))
                                seen = statistics
                            }
                        }
                        subscription = nil
                        // Still connected, the stream ended because the server dropped the subscription (it
                        // timed out while the connection was down): subscribe again in the same session.
                        guard !Task.isCancelled, await session.isConnected else { break }
                    }
                    resumption = await session.resumption
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
