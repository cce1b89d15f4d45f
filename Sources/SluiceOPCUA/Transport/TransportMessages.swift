import NIOCore

/// The limits each side of a UA TCP connection states in Hello and Acknowledge (Part 6, 7.1.2): the largest
/// chunk it receives and sends, the largest message and the most chunks per message (0: no limit).
public struct TransportLimits: Sendable, Hashable {
    /// The largest chunk this side receives, in bytes (at least 8192).
    public var receiveBufferSize: UInt32
    /// The largest chunk this side sends.
    public var sendBufferSize: UInt32
    /// The largest message this side takes, in bytes (0: no limit).
    public var maxMessageSize: UInt32
    /// The most chunks per message this side takes (0: no limit).
    public var maxChunkCount: UInt32

    /// Limits.
    public init(receiveBufferSize: UInt32, sendBufferSize: UInt32, maxMessageSize: UInt32, maxChunkCount: UInt32) {
        self.receiveBufferSize = receiveBufferSize
        self.sendBufferSize = sendBufferSize
        self.maxMessageSize = maxMessageSize
        self.maxChunkCount = maxChunkCount
    }

    /// Sluice's defaults: 64 KiB chunks, messages up to 16 MiB, 512 chunks.
    public static let client = TransportLimits(receiveBufferSize: 65_535, sendBufferSize: 65_535, maxMessageSize: 16 << 20, maxChunkCount: 512)
}

/// The header every UA TCP message starts with: three letters of type, the chunk type, the size.
struct MessageHeader: Equatable {
    /// HEL, ACK, ERR, RHE, OPN, MSG or CLO.
    enum MessageType: String {
        case hello = "HEL"
        case acknowledge = "ACK"
        case error = "ERR"
        case reverseHello = "RHE"
        case open = "OPN"
        case message = "MSG"
        case close = "CLO"
    }

    /// F final, C intermediate, A abort.
    enum ChunkType: UInt8 {
        case final = 0x46
        case intermediate = 0x43
        case abort = 0x41
    }

    var type: MessageType
    var chunk: ChunkType
    /// The whole chunk's size, this header included.
    var size: UInt32

    static let size = 8

    func encode(to buffer: inout ByteBuffer) {
        buffer.writeString(type.rawValue)
        buffer.writeInteger(chunk.rawValue)
        buffer.writeUA(size)
    }

    /// Reads a header, checking the type, the chunk type and that the size is at least the header's.
    init(from reader: inout OPCUAReader) throws(OPCUADecodingError) {
        let letters = try reader.readBytes(3, "a message type")
        guard let type = MessageType(rawValue: String(decoding: letters, as: UTF8.self)), letters.allSatisfy({ $0 >= 0x41 && $0 <= 0x5A }) else {
            throw OPCUADecodingError("unknown message type 0x\(letters.map { String($0, radix: 16) }.joined())")
        }
        let chunkByte = try reader.read(UInt8.self, "a chunk type")
        guard let chunk = ChunkType(rawValue: chunkByte) else {
            throw OPCUADecodingError("\(type.rawValue) has the unknown chunk type 0x\(String(chunkByte, radix: 16))")
        }
        self.type = type
        self.chunk = chunk
        size = try reader.read(UInt32.self, "a message size")
        guard size >= Self.size else { throw OPCUADecodingError("\(type.rawValue) claims \(size) bytes, fewer than its own header") }
    }

    init(type: MessageType, chunk: ChunkType = .final, size: UInt32) {
        self.type = type
        self.chunk = chunk
        self.size = size
    }
}

/// Hello: the client's protocol version, limits and the endpoint it wants (Part 6, 7.1.2.3).
struct HelloMessage {
    var protocolVersion: UInt32 = 0
    var limits: TransportLimits
    var endpointURL: String

    /// The whole message, header included.
    func encoded() -> ByteBuffer {
        var body = ByteBuffer()
        body.writeUA(protocolVersion)
        body.writeUA(limits.receiveBufferSize)
        body.writeUA(limits.sendBufferSize)
        body.writeUA(limits.maxMessageSize)
        body.writeUA(limits.maxChunkCount)
        body.writeUA(string: endpointURL)
        var message = ByteBuffer()
        MessageHeader(type: .hello, size: UInt32(MessageHeader.size + body.readableBytes)).encode(to: &message)
        message.writeBuffer(&body)
        return message
    }
}

/// Acknowledge: the server's protocol version and limits (Part 6, 7.1.2.4).
struct AcknowledgeMessage {
    var protocolVersion: UInt32
    var limits: TransportLimits

    init(from r: inout OPCUAReader) throws(OPCUADecodingError) {
        protocolVersion = try r.read(UInt32.self, "a protocol version")
        limits = TransportLimits(
            receiveBufferSize: try r.read(UInt32.self, "a receive buffer size"), sendBufferSize: try r.read(UInt32.self, "a send buffer size"),
            maxMessageSize: try r.read(UInt32.self, "a maximum message size"), maxChunkCount: try r.read(UInt32.self, "a maximum chunk count"))
        guard limits.receiveBufferSize >= 8192, limits.sendBufferSize >= 8192 else {
            throw OPCUADecodingError(
                "the server's buffers (\(limits.receiveBufferSize) to receive, \(limits.sendBufferSize) to send) are below the 8192 bytes UA TCP requires"
            )
        }
    }
}

/// Error: why the server ends the connection (Part 6, 7.1.2.5), also the body of an aborted chunk.
struct ErrorMessage {
    var error: StatusCode
    var reason: String?

    init(from r: inout OPCUAReader) throws(OPCUADecodingError) {
        error = try r.read()
        reason = try r.readString("an error reason")
    }
}
