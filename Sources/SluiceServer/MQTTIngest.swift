import Foundation
public import Logging
public import ServiceLifecycle
import SluiceGates
import SluiceMQTT
public import SluiceService
import SluiceStore
import SluiceTelemetry

/// Telemetry from an MQTT broker: subscribes (QoS 1, persistent session) to `sluice/<cell>/telemetry`
/// and ingests each message as a batch, exactly as `POST /v1/telemetry` would, with the topic's cell as
/// the sender's scope. Refused samples are logged with their reasons. A batch the store cannot take (busy,
/// unreachable, a disk full) is not acknowledged: the subscriber stops reading, and the broker keeps the
/// batch and sends it again when the subscriber reconnects, after a delay that grows while the store keeps
/// refusing. Nothing acknowledged is lost, and nothing waits on the MQTT network thread.
public final class MQTTIngest: Service {
    /// Where to subscribe.
    public struct Settings: Sendable {
        /// `mqtt://[user:password@]host[:port]`.
        public var url: String
        /// Topic filters; the cell is the topic level after `sluice/`.
        public var topics: [String]
        /// The client id; the broker keeps this session's messages while Sluice is away.
        public var clientID: String

        /// Settings for `url`.
        public init(url: String, topics: [String] = ["sluice/+/telemetry"], clientID: String = "sluice-server") {
            self.url = url
            self.topics = topics
            self.clientID = clientID
        }
    }

    let subscriber: MQTTSubscriber
    let engine: DecisionEngine
    let logger: Logger
    /// Which topic level names the cell: the `+` of the first topic filter (`sluice/+/telemetry`: level 1).
    let cellLevel: Int

    /// A listener for `settings` feeding `engine`.
    public init(settings: Settings, engine: DecisionEngine, logger: Logger) throws {
        subscriber = try MQTTSubscriber(configuration: MQTTConfiguration(url: settings.url, topics: settings.topics, clientID: settings.clientID))
        self.engine = engine
        self.logger = logger
        // A shared subscription ($share/<group>/<filter>) delivers on the filter's topics: its two levels don't count.
        let filter = settings.topics.first.map { $0.hasPrefix("$share/") ? $0.split(separator: "/").dropFirst(2).joined(separator: "/") : $0 }
        cellLevel = filter.flatMap { $0.split(separator: "/").firstIndex(of: "+") } ?? 1
    }

    /// Whether the broker connection is up.
    public var isConnected: Bool { subscriber.isConnected }

    /// Listens until shutdown.
    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await self.subscriber.run(
                onEvent: { event in
                    switch event {
                    case .connected(let sessionPresent):
                        self.logger.info("MQTT connected", metadata: ["mqtt.session_present": "\(sessionPresent)"])
                    case .disconnected(let error):
                        self.logger.warning("MQTT disconnected", metadata: ["error": "\(error.map { "\($0)" } ?? "none")"])
                    case .connectionFailed(let error, let retryIn):
                        self.logger.warning("MQTT connection failed", metadata: ["error": "\(error)", "mqtt.retry_in": "\(retryIn)"])
                    case .paused(let retryIn):
                        self.logger.warning(
                            "MQTT paused: the store cannot take telemetry; the broker keeps it until the subscriber reconnects",
                            metadata: ["mqtt.retry_in": "\(retryIn)"])
                    }
                },
                onMessage: { message in self.handle(message) })
        }
    }

    /// Ingests one message; the cell comes from the topic level the filter's `+` stands for. A message that
    /// can never be ingested (no known cell, not a batch) is logged and acknowledged; one the store cannot take
    /// now is left to the broker to send again.
    func handle(_ message: MQTTMessage) -> MQTTDelivery {
        let levels = message.topic.split(separator: "/")
        guard levels.count > cellLevel, let cell = engine.catalog.cells[String(levels[cellLevel])]?.id else {
            logger.warning("MQTT message on a topic without a known cell", metadata: ["mqtt.topic": "\(message.topic)"])
            return .handled
        }
        let principal = Principal(tokenID: "", name: "mqtt:\(message.topic)", role: .edge, cell: cell)
        let batch: TelemetryBatch
        do {
            batch = try TelemetryBatch.decode(Data(message.payload))
        } catch {
            logger.error("MQTT message is not a telemetry batch", metadata: ["mqtt.topic": "\(message.topic)", "error": "\(error)"])
            return .handled
        }
        do {
            try ingest(batch, from: principal, topic: message.topic)
            return .handled
        } catch let error as StoreError {
            logger.warning("store refused an MQTT batch; the broker will send it again", metadata: ["error": "\(error)"])
            return .retryLater
        } catch let error as ServiceError where error.kind == .busy {
            logger.warning("scoring lags: the broker keeps the MQTT batch until it catches up", metadata: ["error": "\(error)"])
            return .retryLater
        } catch {
            logger.error("MQTT message not ingested", metadata: ["mqtt.topic": "\(message.topic)", "error": "\(error)"])
            return .handled
        }
    }

    private func ingest(_ batch: TelemetryBatch, from principal: Principal, topic: String) throws {
        let report = try engine.ingest(batch, from: principal)
        if !report.rejected.isEmpty {
            logger.warning(
                "MQTT samples refused",
                metadata: [
                    "mqtt.topic": "\(topic)", "samples.rejected": "\(report.rejected.count)",
                    "first.reason": "\(report.rejected.first.map { "\($0.list)[\($0.index)]: \($0.reason)" } ?? "")",
                ])
        }
    }
}
