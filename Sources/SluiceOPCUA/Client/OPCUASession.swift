import Foundation
import Logging
import NIOCore

/// A value change delivered by a subscription: which node, its value with status and timestamps.
public struct OPCUAValueChange: Sendable, Hashable {
    /// The node.
    public var nodeId: NodeId
    /// The value, its status and its source and server timestamps.
    public var value: DataValue
    /// The sequence number of the notification message that carried it.
    public var sequenceNumber: UInt32
}

/// A subscription: its id, what the server granted, and the value changes as they arrive.
public struct OPCUASubscription: Sendable {
    /// The server's id for it.
    public var id: UInt32
    /// The publishing interval the server granted, in milliseconds.
    public var publishingInterval: Double
    /// The result of each monitored item, in the order asked.
    public var items: [MonitoredItem]
    /// The value changes of each notification message, in order; it ends when the session does.
    public var changes: AsyncStream<[OPCUAValueChange]>
}

/// A monitored item as the server created it.
public struct MonitoredItem: Sendable, Hashable {
    /// The node watched.
    public var nodeId: NodeId
    /// Whether the server could watch it (BadNodeIdUnknown for a node it does not have).
    public var status: StatusCode
    /// How often the server samples it, in milliseconds.
    public var samplingInterval: Double
}

/// What a session's subscriptions have seen: notifications delivered, recovered by Republish after a gap,
/// and lost (the server no longer had them).
public struct OPCUASubscriptionStatistics: Sendable, Equatable {
    /// Notification messages delivered.
    public var messages = 0
    /// Value changes delivered.
    public var valueChanges = 0
    /// Messages recovered with Republish after a gap in the sequence numbers.
    public var republished = 0
    /// Messages missing from the sequence that the server could not send again.
    public var lost = 0
    /// Keep-alives received.
    public var keepAlives = 0
}

/// An activated session on a secure channel: Browse, Read and subscriptions. Made by
/// ``OPCUAClient/withSession(_:resuming:logger:_:)``, valid inside its closure.
public actor OPCUASession {
    private let channel: SecureChannel
    private let configuration: OPCUAClient.Configuration
    private let logger: Logger
    private let authenticationToken: NodeId
    /// The endpoint the session runs on, as the server described it.
    public nonisolated let endpoint: EndpointDescription
    /// The session timeout the server granted, in milliseconds: how long the server keeps the session, and
    /// its subscriptions, after the connection is lost.
    public nonisolated let sessionTimeout: Double
    /// The server's id for the session.
    public nonisolated let sessionId: NodeId

    /// What the session knows of one subscription, kept across a lost connection so the session can carry
    /// on with it.
    struct SubscriptionRecord: Sendable {
        var nodes: [UInt32: NodeId]
        var items: [MonitoredItem]
        var lastSequence: UInt32?
        var publishingInterval: Double
        var keepAliveCount: UInt32
    }

    private var subscriptions: [UInt32: SubscriptionRecord] = [:]
    private var streams: [UInt32: AsyncStream<[OPCUAValueChange]>.Continuation] = [:]
    private var acknowledgements: [SubscriptionAcknowledgement] = []
    private var nextClientHandle: UInt32 = 0
    /// The nonce of the server's last CreateSession or ActivateSession answer: the next activation signs it.
    private let serverNonce: [UInt8]
    private let serverCertificate: [UInt8]?
    /// No more requests go out on this connection: the session was closed, or the connection lost.
    private var ended = false
    /// CloseSession was sent (or the session given up): ``close()`` does nothing more.
    private var closed = false
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    /// Whether this session is one made before a lost connection and reactivated on a new one (its
    /// subscriptions carried on by the server), rather than a new session.
    public nonisolated let isResumed: Bool
    /// The subscriptions a reactivated session carried on with, with new streams of changes that begin with
    /// what the server queued while the connection was down; empty for a new session.
    public nonisolated let resumedSubscriptions: [OPCUASubscription]
    /// What the subscriptions have seen so far.
    public private(set) var statistics = OPCUASubscriptionStatistics()
    /// Publish requests kept outstanding, so notifications flow while one answer is on the wire.
    static let outstandingPublishRequests = 3

    private init(
        channel: SecureChannel, configuration: OPCUAClient.Configuration, logger: Logger, activated: Activated, resuming: Resumption?
    ) {
        self.channel = channel
        self.configuration = configuration
        self.logger = logger
        authenticationToken = activated.authenticationToken
        sessionId = activated.sessionId
        endpoint = activated.endpoint
        sessionTimeout = activated.sessionTimeout
        serverNonce = activated.serverNonce
        serverCertificate = activated.serverCertificate
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        isResumed = resuming != nil
        var resumed: [OPCUASubscription] = []
        if let resuming {
            subscriptions = resuming.subscriptions
            acknowledgements = resuming.acknowledgements
            nextClientHandle = resuming.nextClientHandle
            for (id, record) in resuming.subscriptions.sorted(by: { $0.key < $1.key }) {
                let (changes, continuation) = AsyncStream.makeStream(of: [OPCUAValueChange].self)
                streams[id] = continuation
                resumed.append(OPCUASubscription(id: id, publishingInterval: record.publishingInterval, items: record.items, changes: changes))
            }
            if !resumed.isEmpty { wake.yield() }
        }
        resumedSubscriptions = resumed
    }

    /// What a session needs to be reactivated on a new connection: its token, the server's last nonce and
    /// certificate, and its subscriptions with the last notification delivered from each. Taken with
    /// ``resumption`` once the connection is lost, and given to ``OPCUAClient/withSession(_:resuming:logger:_:)``.
    public struct Resumption: Sendable {
        let authenticationToken: NodeId
        let sessionId: NodeId
        let serverNonce: [UInt8]
        let serverCertificate: [UInt8]?
        let sessionTimeout: Double
        let subscriptions: [UInt32: SubscriptionRecord]
        let acknowledgements: [SubscriptionAcknowledgement]
        let nextClientHandle: UInt32
    }

    /// This session as it stands, to be reactivated on a new connection after this one is lost.
    public var resumption: Resumption {
        Resumption(
            authenticationToken: authenticationToken, sessionId: sessionId, serverNonce: serverNonce, serverCertificate: serverCertificate,
            sessionTimeout: sessionTimeout, subscriptions: subscriptions, acknowledgements: acknowledgements, nextClientHandle: nextClientHandle)
    }

    /// Whether the connection under the session still works.
    public var isConnected: Bool {
        get async { await channel.closedReason == nil }
    }

    /// What CreateSession and ActivateSession gave.
    private struct Activated {
        var authenticationToken: NodeId
        var sessionId: NodeId
        var endpoint: EndpointDescription
        var sessionTimeout: Double
        var serverNonce: [UInt8]
        var serverCertificate: [UInt8]?
    }

    /// Finds the endpoint with security None (unless the endpoint is `known`), then reactivates the session
    /// `resuming` on this channel, or when there is none or the server no longer has it, creates a session
    /// and activates it with the configured user.
    static func create(
        on channel: SecureChannel, configuration: OPCUAClient.Configuration, endpoint known: EndpointDescription?, resuming: Resumption?,
        logger: Logger
    ) async throws -> OPCUASession {
        let timeout = configuration.requestTimeout
        var endpoint: EndpointDescription
        if let known {
            endpoint = known
        } else {
            let endpoints = try await channel.call(
                GetEndpointsRequest(endpointURL: configuration.endpoint), authenticationToken: .null, timeout: timeout, service: "GetEndpoints"
            ).endpoints
            guard let none = endpoints.first(where: { $0.mode == MessageSecurityMode.none && $0.securityPolicyURI == SecureChannel.policyNone })
            else {
                throw OPCUAError(
                    .unsupportedEndpoint,
                    "the server at \(configuration.endpoint) offers no endpoint with security None; it offers: \(describe(endpoints)) "
                        + "(choose a security mode for the connection)")
            }
            endpoint = none
        }
        if let resuming {
            do {
                let nonce = try await activate(
                    resuming.authenticationToken, on: channel, configuration: configuration, endpoint: endpoint, serverNonce: resuming.serverNonce,
                    serverCertificate: resuming.serverCertificate)
                logger.info("OPC UA: session \(resuming.sessionId) reactivated on a new connection to \(configuration.endpoint)")
                let activated = Activated(
                    authenticationToken: resuming.authenticationToken, sessionId: resuming.sessionId, endpoint: endpoint,
                    sessionTimeout: resuming.sessionTimeout, serverNonce: nonce,
                    serverCertificate: resuming.serverCertificate)
                return OPCUASession(channel: channel, configuration: configuration, logger: logger, activated: activated, resuming: resuming)
            } catch let error as OPCUAError where error.code == .serviceFault {
                // A restarted server, or one that let the session time out or ends sessions with their
                // connection, refuses the old token: a new session it is.
                logger.info("OPC UA: session \(resuming.sessionId) cannot be reactivated (\(error)); creating a new one")
            }
        }
        let description = ApplicationDescription(
            applicationURI: configuration.security.certificate?.applicationURI ?? configuration.applicationURI, productURI: "urn:sluice",
            applicationName: configuration.applicationName, applicationType: .client)
        let clientNonce = (0..<32).map { _ in UInt8.random(in: 0...255) }
        let security = channel.security
        let created = try await channel.call(
            CreateSessionRequest(
                clientDescription: description, endpointURL: configuration.endpoint, sessionName: configuration.sessionName,
                clientNonce: clientNonce, clientCertificate: security?.local.der ?? configuration.security.certificate?.der,
                requestedSessionTimeout: Double(configuration.sessionTimeout.components.seconds * 1000),
                maxResponseMessageSize: configuration.limits.maxMessageSize),
            authenticationToken: .null, timeout: timeout, service: "CreateSession")
        // The server proves it holds its key by signing the client's certificate and nonce.
        if let security, let signature = created.serverSignature.signature, !signature.isEmpty,
            !security.remote.verifies(signature, of: security.local.der + clientNonce)
        {
            throw OPCUAError(.securityCheckFailed, "the server's CreateSession signature does not verify with its certificate")
        }
        let nonce = try await activate(
            created.authenticationToken, on: channel, configuration: configuration, endpoint: endpoint, serverNonce: created.serverNonce ?? [],
            serverCertificate: created.serverCertificate)
        logger.debug("OPC UA: session \(created.sessionId) activated on \(configuration.endpoint)")
        let activated = Activated(
            authenticationToken: created.authenticationToken, sessionId: created.sessionId, endpoint: endpoint,
            sessionTimeout: created.revisedSessionTimeout, serverNonce: nonce, serverCertificate: created.serverCertificate)
        return OPCUASession(channel: channel, configuration: configuration, logger: logger, activated: activated, resuming: nil)
    }

    /// Activates the session of `token` on `channel` with the configured user, signing the server's
    /// certificate and last nonce with the client's key when the channel is secured (the server checks the
    /// client holds the key), and returns the server's next nonce.
    private static func activate(
        _ token: NodeId, on channel: SecureChannel, configuration: OPCUAClient.Configuration, endpoint: EndpointDescription, serverNonce: [UInt8],
        serverCertificate: [UInt8]?
    ) async throws -> [UInt8] {
        var activate = ActivateSessionRequest(
            userIdentityToken: try identityToken(
                for: configuration.identity, endpoint: endpoint, serverNonce: serverNonce, serverCertificate: serverCertificate))
        if let security = channel.security {
            activate.clientSignature = SignatureData(
                algorithm: ChannelSecurity.signatureAlgorithm, signature: try security.sign(security.remote.certificate + serverNonce))
        }
        do {
            let response = try await channel.call(
                activate, authenticationToken: token, timeout: configuration.requestTimeout, service: "ActivateSession")
            return response.serverNonce ?? []
        } catch let error as OPCUAError where error.code == .serviceFault {
            let status = error.status ?? .badUnexpectedError
            let denied = [StatusCode.badUserAccessDenied, .badIdentityTokenRejected, StatusCode(0x8020_0000)].contains { $0.code == status.code }
            guard denied else { throw error }
            switch configuration.identity {
            case .anonymous:
                throw OPCUAError(.accessDenied, "the server at \(configuration.endpoint) refused an anonymous user", status: status)
            case .userName(let user, _):
                throw OPCUAError(
                    .accessDenied, "the server at \(configuration.endpoint) refused user '\(user)': wrong user name or password", status: status)
            }
        }
    }

    /// `Basic256Sha256 SignAndEncrypt, None None`: the endpoints a server offers, for error messages.
    static func describe(_ endpoints: [EndpointDescription]) -> String {
        endpoints.map { "\($0.securityPolicyURI?.split(separator: "#").last ?? "?") \($0.mode?.description ?? "?")" }.joined(separator: ", ")
    }

    /// The identity token for `identity` under the endpoint's policy for it. A password travels encrypted
    /// with the server's key together with its nonce when the policy says Basic256Sha256 (the token's own
    /// policy, or the endpoint's when the token names none), plain when it says None.
    private static func identityToken(
        for identity: OPCUAClient.Identity, endpoint: EndpointDescription, serverNonce: [UInt8], serverCertificate: [UInt8]?
    ) throws -> ExtensionObject {
        let policies = endpoint.userIdentityTokens
        switch identity {
        case .anonymous:
            guard let policy = policies.first(where: { $0.tokenType == UserTokenPolicy.TokenType.anonymous.rawValue }) else {
                throw OPCUAError(.accessDenied, "the server does not accept anonymous users; give a user name and password")
            }
            return ExtensionObject(encoding: AnonymousIdentityToken(policyId: policy.policyId), typeId: AnonymousIdentityToken.encodingId)
        case .userName(let user, let password):
            guard let policy = policies.first(where: { $0.tokenType == UserTokenPolicy.TokenType.userName.rawValue }) else {
                throw OPCUAError(.unsupportedEndpoint, "the server's endpoint does not accept user names")
            }
            let uri = policy.securityPolicyURI.flatMap { $0.isEmpty ? nil : $0 } ?? endpoint.securityPolicyURI ?? SecureChannel.policyNone
            var secret = Array(password.utf8)
            var algorithm: String?
            switch uri {
            case SecureChannel.policyNone:
                break
            case ChannelSecurity.policyURI:
                guard let certificate = [serverCertificate, endpoint.serverCertificate].compactMap({ $0 }).first(where: { !$0.isEmpty }) else {
                    throw OPCUAError(.securityCheckFailed, "the server wants the password encrypted but gives no certificate to encrypt it with")
                }
                let length = UInt32(secret.count + serverNonce.count)
                secret = try RemoteKey(certificate: certificate).encrypt(withUnsafeBytes(of: length.littleEndian, Array.init) + secret + serverNonce)
                algorithm = ChannelSecurity.passwordAlgorithm
            default:
                throw OPCUAError(
                    .unsupportedEndpoint,
                    "the server wants the password protected with \(uri.split(separator: "#").last ?? Substring(uri)); Sluice supports None and Basic256Sha256"
                )
            }
            return ExtensionObject(
                encoding: UserNameIdentityToken(policyId: policy.policyId, userName: user, password: secret, encryptionAlgorithm: algorithm),
                typeId: UserNameIdentityToken.encodingId)
        }
    }

    /// How many times the secure channel's token has been renewed in this session.
    public var channelRenewals: Int {
        get async { await channel.renewals }
    }

    // MARK: Services

    /// Reads `attribute` (the value by default) of each node, with source and server timestamps.
    public func read(_ nodes: [NodeId], attribute: AttributeId = .value) async throws -> [DataValue] {
        let response = try await channel.call(
            ReadRequest(nodesToRead: nodes.map { ReadValueId(nodeId: $0, attribute: attribute) }), authenticationToken: authenticationToken,
            timeout: configuration.requestTimeout, service: "Read")
        guard response.results.count == nodes.count else {
            throw OPCUAError(.protocolViolation, "the server answered a Read of \(nodes.count) nodes with \(response.results.count) values")
        }
        return response.results
    }

    /// The references from `node` (hierarchical, forward, by default), asking for at most
    /// `maxReferencesPerAnswer` at a time and following continuation points to the end.
    public func browse(
        _ node: NodeId, direction: BrowseDescription.Direction = .forward, referenceType: NodeId = NodeId(numeric: 33),
        maxReferencesPerAnswer: UInt32 = 1000
    ) async throws -> [ReferenceDescription] {
        let first = try await channel.call(
            BrowseRequest(
                nodesToBrowse: [BrowseDescription(nodeId: node, direction: direction, referenceTypeId: referenceType)],
                requestedMaxReferencesPerNode: maxReferencesPerAnswer),
            authenticationToken: authenticationToken, timeout: configuration.requestTimeout, service: "Browse")
        guard var result = first.results.first else { throw OPCUAError(.protocolViolation, "the server answered a Browse with no result") }
        guard !result.statusCode.isBad else { throw OPCUAError(.serviceFault, "cannot browse \(node)", status: result.statusCode) }
        var references = result.references
        while let point = result.continuationPoint, !point.isEmpty {
            let next = try await channel.call(
                BrowseNextRequest(continuationPoints: [point]), authenticationToken: authenticationToken, timeout: configuration.requestTimeout,
                service: "BrowseNext")
            guard let nextResult = next.results.first, !nextResult.statusCode.isBad else {
                throw OPCUAError(.serviceFault, "cannot continue browsing \(node)", status: next.results.first?.statusCode)
            }
            result = nextResult
            references += result.references
        }
        return references
    }

    /// A variable's unit: the value of its EngineeringUnits property (HasProperty, i=46), nil when it has
    /// none.
    public func engineeringUnits(of node: NodeId) async throws -> EUInformation? {
        let properties = try await browse(node, referenceType: NodeId(numeric: 46))
        guard let units = properties.first(where: { $0.browseName.name == "EngineeringUnits" }),
            case .extensionObject(let object) = try await read([units.nodeId.nodeId])[0].value
        else { return nil }
        return try? object.decode(EUInformation.self, typeId: EUInformation.encodingId)
    }

    /// Subscribes to the values of `nodes`: the server samples each every `samplingInterval` milliseconds
    /// (-1: the publishing interval) and sends what changed (beyond `deadband`, if given) every
    /// `publishingInterval` milliseconds, or a keep-alive every ten seconds when nothing did.
    public func subscribe(
        _ nodes: [NodeId], publishingInterval: Double = 1000, samplingInterval: Double = -1, queueSize: UInt32 = 10, deadband: Double = 0
    ) async throws -> OPCUASubscription {
        let keepAlive = UInt32(max(1, min(1000, (10_000 / max(publishingInterval, 1)).rounded(.up))))
        let created = try await channel.call(
            CreateSubscriptionRequest(publishingInterval: publishingInterval, lifetimeCount: keepAlive * 6, maxKeepAliveCount: keepAlive),
            authenticationToken: authenticationToken, timeout: configuration.requestTimeout, service: "CreateSubscription")
        var record = SubscriptionRecord(
            nodes: [:], items: [], lastSequence: nil, publishingInterval: created.revisedPublishingInterval,
            keepAliveCount: created.revisedMaxKeepAliveCount)
        for batch in stride(from: 0, to: nodes.count, by: 1000).map({ Array(nodes[$0..<min($0 + 1000, nodes.count)]) }) {
            let requests = batch.map { node -> MonitoredItemCreateRequest in
                nextClientHandle += 1
                record.nodes[nextClientHandle] = node
                return MonitoredItemCreateRequest(
                    nodeId: node, clientHandle: nextClientHandle, samplingInterval: samplingInterval, queueSize: queueSize, deadband: deadband)
            }
            let response = try await channel.call(
                CreateMonitoredItemsRequest(subscriptionId: created.subscriptionId, items: requests), authenticationToken: authenticationToken,
                timeout: configuration.requestTimeout, service: "CreateMonitoredItems")
            guard response.results.count == batch.count else {
                throw OPCUAError(.protocolViolation, "the server answered \(batch.count) monitored items with \(response.results.count) results")
            }
            record.items += zip(batch, response.results).map {
                MonitoredItem(nodeId: $0, status: $1.statusCode, samplingInterval: $1.revisedSamplingInterval)
            }
        }
        let (changes, continuation) = AsyncStream.makeStream(of: [OPCUAValueChange].self)
        subscriptions[created.subscriptionId] = record
        streams[created.subscriptionId] = continuation
        wake.yield()
        return OPCUASubscription(
            id: created.subscriptionId, publishingInterval: created.revisedPublishingInterval, items: record.items, changes: changes)
    }

    /// Deletes a subscription; its stream of changes ends.
    public func unsubscribe(_ subscription: OPCUASubscription) async throws {
        forget(subscription.id)
        let response = try await channel.call(
            DeleteSubscriptionsRequest(subscriptionIds: [subscription.id]), authenticationToken: authenticationToken,
            timeout: configuration.requestTimeout, service: "DeleteSubscriptions")
        if let status = response.results.first, status.isBad {
            throw OPCUAError(.serviceFault, "the server could not delete subscription \(subscription.id)", status: status)
        }
    }

    /// Closes the session on the server (deleting its subscriptions) and ends every stream of changes.
    func close() async {
        guard !closed else { return }
        closed = true
        if !ended {
            _ = try? await channel.call(
                CloseSessionRequest(deleteSubscriptions: true), authenticationToken: authenticationToken, timeout: .seconds(2),
                service: "CloseSession")
        }
        end()
        subscriptions = [:]
    }

    /// Ends every stream of changes and stops publishing on this connection. The subscriptions' records
    /// stay, so that a ``resumption`` can carry on with them.
    private func end() {
        ended = true
        for continuation in streams.values { continuation.finish() }
        streams = [:]
        wake.finish()
    }

    /// Drops a subscription the server no longer has (or was asked to delete) and ends its stream.
    private func forget(_ id: UInt32) {
        subscriptions.removeValue(forKey: id)
        streams.removeValue(forKey: id)?.finish()
    }

    // MARK: Publishing

    /// Keeps ``outstandingPublishRequests`` Publish requests with the server while any subscription exists,
    /// each carrying the acknowledgements gathered since the last.
    func keepPublishing() async {
        for await _ in wakeups {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<Self.outstandingPublishRequests {
                    group.addTask { await self.publishWhileSubscribed() }
                }
            }
            if ended { return }
        }
    }

    private func publishWhileSubscribed() async {
        while !ended, !subscriptions.isEmpty, !Task.isCancelled {
            let interval = subscriptions.values.map { $0.publishingInterval * Double($0.keepAliveCount) }.max() ?? 10_000
            let timeout = Duration.milliseconds(Int64(interval * 2)) + configuration.requestTimeout
            let acks = acknowledgements
            acknowledgements = []
            do {
                _ = try await channel.call(
                    PublishRequest(acknowledgements: acks), authenticationToken: authenticationToken, timeout: timeout, service: "Publish",
                    isPublish: true)
            } catch let error as OPCUAError {
                if error.code == .timeout, !ended {
                    // The server holds a Publish request for at most one keep-alive period: no answer in twice
                    // that means the connection is gone even if TCP has not noticed.
                    await channel.abandon(
                        OPCUAError(.timeout, "the server answered no Publish request within \(timeout): the connection is taken as lost"))
                    end()
                    return
                }
                if error.code == .serviceFault, error.status?.code == StatusCode.badTooManyPublishRequests.code {
                    try? await Task.sleep(for: .milliseconds(100))
                    continue
                }
                if error.code == .serviceFault, error.status?.code == StatusCode.badNoSubscription.code {
                    // The server has none of the session's subscriptions: they timed out while the connection
                    // was down. Their streams end, so whoever reads them can subscribe again.
                    if !subscriptions.isEmpty {
                        logger.warning("OPC UA: the server no longer has subscription(s) \(subscriptions.keys.sorted()) of the reactivated session")
                        for id in Array(subscriptions.keys) { forget(id) }
                    }
                    return
                }
                if !ended { logger.warning("OPC UA: Publish failed: \(error)") }
                if error.code == .connectionClosed || error.code == .protocolViolation || error.code == .serverError {
                    end()
                    return
                }
            } catch {
                return
            }
        }
    }

    /// Handles Publish responses in the order they arrived: delivers data changes, asks again with
    /// Republish for any message missing from the sequence, and queues the acknowledgements.
    func processPublishResponses() async {
        for await body in channel.publishResponses {
            guard let response = try? SecureChannel.decode(PublishResponse.self, from: body, service: "Publish") else { continue }
            await handle(response)
        }
        end()
    }

    private func handle(_ response: PublishResponse) async {
        let id = response.subscriptionId
        guard subscriptions[id] != nil else { return }
        let message = response.notificationMessage
        let isKeepAlive = message.notificationData.isEmpty
        // A data message carries its own sequence number, a keep-alive the next one to be used: either way,
        // every number below it and above the last delivered one is missing.
        let upTo = message.sequenceNumber
        if let last = subscriptions[id]?.lastSequence, upTo > last &+ 1, upTo &- last < 10_000 {
            for missing in (last &+ 1)..<upTo { await republish(subscription: id, sequenceNumber: missing) }
        }
        if isKeepAlive {
            statistics.keepAlives += 1
            if subscriptions[id]?.lastSequence == nil { subscriptions[id]?.lastSequence = message.sequenceNumber &- 1 }
            return
        }
        deliver(message, subscription: id)
    }

    private func republish(subscription id: UInt32, sequenceNumber: UInt32) async {
        do {
            let response = try await channel.call(
                RepublishRequest(subscriptionId: id, sequenceNumber: sequenceNumber), authenticationToken: authenticationToken,
                timeout: configuration.requestTimeout, service: "Republish")
            statistics.republished += 1
            deliver(response.notificationMessage, subscription: id)
        } catch {
            statistics.lost += 1
            logger.warning("OPC UA: notification \(sequenceNumber) of subscription \(id) is lost: \(error)")
            subscriptions[id]?.lastSequence = sequenceNumber
        }
    }

    private func deliver(_ message: NotificationMessage, subscription id: UInt32) {
        guard let record = subscriptions[id] else { return }
        statistics.messages += 1
        var changed: [OPCUAValueChange] = []
        defer { if !changed.isEmpty { streams[id]?.yield(changed) } }
        for data in message.notificationData {
            do {
                if let changes = try data.decode(DataChangeNotification.self, typeId: DataChangeNotification.encodingId) {
                    changed.reserveCapacity(changes.monitoredItems.count)
                    for item in changes.monitoredItems {
                        guard let node = record.nodes[item.clientHandle] else { continue }
                        changed.append(OPCUAValueChange(nodeId: node, value: item.value, sequenceNumber: message.sequenceNumber))
                    }
                    statistics.valueChanges += changes.monitoredItems.count
                } else if let status = try data.decode(StatusChangeNotification.self, typeId: StatusChangeNotification.encodingId),
                    status.status.isBad
                {
                    logger.warning("OPC UA: subscription \(id) ended on the server: \(status.status)")
                    forget(id)
                    return
                }
            } catch {
                logger.warning("OPC UA: a malformed notification in subscription \(id) was skipped: \(error)")
            }
        }
        subscriptions[id]?.lastSequence = message.sequenceNumber
        acknowledgements.append(SubscriptionAcknowledgement(subscriptionId: id, sequenceNumber: message.sequenceNumber))
    }
}
