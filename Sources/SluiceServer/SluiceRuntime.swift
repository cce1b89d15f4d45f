import Foundation
import Hummingbird
public import Logging
import NIOSSL
public import ServiceLifecycle
public import SluiceService
public import SluiceStore
import Synchronization
import UnixSignals

/// How to run a Sluice server.
public struct RuntimeConfiguration: Sendable {
    /// The store: a SQLite file, or a `postgres://` URL that replicas share.
    public var storePath = "sluice.sqlite"
    /// This replica's name among those sharing a PostgreSQL store (the host name and process id by default).
    public var replica = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
    /// How long a cell's scorer lease lasts unless its holder renews it: the longest a cell goes unscored
    /// when its replica dies.
    public var lease: Duration = .seconds(10)
    /// Sync the WAL at every commit (survives power cuts, slower).
    public var durable = false
    /// The folder of cell definitions.
    public var cells = "Cells"
    /// The folder of gate definitions.
    public var gates = "Gates"
    /// The folder of model artifacts.
    public var models = "Models"
    /// The address to listen on.
    public var host = "127.0.0.1"
    /// The port (0: any free port).
    public var port = 8080
    /// Engine settings.
    public var engine = EngineConfiguration()
    /// Dispatch settings.
    public var dispatch = DispatchConfiguration()
    /// The MQTT subscription, if any.
    public var mqtt: MQTTIngest.Settings?
    /// HTTPS (and mutual TLS) for the listener; nil: plain HTTP.
    public var tls: TLSSettings?

    /// The defaults.
    public init() {}
}

/// A Sluice server: the store, the engine, the API, the dispatcher, the expiry sweeper, the MQTT
/// listener and the OPC UA subscriptions, run as one `ServiceGroup` that shuts down gracefully on SIGTERM or SIGINT.
public final class SluiceRuntime: Sendable {
    /// The configuration.
    public let configuration: RuntimeConfiguration
    /// The store.
    public let store: any Store
    /// The engine.
    public let engine: DecisionEngine
    /// Tokens.
    public let tokens: TokenAuthority
    /// The dispatcher.
    public let dispatcher: Dispatcher
    /// The MQTT listener, when MQTT is configured.
    public let mqtt: MQTTIngest?
    /// The OPC UA subscriptions, when a cell names an OPC UA server.
    public let opcua: OPCUAIngest?
    /// The service group while ``run(companions:onServerRunning:)`` runs.
    private let running = Mutex<ServiceGroup?>(nil)
    let logger: Logger
    /// The listener's TLS, read and checked before anything else starts.
    let tls: TLSConfiguration?

    /// Checks the TLS files, opens the store, loads the catalog and restores the engine.
    public init(configuration: RuntimeConfiguration, logger: Logger, transport: any DispatchTransport = HTTPTransport()) throws {
        self.configuration = configuration
        tls = try configuration.tls?.configuration()
        self.logger = logger
        let catalog = try Catalog.load(cells: configuration.cells, gates: configuration.gates, models: configuration.models)
        store = try StoreLocation.open(configuration.storePath, durable: configuration.durable, logger: logger)
        let metrics = ServiceMetrics()
        let events = EventHub()
        engine = try DecisionEngine(
            store: store, catalog: catalog, configuration: configuration.engine, events: events, metrics: metrics, logger: logger)
        tokens = TokenAuthority(store: store, cells: Set(catalog.cells.keys))
        dispatcher = Dispatcher(
            store: store, catalog: catalog, configuration: configuration.dispatch, transport: transport, events: events, metrics: metrics,
            logger: logger)
        let engine = self.engine
        // Replicas connect to the broker under their own client ids: a broker drops a client when another
        // connects under the same id.
        let replica = configuration.replica
        let shared = store.isShared
        mqtt = try configuration.mqtt.map { settings in
            var settings = settings
            if shared { settings.clientID = "sluice-\(replica)" }
            return try MQTTIngest(settings: settings, engine: engine, logger: logger)
        }
        opcua = try OPCUAIngest(engine: engine, logger: logger)
    }

    /// Runs until SIGTERM or SIGINT (or the task is cancelled); `onServerRunning` gets the bound port.
    /// `companions` run in the same group (the demo's simulated cell and stand-in ERP/MES) and stop with it.
    public func run(companions: [any Service] = [], onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        var connected: (@Sendable () -> Bool)?
        if let mqtt { connected = { mqtt.isConnected } }
        var services = APIServices(engine: engine, tokens: tokens, mqttConnected: connected, secureCookies: configuration.tls != nil)
        if let opcua { services.opcuaStatus = { opcua.status } }
        let app = try buildApplication(
            services, host: configuration.host, port: configuration.port, tls: tls, logger: logger,
            onServerRunning: onServerRunning)
        var group: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: dispatcher),
            .init(service: ExpirySweeper(engine: engine, logger: logger)),
        ]
        if store.isShared {
            group.append(.init(service: Scorer(engine: engine, replica: configuration.replica, lease: configuration.lease, logger: logger)))
        }
        if let mqtt { group.append(.init(service: mqtt)) }
        if let opcua { group.append(.init(service: opcua)) }
        group += companions.map { .init(service: $0) }
        // Services stop in reverse order: the event streams close first, so the HTTP server's graceful
        // shutdown is not held up by clients that never hang up.
        group.append(.init(service: app))
        group.append(.init(service: EventStreamCloser(events: engine.events)))
        let signals: [UnixSignal] = [.sigterm, .sigint]
        let serviceGroup = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: group, gracefulShutdownSignals: signals, logger: logger))
        logger.info(
            "sluice starting",
            metadata: [
                "store": "\(store.location)", "replica": "\(store.isShared ? configuration.replica : "-")",
                "cells": "\(engine.catalog.cells.keys.sorted().joined(separator: ","))",
                "gates": "\(engine.catalog.gates.count)",
            ])
        running.withLock { $0 = serviceGroup }
        defer { running.withLock { $0 = nil } }
        try await serviceGroup.run()
        store.close()
        logger.info("sluice stopped")
    }
}

extension SluiceRuntime {
    /// Shuts a running server down as SIGTERM would: requests in flight finish, calls in flight are recorded,
    /// the store is closed; ``run(companions:onServerRunning:)`` then returns. For programs that run the
    /// server in a task of their own (benches, tests), where cancelling the task would cut connections off.
    public func shutdown() async {
        guard let group = running.withLock({ $0 }) else { return }
        await group.triggerGracefulShutdown()
    }
}

/// Ends every open event stream when shutdown begins.
struct EventStreamCloser: Service {
    let events: EventHub

    func run() async throws {
        try? await gracefulShutdown()
        events.finishAll()
    }
}
