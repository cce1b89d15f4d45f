import Foundation
public import Logging
public import NIOCore
import NIOPosix

/// Connects to an OPC UA server and runs a session on it.
///
/// ```swift
/// let configuration = OPCUAClient.Configuration(endpoint: "opc.tcp://plc.local:4840")
/// try await OPCUAClient.withSession(configuration) { session in
///     let values = try await session.read([try NodeId(parsing: "ns=2;s=Sensor.Temp")])
/// }
/// ```
///
/// The connection lives exactly as long as the closure: the reader of the server's messages, the renewal
/// of the channel token and the Publish requests of subscriptions run beside it and end with it.
public enum OPCUAClient {
    /// Who the client says the user is.
    public enum Identity: Sendable, Equatable {
        /// No user.
        case anonymous
        /// A user name and password.
        case userName(String, password: String)
    }

    /// How to reach the server and what to ask of it.
    public struct Configuration: Sendable {
        /// The endpoint URL, `opc.tcp://host[:port][/path]`.
        public var endpoint: String
        /// The user.
        public var identity: Identity
        /// The client's application URI (its certificate carries the same).
        public var applicationURI: String
        /// The client's name, as servers show it.
        public var applicationName: String
        /// A name for the session, as servers show it.
        public var sessionName: String
        /// How long one request may take before it fails.
        public var requestTimeout: Duration
        /// How long to wait for the TCP connection.
        public var connectTimeout: Duration
        /// How long the server keeps the session without requests.
        public var sessionTimeout: Duration
        /// The channel token lifetime asked for; the token is renewed at 75 % of what the server grants.
        public var tokenLifetime: Duration
        /// This side's UA TCP limits.
        public var limits: TransportLimits
        /// How messages are protected: None by default.
        public var security: Security

        /// A configuration with Sluice's defaults: anonymous, 10 s requests, 5 s to connect, 2-minute
        /// sessions, 10-minute tokens.
        public init(endpoint: String, identity: Identity = .anonymous) {
            self.endpoint = endpoint
            self.identity = identity
            applicationURI = "urn:sluice:opcua-client"
            applicationName = "Sluice"
            sessionName = "Sluice"
            requestTimeout = .seconds(10)
            connectTimeout = .seconds(5)
            sessionTimeout = .seconds(120)
            tokenLifetime = .seconds(600)
            limits = .client
            security = Security()
        }
    }

    /// Message security: the mode, and for Sign or SignAndEncrypt (SecurityPolicy Basic256Sha256) the
    /// client's certificate and the server certificates it trusts.
    public struct Security: Sendable {
        /// None, Sign or SignAndEncrypt.
        public var mode: MessageSecurityMode
        /// The client's application instance certificate and key.
        public var certificate: ApplicationCertificate?
        /// The server certificates trusted.
        public var trustList: TrustList?

        /// Security None.
        public init() { mode = .none }

        /// The names the command line and cell files give the modes.
        public static let modeNames: [String: MessageSecurityMode] = ["none": .none, "sign": .sign, "sign-and-encrypt": .signAndEncrypt]

        /// The security named `name` (`none`, `sign`, `sign-and-encrypt`) with the certificate, key and trust
        /// list of the PKI folder `pki`: `own/certificate.der`, `own/private-key.pem` and `trusted/`.
        public init(named name: String, pki: String) throws(OPCUAError) {
            guard let mode = Self.modeNames[name] else {
                throw OPCUAError(.securityConfiguration, "security is none, sign or sign-and-encrypt, not '\(name)'")
            }
            guard mode != .none else {
                self.init()
                return
            }
            let certificate = try ApplicationCertificate(
                certificateFile: Self.certificateFile(pki: pki), privateKeyFile: Self.privateKeyFile(pki: pki))
            self.init(mode: mode, certificate: certificate, trustList: try TrustList(folder: Self.trustedFolder(pki: pki)))
        }

        /// The client's certificate in the PKI folder `pki`.
        public static func certificateFile(pki: String) -> String { pki + "/own/certificate.der" }
        /// The client's private key in the PKI folder `pki`.
        public static func privateKeyFile(pki: String) -> String { pki + "/own/private-key.pem" }
        /// The trusted server certificates in the PKI folder `pki`.
        public static func trustedFolder(pki: String) -> String { pki + "/trusted" }

        /// Basic256Sha256 in `mode`, with `certificate` and `trustList`.
        public init(mode: MessageSecurityMode, certificate: ApplicationCertificate, trustList: TrustList) {
            self.mode = mode
            self.certificate = certificate
            self.trustList = trustList
        }
    }

    /// Connects, opens a secure channel, creates and activates a session, runs `body` with it, and closes
    /// the session and the channel however `body` ends.
    ///
    /// With security, a first connection with security None asks the server for its endpoints (GetEndpoints,
    /// which servers answer without security), picks the Basic256Sha256 endpoint of the mode asked for,
    /// checks the server's certificate against the trust list, and a second connection opens the secure
    /// channel the session runs on.
    ///
    /// With `resuming` (a session's ``OPCUASession/resumption`` taken after its connection was lost), the
    /// old session is first reactivated on the new channel, so its subscriptions carry on with what the
    /// server queued meanwhile (``OPCUASession/resumedSubscriptions``); a server that no longer has it gets
    /// a new session (``OPCUASession/isResumed`` tells which).
    public static func withSession<T: Sendable>(
        _ configuration: Configuration, resuming: OPCUASession.Resumption? = nil, logger: Logger = Logger(label: "sluice.opcua"),
        _ body: (OPCUASession) async throws -> T
    ) async throws -> T {
        var security: ChannelSecurity?
        var endpoint: EndpointDescription?
        if configuration.security.mode != .none {
            guard let certificate = configuration.security.certificate, let trustList = configuration.security.trustList else {
                throw OPCUAError(
                    .securityConfiguration, "security \(configuration.security.mode) needs the client's certificate and key and a trust list folder")
            }
            let endpoints = try await withChannel(configuration, security: nil, logger: logger) { channel in
                try await channel.call(
                    GetEndpointsRequest(endpointURL: configuration.endpoint), authenticationToken: .null, timeout: configuration.requestTimeout,
                    service: "GetEndpoints")
            }.endpoints
            guard let chosen = endpoints.first(where: { $0.mode == configuration.security.mode && $0.securityPolicyURI == ChannelSecurity.policyURI })
            else {
                throw OPCUAError(
                    .unsupportedEndpoint,
                    "the server at \(configuration.endpoint) offers no Basic256Sha256 endpoint in mode \(configuration.security.mode); it offers: "
                        + OPCUASession.describe(endpoints))
            }
            guard let serverCertificate = chosen.serverCertificate, !serverCertificate.isEmpty else {
                throw OPCUAError(.securityCheckFailed, "the server's secure endpoint carries no certificate")
            }
            try trustList.check(serverCertificate, endpoint: configuration.endpoint)
            security = ChannelSecurity(mode: configuration.security.mode, local: certificate, remote: try RemoteKey(certificate: serverCertificate))
            endpoint = chosen
        }
        return try await withChannel(configuration, security: security, logger: logger) { channel in
            let session = try await OPCUASession.create(
                on: channel, configuration: configuration, endpoint: endpoint, resuming: resuming, logger: logger)
            return try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
                group.addTask { await session.processPublishResponses() }
                group.addTask { await session.keepPublishing() }
                defer { group.cancelAll() }
                do {
                    let result = try await body(session)
                    // A connection that broke under the body (its streams of changes simply ended) is an error.
                    if let failure = await channel.closedReason { throw failure }
                    await session.close()
                    return result
                } catch {
                    await session.close()
                    throw error
                }
            }
        }
    }

    /// Connects, says Hello, opens a secure channel with `security` (None when nil), keeps its token
    /// renewed, runs `body` and closes the channel.
    static func withChannel<T: Sendable>(
        _ configuration: Configuration, security: ChannelSecurity?, logger: Logger, _ body: (SecureChannel) async throws -> T
    ) async throws -> T {
        let endpoint = try OPCUAEndpoint(parsing: configuration.endpoint)
        let limits = configuration.limits
        let connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            connection = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(TimeAmount(configuration.connectTimeout))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: endpoint.host, port: endpoint.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(MessageFramer(maximumSize: Int(limits.receiveBufferSize))))
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw OPCUAError(
                .connectionFailed, "cannot connect to \(endpoint.host):\(endpoint.port): \(Self.reason(error, timeout: configuration.connectTimeout))"
            )
        }
        let eventLoop = connection.channel.eventLoop
        return try await connection.executeThenClose { inbound, outbound in
            let channel = SecureChannel(outbound: outbound, eventLoop: eventLoop, limits: limits, security: security, logger: logger)
            return try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
                group.addTask { await channel.run(inbound) }
                group.addTask { await channel.runWriter() }
                defer { group.cancelAll() }
                _ = try await channel.hello(endpointURL: configuration.endpoint, timeout: configuration.requestTimeout)
                let requestedLifetime = UInt32(clamping: configuration.tokenLifetime.components.seconds * 1000)
                try await channel.open(renew: false, requestedLifetime: requestedLifetime, timeout: configuration.requestTimeout)
                group.addTask { await renewTokens(channel, requestedLifetime: requestedLifetime, configuration: configuration, logger: logger) }
                do {
                    let result = try await body(channel)
                    await channel.close()
                    return result
                } catch {
                    await channel.close()
                    throw error
                }
            }
        }
    }

    /// Decodes a response message body (its encoding id, then the response) as a session does, turning a
    /// ServiceFault or a Bad service result into an ``OPCUAError``; for tools and benches that hold
    /// recorded responses.
    public static func decodeResponse<R: ServiceResponse>(_: R.Type, from body: ByteBuffer) throws -> R {
        try SecureChannel.decode(R.self, from: body, service: "\(R.self)")
    }

    /// Why a TCP connection failed, in words.
    private static func reason(_ error: any Error, timeout: Duration) -> String {
        let underlying = (error as? NIOConnectionError)?.connectionErrors.first?.error ?? error
        if let io = underlying as? IOError {
            switch io.errnoCode {
            case ECONNREFUSED: return "nothing listens on that port (connection refused)"
            case ENETUNREACH, EHOSTUNREACH: return "the host cannot be reached"
            default: return "\(io)"
            }
        }
        if case ChannelError.connectTimeout = underlying { return "no answer within \(timeout)" }
        if error is NIOConnectionError { return "the host name could not be resolved or no address answered" }
        return "\(error)"
    }

    /// Renews the channel token at 75 % of each lifetime the server grants, until the connection ends.
    private static func renewTokens(_ channel: SecureChannel, requestedLifetime: UInt32, configuration: Configuration, logger: Logger) async {
        while !Task.isCancelled {
            let lifetime = await channel.tokenLifetime
            guard lifetime > 0 else { return }
            do {
                try await Task.sleep(for: .milliseconds(Int64(lifetime) * 3 / 4))
                try await channel.open(renew: true, requestedLifetime: requestedLifetime, timeout: configuration.requestTimeout)
            } catch is CancellationError {
                return
            } catch {
                logger.warning("OPC UA: renewing the secure channel token failed: \(error)")
                return
            }
        }
    }
}
