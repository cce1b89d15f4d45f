public import NIOCore

/// Node attributes by id (Part 6, A.1).
public enum AttributeId: UInt32, Sendable {
    /// NodeId.
    case nodeId = 1
    /// NodeClass.
    case nodeClass = 2
    /// BrowseName.
    case browseName = 3
    /// DisplayName.
    case displayName = 4
    /// Description.
    case description = 5
    /// Value.
    case value = 13
    /// DataType.
    case dataType = 14
    /// ValueRank.
    case valueRank = 15
    /// AccessLevel.
    case accessLevel = 17
}

/// The classes of node (Part 4, 7.24).
public enum NodeClass: Int32, Sendable, CustomStringConvertible {
    /// Unknown.
    case unspecified = 0
    /// Object.
    case object = 1
    /// Variable.
    case variable = 2
    /// Method.
    case method = 4
    /// ObjectType.
    case objectType = 8
    /// VariableType.
    case variableType = 16
    /// ReferenceType.
    case referenceType = 32
    /// DataType.
    case dataType = 64
    /// View.
    case view = 128

    /// The class's name.
    public var description: String {
        switch self {
        case .unspecified: "Unspecified"
        case .object: "Object"
        case .variable: "Variable"
        case .method: "Method"
        case .objectType: "ObjectType"
        case .variableType: "VariableType"
        case .referenceType: "ReferenceType"
        case .dataType: "DataType"
        case .view: "View"
        }
    }
}

/// What to read: a node, an attribute, an index range (Part 4, 7.29).
public struct ReadValueId: Sendable, Hashable, OPCUAEncodable {
    /// The node.
    public var nodeId: NodeId
    /// The attribute (13: Value).
    public var attributeId: UInt32
    /// A range of an array value, such as `1:3`.
    public var indexRange: String?
    /// The encoding of a structured value (null: the default).
    public var dataEncoding: QualifiedName

    /// A value to read.
    public init(nodeId: NodeId, attribute: AttributeId = .value) {
        self.nodeId = nodeId
        attributeId = attribute.rawValue
        indexRange = nil
        dataEncoding = QualifiedName(nil)
    }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(nodeId)
        buffer.writeUA(attributeId)
        buffer.writeUA(string: indexRange)
        buffer.writeUA(dataEncoding)
    }
}

/// Which timestamps to return with values (Part 4, 7.40).
public enum TimestampsToReturn: Int32, Sendable {
    /// The source's.
    case source = 0
    /// The server's.
    case server = 1
    /// Both.
    case both = 2
    /// Neither.
    case neither = 3
}

/// Read: attributes of nodes (Part 4, 5.10.2).
public struct ReadRequest: ServiceRequest {
    /// The response type.
    public typealias Response = ReadResponse
    /// ReadRequest_Encoding_DefaultBinary.
    public static let encodingId: UInt32 = 631
    /// The header.
    public var requestHeader = RequestHeader()
    /// The oldest cached value accepted, in milliseconds (0: read the device).
    public var maxAge: Double
    /// Which timestamps to return.
    public var timestampsToReturn: TimestampsToReturn
    /// What to read.
    public var nodesToRead: [ReadValueId]

    /// A request.
    public init(nodesToRead: [ReadValueId], maxAge: Double = 0, timestampsToReturn: TimestampsToReturn = .both) {
        self.nodesToRead = nodesToRead
        self.maxAge = maxAge
        self.timestampsToReturn = timestampsToReturn
    }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(requestHeader)
        buffer.writeUA(maxAge)
        buffer.writeUA(timestampsToReturn.rawValue)
        buffer.writeUA(array: nodesToRead)
    }
}

/// The values read, one per node in order.
public struct ReadResponse: ServiceResponse {
    /// ReadResponse_Encoding_DefaultBinary.
    public static let encodingId: UInt32 = 634
    /// The header.
    public var responseHeader: ResponseHeader
    /// The values.
    public var results: [DataValue]

    /// Reads the binary encoding.
    public init(from r: inout OPCUAReader) throws(OPCUADecodingError) {
        responseHeader = try r.read()
        results = try r.readArray(of: DataValue.self, "read results")
        _ = try r.readDiagnostics()
    }
}

/// What to browse from a node (Part 4, 7.6 and 5.8.2).
public struct BrowseDescription: Sendable, Hashable, OPCUAEncodable {
    /// Forward, inverse or both.
    public enum Direction: Int32, Sendable {
        /// References from the node.
        case forward = 0
        /// References to it.
        case inverse = 1
        /// Both.
        case both = 2
    }

    /// The node to start from.
    public var nodeId: NodeId
    /// The direction.
    public var direction: Direction
    /// The references followed (HierarchicalReferences, i=33, by default).
    public var referenceTypeId: NodeId
    /// Whether subtypes of the reference type count.
    public var includeSubtypes: Bool
    /// The node classes wanted (0: all).
    public var nodeClassMask: UInt32
    /// The fields returned (63: all).
    public var resultMask: UInt32

    /// Browse the hierarchical children of `nodeId`.
    public init(nodeId: NodeId, direction: Direction = .forward, referenceTypeId: NodeId = NodeId(numeric: 33)) {
        self.nodeId = nodeId
        self.direction = direction
        self.referenceTypeId = referenceTypeId
        includeSubtypes = true
        nodeClassMask = 0
        resultMask = 63
    }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(nodeId)
        buffer.writeUA(direction.rawValue)
        buffer.writeUA(referenceTypeId)
        buffer.writeUA(includeSubtypes)
        buffer.writeUA(nodeClassMask)
        buffer.writeUA(resultMask)
    }
}

/// A reference found by Browse (Part 4, 7.30).
public struct ReferenceDescription: Sendable, Hashable, OPCUACodable {
    /// The reference's type.
    public var referenceTypeId: NodeId
    /// Whether it points away from the browsed node.
    public var isForward: Bool
    /// The target.
    public var nodeId: ExpandedNodeId
    /// The target's browse name.
    public var browseName: QualifiedName
    /// The target's display name.
    public var displayName: LocalizedText
    /// The target's class (raw).
    public var nodeClass: Int32
    /// The target's type definition.
    public var typeDefinition: ExpandedNodeId

    /// The target's class, if known.
    public var targetClass: NodeClass { NodeClass(rawValue: nodeClass) ?? .unspecified }

    /// A reference.
    public init(
        referenceTypeId: NodeId, isForward: Bool, nodeId: ExpandedNodeId, browseName: QualifiedName, displayName: LocalizedText,
        nodeClass: NodeClass, typeDefinition: ExpandedNodeId
    ) {
        self.referenceTypeId = referenceTypeId
        self.isForward = isForward
        self.nodeId = nodeId
        self.browseName = browseName
        self.displayName = displayName
        self.nodeClass = nodeClass.rawValue
        self.typeDefinition = typeDefinition
    }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(referenceTypeId)
        buffer.writeUA(isForward)
        buffer.writeUA(nodeId)
        buffer.writeUA(browseName)
        buffer.writeUA(displayName)
        buffer.writeUA(nodeClass)
        buffer.writeUA(typeDefinition)
    }

    /// Reads the binary encoding.
    public init(from r: inout OPCUAReader) throws(OPCUADecodingError) {
        referenceTypeId = try r.read()
        isForward = try r.readBoolean()
        nodeId = try r.read()
        browseName = try r.read()
        displayName = try r.read()
        nodeClass = try r.read(Int32.self, "a node class")
        typeDefinition = try r.read()
    }
}

/// The references of one browsed node, and where to continue when there are more.
public struct BrowseResult: Sendable, Hashable, OPCUACodable {
    /// The node's status.
    public var statusCode: StatusCode
    /// Non-empty when more references remain (BrowseNext).
    public var continuationPoint: [UInt8]?
    /// The references.
    public var references: [ReferenceDescription]

    /// A result.
    public init(statusCode: StatusCode, continuationPoint: [UInt8]?, references: [ReferenceDescription]) {
        self.statusCode = statusCode
        self.continuationPoint = continuationPoint
        self.references = references
    }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(statusCode)
        buffer.writeUA(byteString: continuationPoint)
        buffer.writeUA(array: references)
    }

    /// Reads the binary encoding.
    public init(from r: inout OPCUAReader) throws(OPCUADecodingError) {
        statusCode = try r.read()
        continuationPoint = try r.readByteString("a continuation point")
        references = try r.readArray(of: ReferenceDescription.self, "references")
    }
}

/// Browse (Part 4, 5.8.2).
public struct BrowseRequest: ServiceRequest {
    /// The response type.
    public typealias Response = BrowseResponse
    /// BrowseRequest_Encoding_DefaultBinary.
    public static let encodingId: UInt32 = 527
    /// The header.
    public var requestHeader = RequestHeader()
    /// The most references per node in one answer (0: the server decides).
    public var requestedMaxReferencesPerNode: UInt32
    /// The nodes.
    public var nodesToBrowse: [BrowseDescription]

    /// A request.
    public init(nodesToBrowse: [BrowseDescription], requestedMaxReferencesPerNode: UInt32 = 1000) {
        self.nodesToBrowse = nodesToBrowse
        self.requestedMaxReferencesPerNode = requestedMaxReferencesPerNode
    }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(requestHeader)
        // The view: the null node id, no timestamp, version 0 (the whole address space).
        buffer.writeUA(NodeId.null)
        buffer.writeUA(DateTime.unset)
        buffer.writeUA(UInt32(0))
        buffer.writeUA(requestedMaxReferencesPerNode)
        buffer.writeUA(array: nodesToBrowse)
    }
}

/// The references, one result per node in order.
public struct BrowseResponse: ServiceResponse {
    /// BrowseResponse_Encoding_DefaultBinary.
    public static let encodingId: UInt32 = 530
    /// The header.
    public var responseHeader: ResponseHeader
    /// The results.
    public var results: [BrowseResult]

    /// Reads the binary encoding.
    public init(from r: inout OPCUAReader) throws(OPCUADecodingError) {
        responseHeader = try r.read()
        results = try r.readArray(of: BrowseResult.self, "browse results")
        _ = try r.readDiagnostics()
    }
}

/// BrowseNext: the rest of a browse (Part 4, 5.8.3).
public struct BrowseNextRequest: ServiceRequest {
    /// The response type.
    public typealias Response = BrowseNextResponse
    /// BrowseNextRequest_Encoding_DefaultBinary.
    public static let encodingId: UInt32 = 533
    /// The header.
    public var requestHeader = RequestHeader()
    /// Whether to release the continuation points instead of continuing.
    public var releaseContinuationPoints: Bool
    /// Where to continue.
    public var continuationPoints: [[UInt8]]

    /// A request.
    public init(continuationPoints: [[UInt8]], release: Bool = false) {
        self.continuationPoints = continuationPoints
        releaseContinuationPoints = release
    }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(requestHeader)
        buffer.writeUA(releaseContinuationPoints)
        buffer.writeUA(Int32(continuationPoints.count))
        for point in continuationPoints { buffer.writeUA(byteString: point) }
    }
}

/// The next references.
public struct BrowseNextResponse: ServiceResponse {
    /// BrowseNextResponse_Encoding_DefaultBinary.
    public static let encodingId: UInt32 = 536
    /// The header.
    public var responseHeader: ResponseHeader
    /// The results.
    public var results: [BrowseResult]

    /// Reads the binary encoding.
    public init(from r: inout OPCUAReader) throws(OPCUADecodingError) {
        responseHeader = try r.read()
        results = try r.readArray(of: BrowseResult.self, "browse results")
        _ = try r.readDiagnostics()
    }
}

/// A unit of measure, the value of a variable's EngineeringUnits property (Part 8, 5.6.3).
public struct EUInformation: Sendable, Hashable, OPCUACodable {
    /// EUInformation_Encoding_DefaultBinary.
    public static let encodingId: UInt32 = 889
    /// The namespace of the unit ids (UNECE's CEFACT codes).
    public var namespaceURI: String?
    /// The unit's id in that namespace.
    public var unitId: Int32
    /// The unit's symbol, such as °C.
    public var displayName: LocalizedText
    /// Its name in words.
    public var description: LocalizedText

    /// A unit.
    public init(namespaceURI: String?, unitId: Int32, displayName: String, description: String) {
        self.namespaceURI = namespaceURI
        self.unitId = unitId
        self.displayName = LocalizedText(displayName)
        self.description = LocalizedText(description)
    }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(string: namespaceURI)
        buffer.writeUA(unitId)
        buffer.writeUA(displayName)
        buffer.writeUA(description)
    }

    /// Reads the binary encoding.
    public init(from r: inout OPCUAReader) throws(OPCUADecodingError) {
        namespaceURI = try r.readString("a units namespace")
        unitId = try r.read(Int32.self, "a unit id")
        displayName = try r.read()
        description = try r.read()
    }
}
