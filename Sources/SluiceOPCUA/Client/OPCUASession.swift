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
/// ``OPCUAClient/withSession(_:logger:_:)``, valid inside its closure.
public actor OPCUASession {
    private let channel: SecureChannel
    private let configuration: OPCUAClient.Configuration
    private let logger: Logger
    private let authenticationToken: NodeId
    /// The endpoint the session runs on, as the server described it.
    public nonisolated let endpoint: EndpointDescription
    /// The session timeout the server granted, in milliseconds.
    public nonisolated let sessionTimeout: Double

    private struct SubscriptionState {
        var continuation: AsyncStream<[OPCUAValueChange]>.Continuation
        var nodes: [UInt32: NodeId]
        var lastSequence: UInt32?
        var publishingInterval: Double
        var keepAliveCount: UInt32
    }

    private var subscriptions: [UInt32: SubscriptionState] = [:]
    private var acknowledgements: [SubscriptionAcknowledgement] = []
    private var nextClientHandle: UInt32 = 0
    private var closed = false
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    /// What the subscriptions have seen so far.
    public private(set) var statistics = OPCUASubscriptionStatistics()
    /// Publish requests kept outstanding, so notifications flow while one answer is on the wire.
    static let outstandingPublishRequests = 3

    private init(
        channel: SecureChannel, configuration: OPCUAClient.Configuration, logger: Logger, authenticationToken: NodeId, endpoint: EndpointDescription,
        sessionTimeout: Double
    ) {
        self.channel = channel
        self.configuration = configuration
        self.logger = logger
        self.authenticationToken = authenticationToken
        self.endpoint = endpoint
        self.sessionTimeout = sessionTimeout
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Finds the endpoint with security None, creates a session and activates it with the configured user.
    static func create(
        on channel: SecureChannel, configuration: OPCUAClient.Configuration, endpoint known: EndpointDescription?, logger: Logger
    ) async throws -> OPCUASession {
        let timeout = configuration.requestTimeout
        let security = channel.security
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
        let description = ApplicationDescription(
            applicationURI: configuration.security.certificate?.applicationURI ?? configuration.applicationURI, productURI: "urn:sluice",
            applicationName: configuration.applicationName, applicationType: .client)
        let clientNonce = (0..<32).map { _ in UInt8.random(in: 0...255) }
        let created = try await channel.call(
            CreateSessionRequest(
                clientDescription: description, endpointURL: configuration.endpoint, sessionName: configuration.sessionName,
                clientNonce: clientNonce, clientCertificate: security?.local.der ?? configuration.security.certificate?.der,
                requestedSessionTimeout: Double(configuration.sessionTimeout.components.seconds * 1000),
                maxResponseMessageSize: configuration.limits.maxMessageSize),
            authenticationToken: .null, timeout: timeout, service: "CreateSession")
        let serverNonce = created.serverNonce ?? []
        var activate = ActivateSessionRequest(
            userIdentityToken: try identityToken(
                for: configuration.identity, endpoint: endpoint, serverNonce: serverNonce, serverCertificate: created.serverCertificate))
        if let security {
            // The server proves it holds its key by signing the client's certificate and nonce; the client
            // proves the same over the server's certificate and nonce.
            if let signature = created.serverSignature.signature, !signature.isEmpty,
                !security.remote.verifies(signature, of: security.local.der + clientNonce)
            {
                throw OPCUAError(.securityCheckFailed, "the server's CreateSession signature does not verify with its certificate")
            }
            activate.clientSignature = SignatureData(
                algorithm: ChannelSecurity.signatureAlgorithm, signature: try security.sign(security.remote.certificate + serverNonce))
        }
        do {
            _ = try await channel.call(activate, authenticationToken: created.authenticationToken, timeout: timeout, service: "ActivateSession")
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
        logger.debug("OPC UA: session \(created.sessionId) activated on \(configuration.endpoint)")
        return OPCUASession(
            channel: channel, configuration: configuration, logger: logger, authenticationToken: created.authenticationToken, endpoint: endpoint,
            sessionTimeout: created.revisedSessionTimeout)
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
        let (changes, continuation) = AsyncStream.makeStream(of: [OPCUAValueChange].self)
        var state = SubscriptionState(
            continuation: continuation, nodes: [:], lastSequence: nil, publishingInterval: created.revisedPublishingInterval,
            keepAliveCount: created.revisedMaxKeepAliveCount)
        var items: [MonitoredItem] = []
        for batch in stride(from: 0, to: nodes.count, by: 1000).map({ Array(nodes[$0..<min($0 + 1000, nodes.count)]) }) {
            let requests = batch.map { node -> MonitoredItemCreateRequest in
                nextClientHandle += 1
                state.nodes[nextClientHandle] = node
                return MonitoredItemCreateRequest(
                    nodeId: node, clientHandle: nextClientHandle, samplingInterval: samplingInterval, queueSize: queueSize, deadband: deadband)
            }
            let response = try await channel.call(
                CreateMonitoredItemsRequest(subscriptionId: created.subscriptionId, items: requests), authenticationToken: authenticationToken,
                timeout: configuration.requestTimeout, service: "CreateMonitoredItems")
            guard response.results.count == batch.count else {
                throw OPCUAError(.protocolViolation, "the server answered \(batch.count) monitored items with \(response.results.count) results")
            }
            items += zip(batch, response.results).map {
                MonitoredItem(nodeId: $0, status: $1.statusCode, samplingInterval: $1.revisedSamplingInterval)
            }
        }
        subscriptions[created.subscriptionId] = state
        wake.yield()
        return OPCUASubscription(id: created.subscriptionId, publishingInterval: created.revisedPublishingInterval, items: items, changes: changes)
    }

    /// Deletes a subscription; its stream of changes ends.
    public func unsubscribe(_ subscription: OPCUASubscription) async throws {
        subscriptions.removeValue(forKey: subscription.id)?.continuation.finish()
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
        _ = try? await channel.call(
            CloseSessionRequest(deleteSubscriptions: true), authenticationToken: authenticationToken, timeout: .seconds(2), service: "CloseSession")
        finishAll()
    }

    private func finishAll() {
        for state in subscriptions.values { state.continuation.finish() }
        subscriptions = [:]
        wake.finish()
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
            if closed { return }
        }
    }

    private func publishWhileSubscribed() async {
        while !closed, !subscriptions.isEmpty, !Task.isCancelled {
            let interval = subscriptions.values.map { $0.publishingInterval * Double($0.keepAliveCount) }.max() ?? 10_000
            let timeout = Duration.milliseconds(Int64(interval * 2)) + configuration.requestTimeout
            let acks = acknowledgements
            acknowledgements = []
            do {
                _ = try await channel.call(
                    PublishRequest(acknowledgements: acks), authenticationToken: authenticationToken, timeout: timeout, service: "Publish",
                    isPublish: true)
            } catch let error as OPCUAError {
                if error.code == .timeout, !closed {
                    // The server holds a Publish request for at most one keep-alive period: no answer in twice
                    // that means the connection is gone even if TCP has not noticed.
                    await channel.abandon(
                        OPCUAError(.timeout, "the server answered no Publish request within \(timeout): the connection is taken as lost"))
                    finishAll()
                    return
                }
                if error.code == .serviceFault, error.status?.code == StatusCode.badTooManyPublishRequests.code {
                    try? await Task.sleep(for: .milliseconds(100))
                    continue
                }
                if error.code == .serviceFault, error.status?.code == StatusCode.badNoSubscription.code { return }
                if !closed { logger.warning("OPC UA: Publish failed: \(error)") }
                if error.code == .connectionClosed || error.code == .protocolViolation || error.code == .serverError {
                    finishAll()
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
        finishAll()
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
        guard let state = subscriptions[id] else { return }
        statistics.messages += 1
        var changed: [OPCUAValueChange] = []
        defer { if !changed.isEmpty { state.continuation.yield(changed) } }
        for data in message.notificationData {
            do {
                if let changes = try data.decode(DataChangeNotification.self, typeId: DataChangeNotification.encodingId) {
                    changed.reserveCapacity(changes.monitoredItems.count)
                    for item in changes.monitoredItems {
                        guard let node = state.nodes[item.clientHandle] else { continue }
                        changed.append(OPCUAValueChange(nodeId: node, value: item.value, sequenceNumber: message.sequenceNumber))
                    }
                    statistics.valueChanges += changes.monitoredItems.count
                } else if let status = try data.decode(StatusChangeNotification.self, typeId: StatusChangeNotification.encodingId),
                    status.status.isBad
                {
                    logger.warning("OPC UA: subscription \(id) ended on the server: \(status.status)")
                    subscriptions.removeValue(forKey: id)?.continuation.finish()
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
