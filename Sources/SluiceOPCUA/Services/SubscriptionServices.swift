public import NIOCore

/// CreateSubscription (Part 4, 5.13.2).
public struct CreateSubscriptionRequest: ServiceRequest {
    /// The response type.
    public typealias Response = CreateSubscriptionResponse
    /// CreateSubscriptionRequest_Encoding_DefaultBinary.
    public static let encodingId: UInt32 = 787
    /// The header.
    public var requestHeader = RequestHeader()
    /// How often the server sends what changed, in milliseconds.
    public var requestedPublishingInterval: Double
    /// Publishing intervals without a Publish request before the subscription dies (≥ 3 × keep-alive).
    public var requestedLifetimeCount: UInt32
    /// Empty publishing intervals before the server sends a keep-alive.
    public var requestedMaxKeepAliveCount: UInt32
    /// Most notifications in one Publish response (0: no limit).
    public var maxNotificationsPerPublish: UInt32
    /// Whether publishing starts at once.
    public var publishingEnabled: Bool
    /// Relative priority among the session's subscriptions.
    public var priority: UInt8

    /// A request.
    public init(publishingInterval: Double, lifetimeCount: UInt32, maxKeepAliveCount: UInt32, maxNotificationsPerPublish: UInt32 = 0) {
        requestedPublishingInterval = publishingInterval
        requestedLifetimeCount = lifetimeCount
        requestedMaxKeepAliveCount = maxKeepAliveCount
        self.maxNotificationsPerPublish = maxNotificationsPerPublish
        publishingEnabled = true
        priority = 0
    }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(requestHeader)
        buffer.writeUA(requestedPublishingInterval)
        buffer.writeUA(requestedLifetimeCount)
        buffer.writeUA(requestedMaxKeepAliveCount)
        buffer.writeUA(maxNotificationsPerPublish)
        buffer.writeUA(publishingEnabled)
        buffer.writeUA(priority)
    }
}

/// The new subscription.
public struct CreateSubscriptionResponse: ServiceResponse {
    /// CreateSubscriptionResponse_Encoding_DefaultBinary.
    public static let encodingId: UInt32 = 790
    /// The header.
    public var responseHeader: ResponseHeader
    /// Its id.
    public var subscriptionId: UInt32
    /// The publishing interval granted.
    public var revisedPublishingInterval: Double
    /// The lifetime count granted.
    public var revisedLifetimeCount: UInt32
    /// The keep-alive count granted.
    public var revisedMaxKeepAliveCount: UInt32

    /// Reads the binary encoding.
    public init(from r: inout OPCUAReader) throws(OPCUADecodingError) {
        responseHeader = try r.read()
        subscriptionId = try r.read(UInt32.self, "a subscription id")
        revisedPublishingInterval = try r.readDouble()
        revisedLifetimeCount = try r.read(UInt32.self, "a lifetime count")
        revisedMaxKeepAliveCount = try r.read(UInt32.self, "a keep-alive count")
    }
}

/// A deadband on data changes (Part 4, 7.22.2).
public struct DataChangeFilter: Sendable, Hashable, OPCUACodable {
    /// DataChangeFilter_Encoding_DefaultBinary.
    public static let encodingId: UInt32 = 724
    /// What counts as a change: 0 status, 1 status or value, 2 status, value or timestamp.
    public var trigger: Int32
    /// 0 none, 1 absolute, 2 percent of the EU range.
    public var deadbandType: UInt32
    /// The deadband.
    public var deadbandValue: Double

    /// A filter reporting changes of status or value beyond an absolute deadband.
    public init(absoluteDeadband: Double) {
        trigger = 1
        deadbandType = absoluteDeadband > 0 ? 1 : 0
        deadbandValue = absoluteDeadband
    }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(trigger)
        buffer.writeUA(deadbandType)
        buffer.writeUA(deadbandValue)
    }

    /// Reads the binary encoding.
    public init(from r: inout OPCUAReader) throws(OPCUADecodingError) {
        trigger = try r.read(Int32.self, "a trigger")
        deadbandType = try r.read(UInt32.self, "a deadband type")
        deadbandValue = try r.readDouble()
    }
}

/// One monitored item to create (Part 4, 7.21 and 5.12.2).
public struct MonitoredItemCreateRequest: Sendable, Hashable, OPCUAEncodable {
    /// The value to watch.
    public var itemToMonitor: ReadValueId
    /// The client's handle, which notifications carry.
    public var clientHandle: UInt32
    /// How often the server samples, in milliseconds (-1: the publishing interval).
    public var samplingInterval: Double
    /// A data change filter, or empty.
    public var filter: ExtensionObject
    /// Values queued between publishes.
    public var queueSize: UInt32
    /// Whether the oldest value is dropped when the queue is full.
    public var discardOldest: Bool

    /// An item reporting every change of `nodeId`'s value.
    public init(nodeId: NodeId, clientHandle: UInt32, samplingInterval: Double, queueSize: UInt32, deadband: Double = 0) {
        itemToMonitor = ReadValueId(nodeId: nodeId)
        self.clientHandle = clientHandle
        self.samplingInterval = samplingInterval
        filter = deadband > 0 ? ExtensionObject(encoding: DataChangeFilter(absoluteDeadband: deadband), typeId: DataChangeFilter.encodingId) : .empty
        self.queueSize = queueSize
        discardOldest = true
    }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(itemToMonitor)
        buffer.writeUA(Int32(2))  // MonitoringMode Reporting
        buffer.writeUA(clientHandle)
        buffer.writeUA(samplingInterval)
        buffer.writeUA(filter)
        buffer.writeUA(queueSize)
        buffer.writeUA(discardOldest)
    }
}

/// CreateMonitoredItems (Part 4, 5.12.2).
public struct CreateMonitoredItemsRequest: ServiceRequest {
    /// The response type.
    public typealias Response = CreateMonitoredItemsResponse
    /// CreateMonitoredItemsRequest_Encoding_DefaultBinary.
    public static let encodingId: UInt32 = 751
    /// The header.
    public var requestHeader = RequestHeader()
    /// The subscription.
    public var subscriptionId: UInt32
    /// Which timestamps notifications carry.
    public var timestampsToReturn: TimestampsToReturn
    /// The items.
    public var itemsToCreate: [MonitoredItemCreateRequest]

    /// A request.
    public init(subscriptionId: UInt32, items: [MonitoredItemCreateRequest], timestampsToReturn: TimestampsToReturn = .both) {
        self.subscriptionId = subscriptionId
        itemsToCreate = items
        self.timestampsToReturn = timestampsToReturn
    }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(requestHeader)
        buffer.writeUA(subscriptionId)
        buffer.writeUA(timestampsToReturn.rawValue)
        buffer.writeUA(array: itemsToCreate)
    }
}

/// One created item.
public struct MonitoredItemCreateResult: Sendable, Hashable, OPCUACodable {
    /// Whether it was created.
    public var statusCode: StatusCode
    /// The server's id for it.
    public var monitoredItemId: UInt32
    /// The sampling interval granted.
    public var revisedSamplingInterval: Double
    /// The queue size granted.
    public var revisedQueueSize: UInt32
    /// The filter's result.
    public var filterResult: ExtensionObject

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(statusCode)
        buffer.writeUA(monitoredItemId)
        buffer.writeUA(revisedSamplingInterval)
        buffer.writeUA(revisedQueueSize)
        buffer.writeUA(filterResult)
    }

    /// Reads the binary encoding.
    public init(from r: inout OPCUAReader) throws(OPCUADecodingError) {
        statusCode = try r.read()
        monitoredItemId = try r.read(UInt32.self, "a monitored item id")
        revisedSamplingInterval = try r.readDouble()
        revisedQueueSize = try r.read(UInt32.self, "a queue size")
        filterResult = try r.read()
    }
}

/// The created items, in order.
public struct CreateMonitoredItemsResponse: ServiceResponse {
    /// CreateMonitoredItemsResponse_Encoding_DefaultBinary.
    public static let encodingId: UInt32 = 754
    /// The header.
    public var responseHeader: ResponseHeader
    /// The results.
    public var results: [MonitoredItemCreateResult]

    /// Reads the binary encoding.
    public init(from r: inout OPCUAReader) throws(OPCUADecodingError) {
        responseHeader = try r.read()
        results = try r.readArray(of: MonitoredItemCreateResult.self, "monitored item results")
        _ = try r.readDiagnostics()
    }
}

/// A notification received, acknowledged in a later Publish (Part 4, 7.38).
public struct SubscriptionAcknowledgement: Sendable, Hashable, OPCUAEncodable {
    /// The subscription.
    public var subscriptionId: UInt32
    /// The notification's sequence number.
    public var sequenceNumber: UInt32

    /// An acknowledgement.
    public init(subscriptionId: UInt32, sequenceNumber: UInt32) {
        self.subscriptionId = subscriptionId
        self.sequenceNumber = sequenceNumber
    }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(subscriptionId)
        buffer.writeUA(sequenceNumber)
    }
}

/// Publish: lend the server a request it answers with notifications or a keep-alive (Part 4, 5.13.5).
public struct PublishRequest: ServiceRequest {
    /// The response type.
    public typealias Response = PublishResponse
    /// PublishRequest_Encoding_DefaultBinary.
    public static let encodingId: UInt32 = 826
    /// The header.
    public var requestHeader = RequestHeader()
    /// Notifications received since the last Publish.
    public var acknowledgements: [SubscriptionAcknowledgement]

    /// A request.
    public init(acknowledgements: [SubscriptionAcknowledgement]) { self.acknowledgements = acknowledgements }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(requestHeader)
        buffer.writeUA(array: acknowledgements)
    }
}

/// A numbered batch of notifications (Part 4, 7.25).
public struct NotificationMessage: Sendable, Hashable, OPCUACodable {
    /// Its sequence number (keep-alives carry the next one, and no data).
    public var sequenceNumber: UInt32
    /// When the server sent it.
    public var publishTime: DateTime
    /// Data changes, events or a status change.
    public var notificationData: [ExtensionObject]

    /// A message.
    public init(sequenceNumber: UInt32, publishTime: DateTime, notificationData: [ExtensionObject]) {
        self.sequenceNumber = sequenceNumber
        self.publishTime = publishTime
        self.notificationData = notificationData
    }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(sequenceNumber)
        buffer.writeUA(publishTime)
        buffer.writeUA(array: notificationData)
    }

    /// Reads the binary encoding.
    public init(from r: inout OPCUAReader) throws(OPCUADecodingError) {
        sequenceNumber = try r.read(UInt32.self, "a sequence number")
        publishTime = try r.read()
        notificationData = try r.readArray(of: ExtensionObject.self, "notifications")
    }
}

/// The answer to Publish.
public struct PublishResponse: ServiceResponse, OPCUAEncodable {
    /// PublishResponse_Encoding_DefaultBinary.
    public static let encodingId: UInt32 = 829
    /// The header.
    public var responseHeader: ResponseHeader
    /// The subscription it is for.
    public var subscriptionId: UInt32
    /// Sequence numbers the server still holds for Republish.
    public var availableSequenceNumbers: [UInt32]
    /// Whether more notifications wait.
    public var moreNotifications: Bool
    /// The notifications.
    public var notificationMessage: NotificationMessage
    /// The outcome of each acknowledgement.
    public var results: [StatusCode]

    /// A response (for tests and recorded benches).
    public init(subscriptionId: UInt32, notificationMessage: NotificationMessage) {
        responseHeader = ResponseHeader(requestHandle: 0)
        self.subscriptionId = subscriptionId
        availableSequenceNumbers = [notificationMessage.sequenceNumber]
        moreNotifications = false
        self.notificationMessage = notificationMessage
        results = []
    }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(responseHeader)
        buffer.writeUA(subscriptionId)
        buffer.writeUA(integers: availableSequenceNumbers)
        buffer.writeUA(moreNotifications)
        buffer.writeUA(notificationMessage)
        buffer.writeUA(array: results)
        buffer.writeUA(array: [DiagnosticInfo]())
    }

    /// Reads the binary encoding.
    public init(from r: inout OPCUAReader) throws(OPCUADecodingError) {
        responseHeader = try r.read()
        subscriptionId = try r.read(UInt32.self, "a subscription id")
        availableSequenceNumbers = try r.readArray("available sequence numbers") { (r: inout OPCUAReader) throws(OPCUADecodingError) in
            try r.read(UInt32.self, "a sequence number")
        }
        moreNotifications = try r.readBoolean()
        notificationMessage = try r.read()
        results = try r.readStatusCodes("acknowledgement results")
        _ = try r.readDiagnostics()
    }
}

/// Republish: ask again for a notification that was lost (Part 4, 5.13.6).
public struct RepublishRequest: ServiceRequest {
    /// The response type.
    public typealias Response = RepublishResponse
    /// RepublishRequest_Encoding_DefaultBinary.
    public static let encodingId: UInt32 = 832
    /// The header.
    public var requestHeader = RequestHeader()
    /// The subscription.
    public var subscriptionId: UInt32
    /// The sequence number wanted.
    public var retransmitSequenceNumber: UInt32

    /// A request.
    public init(subscriptionId: UInt32, sequenceNumber: UInt32) {
        self.subscriptionId = subscriptionId
        retransmitSequenceNumber = sequenceNumber
    }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(requestHeader)
        buffer.writeUA(subscriptionId)
        buffer.writeUA(retransmitSequenceNumber)
    }
}

/// The notification asked for again.
public struct RepublishResponse: ServiceResponse {
    /// RepublishResponse_Encoding_DefaultBinary.
    public static let encodingId: UInt32 = 835
    /// The header.
    public var responseHeader: ResponseHeader
    /// The notification.
    public var notificationMessage: NotificationMessage

    /// Reads the binary encoding.
    public init(from r: inout OPCUAReader) throws(OPCUADecodingError) {
        responseHeader = try r.read()
        notificationMessage = try r.read()
    }
}

/// DeleteSubscriptions (Part 4, 5.13.8).
public struct DeleteSubscriptionsRequest: ServiceRequest {
    /// The response type.
    public typealias Response = DeleteSubscriptionsResponse
    /// DeleteSubscriptionsRequest_Encoding_DefaultBinary.
    public static let encodingId: UInt32 = 847
    /// The header.
    public var requestHeader = RequestHeader()
    /// The subscriptions.
    public var subscriptionIds: [UInt32]

    /// A request.
    public init(subscriptionIds: [UInt32]) { self.subscriptionIds = subscriptionIds }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(requestHeader)
        buffer.writeUA(integers: subscriptionIds)
    }
}

/// The deleted subscriptions.
public struct DeleteSubscriptionsResponse: ServiceResponse {
    /// DeleteSubscriptionsResponse_Encoding_DefaultBinary.
    public static let encodingId: UInt32 = 850
    /// The header.
    public var responseHeader: ResponseHeader
    /// One result per subscription.
    public var results: [StatusCode]

    /// Reads the binary encoding.
    public init(from r: inout OPCUAReader) throws(OPCUADecodingError) {
        responseHeader = try r.read()
        results = try r.readStatusCodes("results")
        _ = try r.readDiagnostics()
    }
}

/// One changed value of a monitored item (Part 4, 7.23.2).
public struct MonitoredItemNotification: Sendable, Hashable, OPCUACodable {
    /// The item's client handle.
    public var clientHandle: UInt32
    /// The value.
    public var value: DataValue

    /// A notification.
    public init(clientHandle: UInt32, value: DataValue) {
        self.clientHandle = clientHandle
        self.value = value
    }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(clientHandle)
        buffer.writeUA(value)
    }

    /// Reads the binary encoding.
    public init(from r: inout OPCUAReader) throws(OPCUADecodingError) {
        clientHandle = try r.read(UInt32.self, "a client handle")
        value = try r.read()
    }
}

/// Changed values (Part 4, 7.23.2).
public struct DataChangeNotification: Sendable, Hashable, OPCUACodable {
    /// DataChangeNotification_Encoding_DefaultBinary.
    public static let encodingId: UInt32 = 811
    /// The changes.
    public var monitoredItems: [MonitoredItemNotification]

    /// A notification.
    public init(monitoredItems: [MonitoredItemNotification]) { self.monitoredItems = monitoredItems }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(array: monitoredItems)
        buffer.writeUA(array: [DiagnosticInfo]())
    }

    /// Reads the binary encoding.
    public init(from r: inout OPCUAReader) throws(OPCUADecodingError) {
        monitoredItems = try r.readArray(of: MonitoredItemNotification.self, "monitored item notifications")
        _ = try r.readDiagnostics()
    }
}

/// The subscription's own status changed, for example it timed out (Part 4, 7.23.4).
public struct StatusChangeNotification: Sendable, Hashable, OPCUACodable {
    /// StatusChangeNotification_Encoding_DefaultBinary.
    public static let encodingId: UInt32 = 820
    /// The new status.
    public var status: StatusCode

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(status)
        buffer.writeUA(DiagnosticInfo())
    }

    /// Reads the binary encoding.
    public init(from r: inout OPCUAReader) throws(OPCUADecodingError) {
        status = try r.read()
        _ = try r.read(DiagnosticInfo.self)
    }
}
