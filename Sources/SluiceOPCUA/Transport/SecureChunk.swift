public import NIOCore

/// One chunk of a secure conversation message (OPN, MSG, CLO), its headers read (Part 6, 6.7.2).
struct SecureChunk {
    var header: MessageHeader
    var channelId: UInt32
    /// OPN: the security policy of the asymmetric header.
    var securityPolicyURI: String?
    /// MSG and CLO: the token the chunk was secured with.
    var tokenId: UInt32
    var sequenceNumber: UInt32
    var requestId: UInt32
    /// What follows the headers: a slice of the body (security None: no padding, no signature).
    var body: ByteBuffer

    /// Reads a whole chunk (header included). With `security`, what follows the security header is
    /// decrypted and checked first: asymmetrically for OPN, with the server's keys of the chunk's token
    /// (from `keys`) otherwise.
    init(frame: ByteBuffer, security: ChannelSecurity? = nil, keys: (UInt32) -> SymmetricKeys? = { _ in nil }) throws {
        var r = OPCUAReader(frame)
        header = try MessageHeader(from: &r)
        guard Int(header.size) == frame.readableBytes else {
            throw OPCUADecodingError("\(header.type.rawValue) claims \(header.size) bytes but the chunk has \(frame.readableBytes)")
        }
        channelId = try r.read(UInt32.self, "a secure channel id")
        var sender: [UInt8]?
        var receiver: [UInt8]?
        switch header.type {
        case .open:
            securityPolicyURI = try r.readString("a security policy URI")
            sender = try r.readByteString("a sender certificate")
            receiver = try r.readByteString("a receiver certificate thumbprint")
            tokenId = 0
        case .message, .close:
            securityPolicyURI = nil
            tokenId = try r.read(UInt32.self, "a token id")
        default:
            throw OPCUADecodingError("\(header.type.rawValue) is not a secure conversation message")
        }
        if let security {
            let offset = frame.readableBytes - r.remaining
            if header.type == .open {
                r = OPCUAReader(try security.openOpen(frame, headersEnd: offset, senderCertificate: sender, receiverThumbprint: receiver))
            } else {
                guard let serverKeys = keys(tokenId) else {
                    throw OPCUAError(.protocolViolation, "the server used token \(tokenId), which this channel was not given")
                }
                r = OPCUAReader(try security.unseal(frame, keys: serverKeys))
            }
        }
        sequenceNumber = try r.read(UInt32.self, "a sequence number")
        requestId = try r.read(UInt32.self, "a request id")
        body = r.buffer
    }
}

/// Puts the chunks of each message back together, with the limits this side announced: the largest
/// message and the most chunks. A message over either, or an abort chunk, ends that message with an
/// error and nothing else.
struct ChunkAssembler {
    var maxMessageSize: Int
    var maxChunkCount: Int
    private var partial: [UInt32: (body: ByteBuffer, chunks: Int)] = [:]

    init(limits: TransportLimits) {
        maxMessageSize = limits.maxMessageSize == 0 ? Int.max : Int(limits.maxMessageSize)
        maxChunkCount = limits.maxChunkCount == 0 ? Int.max : Int(limits.maxChunkCount)
    }

    /// What a chunk completes.
    enum Outcome {
        /// More chunks to come.
        case incomplete
        /// The whole message body for `requestId`.
        case message(requestId: UInt32, body: ByteBuffer)
        /// The sender gave up on the message for `requestId`: the status and reason it sent.
        case aborted(requestId: UInt32, error: StatusCode, reason: String?)
    }

    /// Adds `chunk`; throws when the message grows past the limits (the connection must end).
    mutating func add(_ chunk: SecureChunk) throws(OPCUADecodingError) -> Outcome {
        let id = chunk.requestId
        switch chunk.header.chunk {
        case .abort:
            partial[id] = nil
            var r = OPCUAReader(chunk.body)
            let error = try ErrorMessage(from: &r)
            return .aborted(requestId: id, error: error.error, reason: error.reason)
        case .intermediate, .final:
            var entry = partial[id] ?? (ByteBuffer(), 0)
            partial[id] = nil
            entry.chunks += 1
            guard entry.body.readableBytes + chunk.body.readableBytes <= maxMessageSize else {
                throw OPCUADecodingError("a message grew past the \(maxMessageSize) bytes allowed")
            }
            guard entry.chunks <= maxChunkCount else { throw OPCUADecodingError("a message came in more than \(maxChunkCount) chunks") }
            var body = chunk.body
            entry.body.writeBuffer(&body)
            if chunk.header.chunk == .final { return .message(requestId: id, body: entry.body) }
            guard partial.count < 64 else { throw OPCUADecodingError("more than 64 messages are incomplete at once") }
            partial[id] = entry
            return .incomplete
        }
    }
}

/// Cuts a message body into chunks no larger than the peer takes, each with the headers of a
/// security-None channel.
struct ChunkWriter {
    /// The peer's limits, from Acknowledge.
    var peer: TransportLimits
    /// The channel's security, nil for None.
    var security: ChannelSecurity?
    /// The client's keys under the current token.
    var keys: SymmetricKeys?

    /// Bytes of headers in an OPN chunk with security None and no certificates.
    static func openHeaderSize(policy: String) -> Int { MessageHeader.size + 4 + 4 + policy.utf8.count + 4 + 4 + 8 }
    /// Bytes of headers in a MSG or CLO chunk.
    static let symmetricHeaderSize = MessageHeader.size + 4 + 4 + 8

    /// The chunks of `body` as a MSG or CLO, or throws when the message is larger than the peer takes.
    func chunks(
        type: MessageHeader.MessageType, channelId: UInt32, tokenId: UInt32, requestId: UInt32, body: ByteBuffer,
        nextSequenceNumber: () -> UInt32
    ) throws(OPCUAError) -> [ByteBuffer] {
        if peer.maxMessageSize > 0, body.readableBytes > Int(peer.maxMessageSize) {
            throw OPCUAError(.requestTooLarge, "a \(body.readableBytes)-byte request is larger than the server's \(peer.maxMessageSize)-byte limit")
        }
        let room =
            security.map { $0.maximumBodySize(bufferSize: Int(peer.receiveBufferSize)) } ?? Int(peer.receiveBufferSize) - Self.symmetricHeaderSize
        var rest = body
        var chunks: [ByteBuffer] = []
        repeat {
            var piece = rest.readSlice(length: min(room, rest.readableBytes)) ?? ByteBuffer()
            let final = rest.readableBytes == 0
            if let security, let keys {
                do {
                    chunks.append(
                        try security.seal(
                            type: type, chunk: final ? .final : .intermediate, channelId: channelId, tokenId: tokenId,
                            sequenceNumber: nextSequenceNumber(), requestId: requestId, piece: piece, keys: keys))
                } catch {
                    throw OPCUAError(.securityCheckFailed, "cannot secure a message: \(error)")
                }
                continue
            }
            var chunk = ByteBuffer()
            MessageHeader(type: type, chunk: final ? .final : .intermediate, size: UInt32(Self.symmetricHeaderSize + piece.readableBytes))
                .encode(to: &chunk)
            chunk.writeUA(channelId)
            chunk.writeUA(tokenId)
            chunk.writeUA(nextSequenceNumber())
            chunk.writeUA(requestId)
            chunk.writeBuffer(&piece)
            chunks.append(chunk)
        } while rest.readableBytes > 0
        if peer.maxChunkCount > 0, chunks.count > Int(peer.maxChunkCount) {
            throw OPCUAError(.requestTooLarge, "a request needs \(chunks.count) chunks, more than the server's \(peer.maxChunkCount)")
        }
        return chunks
    }

    /// An OPN message (it always fits one chunk): signed and encrypted for the server with security, plain
    /// with None.
    func open(channelId: UInt32, policy: String, sequenceNumber: UInt32, requestId: UInt32, body: ByteBuffer) throws -> ByteBuffer {
        if let security {
            do {
                return try security.sealOpen(channelId: channelId, sequenceNumber: sequenceNumber, requestId: requestId, body: body)
            } catch {
                throw OPCUAError(.securityCheckFailed, "cannot secure OpenSecureChannel: \(error)")
            }
        }
        var body = body
        var chunk = ByteBuffer()
        MessageHeader(type: .open, size: UInt32(Self.openHeaderSize(policy: policy) + body.readableBytes)).encode(to: &chunk)
        chunk.writeUA(channelId)
        chunk.writeUA(string: policy)
        chunk.writeUA(byteString: nil)
        chunk.writeUA(byteString: nil)
        chunk.writeUA(sequenceNumber)
        chunk.writeUA(requestId)
        chunk.writeBuffer(&body)
        return chunk
    }
}

/// Splits the byte stream into whole UA TCP messages, refusing any whose header claims more than this
/// side's receive buffer or less than a header.
public struct MessageFramer: NIOSingleStepByteToMessageDecoder {
    /// A whole message.
    public typealias InboundOut = ByteBuffer
    /// The largest message accepted: this side's receive buffer.
    public let maximumSize: Int

    /// A framer accepting messages up to `maximumSize` bytes.
    public init(maximumSize: Int) { self.maximumSize = maximumSize }

    /// The next whole message in `buffer`, nil when it is not all there yet.
    public func decode(buffer: inout ByteBuffer) throws -> ByteBuffer? {
        guard buffer.readableBytes >= MessageHeader.size else { return nil }
        guard let size = buffer.getInteger(at: buffer.readerIndex + 4, endianness: .little, as: UInt32.self) else { return nil }
        guard size >= UInt32(MessageHeader.size) else {
            throw OPCUAError(.protocolViolation, "the server sent a message claiming \(size) bytes, fewer than its own header")
        }
        guard Int(size) <= maximumSize else {
            throw OPCUAError(.protocolViolation, "the server sent a \(size)-byte chunk, over the \(maximumSize) bytes this client accepts")
        }
        return buffer.readSlice(length: Int(size))
    }

    /// The same at the end of the stream.
    public func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> ByteBuffer? { try decode(buffer: &buffer) }
}
