public import NIOCore

/// A service request: its binary encoding id and the response it expects.
public protocol ServiceRequest: OPCUAEncodable {
    /// The response type.
    associatedtype Response: ServiceResponse
    /// The node id of the request's DefaultBinary encoding, which precedes its body on the wire.
    static var encodingId: UInt32 { get }
    /// The header every request carries.
    var requestHeader: RequestHeader { get set }
}

/// A service response.
public protocol ServiceResponse: OPCUADecodable {
    /// The node id of the response's DefaultBinary encoding.
    static var encodingId: UInt32 { get }
    /// The header every response carries.
    var responseHeader: ResponseHeader { get }
}

/// The header of every request (Part 4, 7.28).
public struct RequestHeader: Sendable, OPCUAEncodable {
    /// The session's secret token (null before a session exists).
    public var authenticationToken: NodeId = .null
    /// When the client sent it.
    public var timestamp: DateTime = .now
    /// The client's handle for the request, echoed in the response.
    public var requestHandle: UInt32 = 0
    /// Which diagnostics to return (none).
    public var returnDiagnostics: UInt32 = 0
    /// An audit log entry id.
    public var auditEntryId: String? = nil
    /// How long the client waits, in milliseconds; the server may drop the request after it.
    public var timeoutHint: UInt32 = 0
    /// Reserved.
    public var additionalHeader: ExtensionObject = .empty

    /// A header.
    public init() {}

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(authenticationToken)
        buffer.writeUA(timestamp)
        buffer.writeUA(requestHandle)
        buffer.writeUA(returnDiagnostics)
        buffer.writeUA(string: auditEntryId)
        buffer.writeUA(timeoutHint)
        buffer.writeUA(additionalHeader)
    }
}

/// The header of every response (Part 4, 7.29).
public struct ResponseHeader: Sendable, OPCUACodable {
    /// When the server sent it.
    public var timestamp: DateTime
    /// The request's handle.
    public var requestHandle: UInt32
    /// The outcome of the service as a whole.
    public var serviceResult: StatusCode
    /// Diagnostics of the service.
    public var serviceDiagnostics: DiagnosticInfo
    /// Strings the diagnostics point into.
    public var stringTable: [String]
    /// Reserved.
    public var additionalHeader: ExtensionObject

    /// A header.
    public init(requestHandle: UInt32, serviceResult: StatusCode = .good) {
        timestamp = .now
        self.requestHandle = requestHandle
        self.serviceResult = serviceResult
        serviceDiagnostics = DiagnosticInfo()
        stringTable = []
        additionalHeader = .empty
    }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(timestamp)
        buffer.writeUA(requestHandle)
        buffer.writeUA(serviceResult)
        buffer.writeUA(serviceDiagnostics)
        buffer.writeUA(strings: stringTable)
        buffer.writeUA(additionalHeader)
    }

    /// Reads the binary encoding.
    public init(from r: inout OPCUAReader) throws(OPCUADecodingError) {
        timestamp = try r.read()
        requestHandle = try r.read(UInt32.self, "a request handle")
        serviceResult = try r.read()
        serviceDiagnostics = try r.read()
        stringTable = try r.readArray("a string table") { (r: inout OPCUAReader) throws(OPCUADecodingError) in try r.readString() ?? "" }
        additionalHeader = try r.read()
    }
}

/// What a server answers instead of a response when a service fails as a whole (Part 4, 7.33).
public struct ServiceFault: ServiceResponse {
    /// ServiceFault_Encoding_DefaultBinary.
    public static let encodingId: UInt32 = 397
    /// The header, whose service result says why.
    public var responseHeader: ResponseHeader

    /// Reads the binary encoding.
    public init(from r: inout OPCUAReader) throws(OPCUADecodingError) { responseHeader = try r.read() }
}

extension OPCUAReader {
    /// Reads an array of Strings, a null array as empty and null elements as "".
    mutating func readStrings(_ what: String) throws(OPCUADecodingError) -> [String] {
        try readArray(what) { (r: inout OPCUAReader) throws(OPCUADecodingError) in try r.readString(what) ?? "" }
    }

    /// Reads an array of status codes.
    mutating func readStatusCodes(_ what: String) throws(OPCUADecodingError) -> [StatusCode] { try readArray(of: StatusCode.self, what) }

    /// Reads an array of diagnostic infos.
    mutating func readDiagnostics() throws(OPCUADecodingError) -> [DiagnosticInfo] { try readArray(of: DiagnosticInfo.self, "diagnostic infos") }
}
