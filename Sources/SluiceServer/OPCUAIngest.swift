import Foundation
public import Logging
import Prometheus
public import ServiceLifecycle
import SluiceOPCUA
public import SluiceService
import SluiceStore
import SluiceTelemetry
import Synchronization

/// Telemetry from the OPC UA servers the cells name: one subscription per server, its value changes
/// ingested as samples exactly as `POST /v1/telemetry` would take them, timed by each value's source
/// timestamp (else the server's). After a lost connection the session is reactivated, so the values the
/// server queued during the outage (up to a minute's worth per node) are ingested late rather than lost;
/// a server that no longer has the session gets a new one. A value whose status is Bad or Uncertain is left out of the sample, so it
/// is not scored and its sensor counts as missing for coverage; it is counted in `/metrics`. A server that
/// cannot be reached is retried every few seconds and shown in `/health`; it never stops the service.
public final class OPCUAIngest: Service {
    /// One server of one cell.
    struct Source: Sendable {
        let cell: String
        let definition: CellDefinition.OPCUASource
        let settings: OPCUASubscriber.Settings
        /// Asset and sensor by node.
        let targets: [NodeId: (asset: String, sensor: String)]
    }

    let sources: [Source]
    let engine: DecisionEngine
    let logger: Logger
    private let connected: Mutex<[String: Bool]>
    private let valueChanges: Counter
    private let badValues: Counter
    private let outages: Counter
    private let outageSeconds: Counter
    private let resumptions: Counter
    private let recovered: Counter
    private let lost: Counter

    /// The ingest of every OPC UA server in `engine`'s cells; nil when none names one. Passwords are read
    /// here, from the environment or the files the cells name.
    public init?(engine: DecisionEngine, logger: Logger) throws {
        var sources: [Source] = []
        for cell in engine.catalog.cells.values.sorted(by: { $0.id < $1.id }) {
            for definition in cell.opcua {
                var identity = OPCUAClient.Identity.anonymous
                if let user = definition.user {
                    identity = .userName(user, password: try Self.password(of: definition, cell: cell.id))
                }
                var client = OPCUAClient.Configuration(endpoint: definition.endpoint, identity: identity)
                client.sessionName = "Sluice \(cell.id)"
                client.security = try Self.security(of: definition, cell: cell.id)
                let nodes = try definition.nodes.map { try NodeId(parsing: $0.node) }
                var settings = OPCUASubscriber.Settings(client: client, nodes: nodes)
                settings.publishingInterval = definition.publishingInterval * 1000
                settings.samplingInterval = definition.samplingInterval.map { $0 * 1000 } ?? -1
                // The server keeps a subscription about a minute without Publish requests: queue a minute of
                // each node's samples, so a reactivated session gets all of an outage it can still recover.
                let sampling = settings.samplingInterval > 0 ? settings.samplingInterval : settings.publishingInterval
                settings.queueSize = UInt32(min(1000, max(10, (60_000 / max(sampling, 1)).rounded(.up))))
                let targets = Dictionary(zip(nodes, definition.nodes.map { ($0.asset, $0.sensor) }), uniquingKeysWith: { first, _ in first })
                sources.append(Source(cell: cell.id, definition: definition, settings: settings, targets: targets))
            }
        }
        guard !sources.isEmpty else { return nil }
        self.sources = sources
        self.engine = engine
        self.logger = logger
        connected = Mutex(Dictionary(sources.map { ($0.definition.endpoint, false) }, uniquingKeysWith: { a, _ in a }))
        let registry = engine.metrics.registry
        func counter(_ name: String, _ unit: String, _ help: String) -> Counter {
            registry.makeCounter(
                descriptor: MetricNameDescriptor(namespace: "sluice", subsystem: "opcua", metricName: name, unitName: unit, helpText: help))
        }
        valueChanges = counter("value_changes", "total", "OPC UA value changes received")
        badValues = counter("bad_values", "total", "OPC UA values with a Bad or Uncertain status, left out of the samples")
        outages = counter("outages", "total", "Times an OPC UA server connection was lost")
        outageSeconds = counter("outage_seconds", "total", "Seconds OPC UA servers were out of reach, counted once they are back")
        resumptions = counter("sessions_resumed", "total", "Sessions reactivated after an outage, their subscriptions carried on")
        recovered = counter("notifications_recovered", "total", "OPC UA notification messages missing from the sequence and sent again")
        lost = counter("notifications_lost", "total", "OPC UA notification messages missing from the sequence that the server no longer had")
    }

    /// Whether each server (by endpoint) is connected and subscribed.
    public var status: [String: Bool] { connected.withLock { $0 } }

    private static func password(of source: CellDefinition.OPCUASource, cell: String) throws -> String {
        if let variable = source.passwordEnvironment {
            guard let value = ProcessInfo.processInfo.environment[variable] else {
                throw ServiceError(
                    .invalid, "cell \(cell): the password of OPC UA user '\(source.user ?? "")' is to be in $\(variable), which is not set")
            }
            return value
        }
        if let file = source.passwordFile {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ServiceError(.invalid, "cell \(cell): cannot read the password file \(file) of OPC UA user '\(source.user ?? "")'")
            }
            return text.trimmingCharacters(in: .newlines)
        }
        return ""
    }

    /// The security a source asks for, with the certificate and trust list of its PKI folder.
    private static func security(of source: CellDefinition.OPCUASource, cell: String) throws -> OPCUAClient.Security {
        do {
            return try OPCUAClient.Security(named: source.security, pki: source.pki)
        } catch {
            throw ServiceError(.invalid, "cell \(cell), OPC UA server \(source.endpoint): \(error.message)")
        }
    }

    /// Subscribes to every server until shutdown.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for source in self.sources {
                    group.addTask { await self.run(source) }
                }
            }
        }
    }

    private func run(_ source: Source) async {
        let endpoint = source.definition.endpoint
        let subscriber = OPCUASubscriber(settings: source.settings)
        var sourceLogger = logger
        sourceLogger[metadataKey: "opcua.endpoint"] = "\(endpoint)"
        let log = sourceLogger
        await subscriber.run(logger: log) { event in
            switch event {
            case .subscribed(let items, let outage):
                self.connected.withLock { $0[endpoint] = true }
                for item in items where item.status.isBad {
                    log.warning("OPC UA node cannot be watched", metadata: ["opcua.node": "\(item.nodeId)", "status": "\(item.status)"])
                }
                if let outage {
                    let seconds = outage.inSeconds
                    self.outageSeconds.increment(by: Int64(seconds.rounded()))
                    log.warning(
                        "OPC UA subscribed again in a new session; changes during the outage are lost",
                        metadata: ["opcua.outage_seconds": "\(String(format: "%.1f", seconds))"])
                } else {
                    log.info("OPC UA subscribed", metadata: ["opcua.nodes": "\(items.count)"])
                }
            case .resumed(_, let outage):
                self.connected.withLock { $0[endpoint] = true }
                let seconds = outage.inSeconds
                self.outageSeconds.increment(by: Int64(seconds.rounded()))
                self.resumptions.increment()
                log.warning(
                    "OPC UA session resumed; changes queued during the outage follow",
                    metadata: ["opcua.outage_seconds": "\(String(format: "%.1f", seconds))"])
            case .sequenceGap(let recovered, let lost):
                self.recovered.increment(by: Int64(recovered))
                self.lost.increment(by: Int64(lost))
                if lost > 0 {
                    log.warning("OPC UA notifications lost", metadata: ["opcua.recovered": "\(recovered)", "opcua.lost": "\(lost)"])
                } else {
                    log.info("OPC UA notifications recovered with Republish", metadata: ["opcua.recovered": "\(recovered)"])
                }
            case .disconnected(let error, let retryIn):
                let wasConnected = self.connected.withLock { state in
                    defer { state[endpoint] = false }
                    return state[endpoint] == true
                }
                if wasConnected { self.outages.increment() }
                log.warning("OPC UA server unavailable", metadata: ["error": "\(error)", "opcua.retry_in": "\(retryIn)"])
            case .changes(let changes):
                await self.ingest(changes, from: source, logger: log)
            }
        }
        connected.withLock { $0[endpoint] = false }
    }

    /// Turns one notification's value changes into samples, one per asset and time, and ingests them; a
    /// store that cannot take them (busy, or a disk full) is retried for up to a minute, and meanwhile the
    /// server queues what changes.
    func ingest(_ changes: [OPCUAValueChange], from source: Source, logger: Logger) async {
        valueChanges.increment(by: Int64(changes.count))
        struct Key: Hashable {
            let asset: String
            let time: String
        }
        var grouped: [Key: [String: Double]] = [:]
        var order: [Key] = []
        var bad = 0
        for change in changes {
            guard let target = source.targets[change.nodeId] else { continue }
            guard change.value.status.isGood, let number = change.value.value.number else {
                bad += 1
                logger.debug(
                    "OPC UA value left out",
                    metadata: ["opcua.node": "\(change.nodeId)", "status": "\(change.value.status)", "value": "\(change.value.value)"])
                continue
            }
            let time = change.value.sampleTime?.date ?? Date()
            let key = Key(asset: target.asset, time: ISOTime.format(time))
            if grouped[key] == nil { order.append(key) }
            grouped[key, default: [:]][target.sensor] = number
        }
        if bad > 0 { badValues.increment(by: Int64(bad)) }
        guard !order.isEmpty else { return }
        let samples = order.map { TelemetryBatch.Sample(asset: $0.asset, time: $0.time, values: grouped[$0]) }
        let principal = Principal(tokenID: "", name: "opcua:\(source.definition.endpoint)", role: .edge, cell: source.cell)
        var delay = Duration.milliseconds(100)
        for attempt in 1...10 {
            do {
                let report = try engine.ingest(TelemetryBatch(samples: samples), from: principal)
                if !report.rejected.isEmpty {
                    logger.warning(
                        "OPC UA samples refused",
                        metadata: [
                            "samples.rejected": "\(report.rejected.count)",
                            "first.reason": "\(report.rejected.first.map { "\($0.subject ?? "?"): \($0.reason)" } ?? "")",
                        ])
                }
                return
            } catch let error as StoreError {
                logger.warning("store refused OPC UA samples; retrying", metadata: ["error": "\(error)", "opcua.attempt": "\(attempt)"])
                do { try await Task.sleep(for: delay) } catch { return }
                delay = min(delay * 2, .seconds(10))
            } catch let error as ServiceError where error.kind == .busy {
                // Scoring lags: wait as asked; the server queues the changes meanwhile.
                logger.warning("scoring lags; OPC UA samples wait", metadata: ["error": "\(error)", "opcua.attempt": "\(attempt)"])
                do { try await Task.sleep(for: .seconds(error.retryAfter ?? 2)) } catch { return }
            } catch {
                logger.error("OPC UA samples not ingested", metadata: ["error": "\(error)", "samples": "\(samples.count)"])
                return
            }
        }
        logger.critical("OPC UA samples lost: the store refused them for a minute", metadata: ["samples": "\(samples.count)"])
    }
}
