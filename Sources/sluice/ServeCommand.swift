import ArgumentParser
import Foundation
import Logging
import SluiceLinearAlgebra
import SluiceServer
import SluiceService

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the decision service: ingest, twin, models, gates, the action queue, dispatch and the API.",
        discussion: """
            Reads the cells, gates and models, opens (or creates) the store, and serves the HTTP API documented in
            Sources/SluiceServer/openapi.yaml. Telemetry arrives by POST /v1/telemetry, by MQTT (--mqtt) or by
            `sluice replay`. Approved actions go to each cell's ERP/MES (the cell file's erp.url, or --erp-url).
            Stops gracefully on SIGTERM or SIGINT: requests in flight finish, calls in flight are recorded.
            With --store postgres://… several replicas share one database: any replica takes telemetry and decisions,
            one replica per cell scores (a lease, taken over within --lease seconds when its holder dies), and each
            call to the ERP/MES is claimed by one replica. See the README's Scale-out section.
            With --tls-certificate and --tls-key the server speaks HTTPS only, and the sign-in cookie is sent over HTTPS
            only; with --tls-client-ca as well, every client (edge devices, browsers, `sluice` commands) must present a
            certificate signed by one of those authorities (mutual TLS), and its token is still checked.
            Create the first admin token with `sluice tokens create --role admin --name <you>`.
            Settings come from the command line, then the environment (SLUICE_*), then the defaults.
            """)

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var catalog: CatalogOptions
    @Option(name: .customLong("host"), help: "Address to listen on (env SLUICE_HOST; default 127.0.0.1).") var hostOption: String?
    @Option(name: .customLong("port"), help: "Port to listen on, 0 for any free one (env SLUICE_PORT; default 8080).") var portOption: Int?
    @Option(help: "ERP/MES base URL for every cell, overriding the cell files (env SLUICE_ERP_URL).") var erpURL: String?
    @Option(help: "MQTT broker to subscribe to, mqtt://host[:port] (env SLUICE_MQTT).") var mqtt: String?
    @Option(help: "MQTT topic filter; the cell is the level after sluice/.") var mqttTopic = "sluice/+/telemetry"
    @Option(help: "Attempts before a call to the ERP/MES is dead-lettered.") var dispatchAttempts = 12
    @Option(help: "Seconds before the first retry (doubling after each failure, with jitter).") var retryDelay = 1.0
    @Option(
        help:
            "Longest wait in seconds between two attempts of a call: after an ERP/MES outage, calls go out at most this long after it returns."
    )
    var retryMaxDelay = 300.0
    @Flag(help: "Sync the SQLite store at every commit (survives power cuts; slower).") var durable = false
    @Option(help: "This replica's name on a shared PostgreSQL store (env SLUICE_REPLICA; default host-pid).") var replica: String?
    @Option(help: "Seconds a cell's scorer lease lasts unless renewed: the longest a cell waits for another replica to take it over.")
    var lease = 10.0
    @Option(help: "PEM certificate chain: serve HTTPS instead of HTTP, with --tls-key (env SLUICE_TLS_CERTIFICATE).")
    var tlsCertificate: String?
    @Option(help: "PEM private key of --tls-certificate (env SLUICE_TLS_KEY).") var tlsKey: String?
    @Option(
        help: "PEM file of the authorities that sign client certificates: every client must present one (mutual TLS; env SLUICE_TLS_CLIENT_CA)."
    )
    var tlsClientCA: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"

    func validate() throws {
        _ = try port()
        guard dispatchAttempts >= 1 else { throw ValidationError("--dispatch-attempts must be at least 1") }
        guard retryDelay > 0 else { throw ValidationError("--retry-delay must be above 0") }
        guard retryMaxDelay >= retryDelay else { throw ValidationError("--retry-max-delay must be at least --retry-delay") }
        guard lease >= 1, lease <= 3_600 else { throw ValidationError("--lease must be from 1 to 3600 seconds") }
        _ = try sluice.logLevel(logLevel)
    }

    func run() async throws {
        try await reportingErrors {
            BLAS.setThreadCount(1)
            let logger = makeLogger(level: try sluice.logLevel(logLevel))
            var configuration = RuntimeConfiguration()
            configuration.storePath = storeOptions.store
            configuration.durable = durable
            if let replica = Setting.text(replica, "SLUICE_REPLICA") { configuration.replica = replica }
            configuration.lease = .milliseconds(Int(lease * 1000))
            configuration.cells = catalog.cells
            configuration.gates = catalog.gates
            configuration.models = catalog.models
            let host = Setting.text(hostOption, "SLUICE_HOST", default: "127.0.0.1")
            configuration.host = host
            configuration.port = try port()
            configuration.dispatch.url = Setting.text(erpURL, "SLUICE_ERP_URL")
            configuration.dispatch.maximumAttempts = dispatchAttempts
            configuration.dispatch.baseDelay = retryDelay
            configuration.dispatch.maximumDelay = retryMaxDelay
            // The ERP/MES credential is read from the environment only, so it never shows in a process list.
            configuration.dispatch.authorization = Setting.text(nil, "SLUICE_ERP_AUTHORIZATION")
            if let mqtt = Setting.text(mqtt, "SLUICE_MQTT") { configuration.mqtt = MQTTIngest.Settings(url: mqtt, topics: [mqttTopic]) }
            configuration.tls = try tlsSettings()
            let runtime = try SluiceRuntime(configuration: configuration, logger: logger)
            let scheme = configuration.tls == nil ? "http" : "https"
            try await runtime.run { port in
                say("sluice serving \(scheme)://\(host):\(port) (store \(runtime.store.location))")
            }
        }
    }
}

extension ServeCommand {
    /// The port: --port, else SLUICE_PORT, else 8080.
    func port() throws -> Int {
        try Setting.integer(portOption, "SLUICE_PORT", default: 8_080, in: 0...65_535, what: "a port number", flag: "--port")
    }

    /// The TLS settings from the options or the environment; a key without a certificate (or the reverse) is an error.
    func tlsSettings() throws -> TLSSettings? {
        let certificate = Setting.text(tlsCertificate, "SLUICE_TLS_CERTIFICATE")
        let key = Setting.text(tlsKey, "SLUICE_TLS_KEY")
        let clientCA = Setting.text(tlsClientCA, "SLUICE_TLS_CLIENT_CA")
        switch (certificate, key) {
        case (let certificate?, let key?): return TLSSettings(certificate: certificate, privateKey: key, clientCA: clientCA)
        case (nil, nil):
            guard clientCA == nil else { throw ValidationError("--tls-client-ca needs --tls-certificate and --tls-key: mutual TLS is TLS first") }
            return nil
        case (_?, nil): throw ValidationError("--tls-certificate needs --tls-key, the certificate's private key")
        case (nil, _?): throw ValidationError("--tls-key needs --tls-certificate, the server's certificate")
        }
    }
}
