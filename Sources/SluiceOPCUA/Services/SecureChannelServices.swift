public import NIOCore

/// How messages on a secure channel are protected (Part 4, 7.20).
public enum MessageSecurityMode: Int32, Sendable, Hashable, CustomStringConvertible {
    /// Not valid on the wire.
    case invalid = 0
    /// Neither signed nor encrypted.
    case none = 1
    /// Signed.
    case sign = 2
    /// Signed and encrypted.
    case signAndEncrypt = 3

    /// `None`, `Sign`, `SignAndEncrypt`.
    public var description: String {
        switch self {
        case .invalid: "Invalid"
        case .none: "None"
        case .sign: "Sign"
        case .signAndEncrypt: "SignAndEncrypt"
        }
    }
}

/// OpenSecureChannel: issue a token for a new channel or renew the current one (Part 4, 5.5.2).
public struct OpenSecureChannelRequest: ServiceRequest {
    /// The response type.
    public typealias Response = OpenSecureChannelResponse
    /// OpenSecureChannelRequest_Encoding_DefaultBinary.
    public static let encodingId: UInt32 = 446
    /// Issue a new token or renew.
    public enum RequestType: Int32, Sendable {
        /// A new channel.
        case issue = 0
        /// A new token for the open channel.
        case renew = 1
    }

    /// The header.
    public var requestHeader = RequestHeader()
    /// The UA TCP protocol version (0).
    public var clientProtocolVersion: UInt32 = 0
    /// Issue or renew.
    public var requestType: RequestType
    /// The protection asked for.
    public var securityMode: MessageSecurityMode
    /// The client's nonce (empty for security None).
    public var clientNonce: [UInt8]
    /// The token lifetime asked for, in milliseconds.
    public var requestedLifetime: UInt32

    /// A request.
    public init(requestType: RequestType, securityMode: MessageSecurityMode, clientNonce: [UInt8], requestedLifetime: UInt32) {
        self.requestType = requestType
        self.securityMode = securityMode
        self.clientNonce = clientNonce
        self.requestedLifetime = requestedLifetime
    }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(requestHeader)
        buffer.writeUA(clientProtocolVersion)
        buffer.writeUA(requestType.rawValue)
        buffer.writeUA(securityMode.rawValue)
        buffer.writeUA(byteString: clientNonce)
        buffer.writeUA(requestedLifetime)
    }
}

/// The token that keys a secure channel (Part 4, 7.4).
public struct ChannelSecurityToken: Sendable, Hashable, OPCUACodable {
    /// The channel's id.
    public var channelId: UInt32
    /// The token's id, which every message on the channel names.
    public var tokenId: UInt32
    /// When the server made it.
    public var createdAt: DateTime
    /// How long it lives, in milliseconds.
    public var revisedLifetime: UInt32

    /// A token.
    public init(channelId: UInt32, tokenId: UInt32, createdAt: DateTime, revisedLifetime: UInt32) {
        self.channelId = channelId
        self.tokenId = tokenId
        self.createdAt = createdAt
        self.revisedLifetime = revisedLifetime
    }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(channelId)
        buffer.writeUA(tokenId)
        buffer.writeUA(createdAt)
        buffer.writeUA(revisedLifetime)
    }

    /// Reads the binary encoding.
    public init(from r: inout OPCUAReader) throws(OPCUADecodingError) {
        channelId = try r.read(UInt32.self, "a channel id")
        tokenId = try r.read(UInt32.self, "a token id")
        createdAt = try r.read()
        revisedLifetime = try r.read(UInt32.self, "a token lifetime")
    }
}

/// The answer to OpenSecureChannel.
public struct OpenSecureChannelResponse: ServiceResponse {
    /// OpenSecureChannelResponse_Encoding_DefaultBinary.
    public static let encodingId: UInt32 = 449
    /// The header.
    public var responseHeader: ResponseHeader
    /// The server's protocol version.
    public var serverProtocolVersion: UInt32
    /// The channel's token.
    public var securityToken: ChannelSecurityToken
    /// The server's nonce.
    public var serverNonce: [UInt8]

    /// Reads the binary encoding.
    public init(from r: inout OPCUAReader) throws(OPCUADecodingError) {
        responseHeader = try r.read()
        serverProtocolVersion = try r.read(UInt32.self, "a protocol version")
        securityToken = try r.read()
        serverNonce = try r.readByteString("a server nonce") ?? []
    }
}

/// CloseSecureChannel: the last message on a channel; the server answers by closing the connection.
public struct CloseSecureChannelRequest: ServiceRequest {
    /// There is no response; this type is never decoded.
    public typealias Response = ServiceFault
    /// CloseSecureChannelRequest_Encoding_DefaultBinary.
    public static let encodingId: UInt32 = 452
    /// The header.
    public var requestHeader = RequestHeader()

    /// A request.
    public init() {}

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) { buffer.writeUA(requestHeader) }
}
