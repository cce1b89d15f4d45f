import Foundation
public import Hummingbird
import HummingbirdTLS
public import Logging
import NIOCore
public import NIOSSL
public import SluiceService
import SluiceStore

/// What the HTTP API runs on.
public struct APIServices: Sendable {
    /// The decision engine.
    public var engine: DecisionEngine
    /// Token checks and management.
    public var tokens: TokenAuthority
    /// Health of the MQTT subscription, if there is one: nil when MQTT is off.
    public var mqttConnected: (@Sendable () -> Bool)?
    /// Whether each OPC UA server (by endpoint) is connected: nil when no cell names one.
    public var opcuaStatus: (@Sendable () -> [String: Bool])?
    /// The session cookie is marked `Secure` (sent over HTTPS only): on when the server speaks TLS.
    public var secureCookies: Bool

    /// The services.
    public init(engine: DecisionEngine, tokens: TokenAuthority, mqttConnected: (@Sendable () -> Bool)? = nil, secureCookies: Bool = false) {
        self.engine = engine
        self.tokens = tokens
        self.mqttConnected = mqttConnected
        self.secureCookies = secureCookies
    }
}

/// The routes of the API, documented in `openapi.yaml` (a test keeps the two in step).
public func buildRouter(_ services: APIServices) -> Router<SluiceRequestContext> {
    let router = Router(context: SluiceRequestContext.self)
    router.add(middleware: ErrorMiddleware())
    router.get("health") { _, _ in try health(services) }
    router.get("metrics") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: try services.engine.renderMetrics())))
    }
    router.get("openapi.yaml") { _, _ in
        Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.text)))
    }
    let api = router.group("v1").add(middleware: AuthenticationMiddleware(tokens: services.tokens))
    TelemetryController(engine: services.engine).addRoutes(to: api)
    ActionsController(engine: services.engine).addRoutes(to: api)
    GatesController(engine: services.engine).addRoutes(to: api)
    AdminController(engine: services.engine, tokens: services.tokens).addRoutes(to: api)
    EventsController(engine: services.engine).addRoutes(to: api)
    ReportsController(engine: services.engine).addRoutes(to: api)
    WebController(engine: services.engine, tokens: services.tokens, secureCookies: services.secureCookies).addRoutes(to: router)
    return router
}

/// The HTTP server as a service of a `ServiceGroup`.
///
/// With `tls`, the listener speaks HTTPS only (and, when the configuration names client authorities,
/// requires a client certificate from one of them).
public func buildApplication(
    _ services: APIServices, host: String, port: Int, tls: TLSConfiguration? = nil, logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    Application(
        router: buildRouter(services),
        server: try tls.map { try .tls(.http1(), tlsConfiguration: $0) } ?? .http1(),
        configuration: .init(address: .hostname(host, port: port), serverName: "sluice"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
        logger: logger)
}

/// `GET /health`: the store, the audit log, the outbox, MQTT and the OPC UA servers, with 503 when something needs a person.
func health(_ services: APIServices) throws -> Response {
    struct Health: Encodable {
        var status: String
        var store: String
        var auditRecords: Int64
        var outbox: [String: Int]
        var actions: [String: Int]
        var mqtt: String
        var opcua: [String: String]?
    }
    let engine = services.engine
    let (checkpoint, outbox, actions) = try engine.store.read { session in
        (try session.audit.checkpoint(), try session.outbox.countByState(), try session.actions.countByState(cells: nil))
    }
    let mqtt = services.mqttConnected.map { $0() ? "connected" : "disconnected" } ?? "off"
    let opcua = services.opcuaStatus.map { $0().mapValues { $0 ? "connected" : "disconnected" } }
    let healthy = mqtt != "disconnected" && !(opcua?.values.contains("disconnected") ?? false)
    return try APICoding.json(
        Health(
            status: healthy ? "ok" : "degraded", store: URL(fileURLWithPath: engine.store.location).lastPathComponent, auditRecords: checkpoint.size,
            outbox: Dictionary(uniqueKeysWithValues: outbox.map { ($0.key.rawValue, $0.value) }),
            actions: Dictionary(uniqueKeysWithValues: actions.map { ($0.key.rawValue, $0.value) }), mqtt: mqtt, opcua: opcua),
        status: healthy ? .ok : .serviceUnavailable)
}
