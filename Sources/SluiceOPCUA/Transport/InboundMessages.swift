public import NIOCore

/// What the client side of a connection makes of each message the server sends: the Acknowledge, a
/// whole response, an aborted one, or nothing yet. A value with no I/O, so it can be tested and fuzzed
/// alone: it checks that each chunk belongs to the channel, names one of its tokens and follows the
/// server's previous sequence number, and puts chunks together within the limits this side announced.
public struct InboundMessages {
    /// What one message from the server completed.
    public enum Event: Equatable {
        /// The server's Acknowledge: its limits.
        case acknowledge(TransportLimits)
        /// A whole response body for `requestId`.
        case message(requestId: UInt32, body: ByteBuffer)
        /// The server gave up on its response to `requestId`.
        case aborted(requestId: UInt32, status: StatusCode, reason: String?)
        /// A chunk of a message still incomplete.
        case incomplete
    }

    private var assembler: ChunkAssembler
    private var channelId: UInt32 = 0
    private var tokens: (current: UInt32?, previous: UInt32?) = (nil, nil)
    private var lastSequence: UInt32?
    private let security: ChannelSecurity?
    private var serverKeys: [UInt32: SymmetricKeys] = [:]

    /// A reader for a connection whose Hello announced `limits`, with security None.
    public init(limits: TransportLimits) { self.init(limits: limits, security: nil) }

    /// A reader for a channel secured with `security`.
    init(limits: TransportLimits, security: ChannelSecurity?) {
        assembler = ChunkAssembler(limits: limits)
        self.security = security
    }

    /// Records the channel and token an OpenSecureChannel response gave; the previous token stays valid
    /// for messages already on their way.
    public mutating func opened(channelId: UInt32, tokenId: UInt32) { opened(channelId: channelId, tokenId: tokenId, serverKeys: nil) }

    /// Records the channel, the token and, with security, the server's keys under it.
    mutating func opened(channelId: UInt32, tokenId: UInt32, serverKeys keys: SymmetricKeys?) {
        self.channelId = channelId
        if let previous = tokens.previous, previous != tokens.current { serverKeys[previous] = nil }
        tokens = (tokenId, tokens.current)
        if let keys { serverKeys[tokenId] = keys }
    }

    /// Reads one whole UA TCP message (as ``MessageFramer`` cuts them); throws ``OPCUAError`` when the
    /// server sent an Error message or broke the protocol, after which the connection must end.
    public mutating func receive(_ frame: ByteBuffer) throws(OPCUAError) -> Event {
        do {
            var reader = OPCUAReader(frame)
            let header = try MessageHeader(from: &reader)
            switch header.type {
            case .acknowledge:
                return .acknowledge(try AcknowledgeMessage(from: &reader).limits)
            case .error:
                let error = try ErrorMessage(from: &reader)
                throw OPCUAError(.serverError, "the server ended the connection: \(error.reason ?? error.error.name)", status: error.error)
            case .open, .message, .close:
                let keys = serverKeys
                let chunk = try SecureChunk(frame: frame, security: security) { keys[$0] }
                try check(chunk)
                switch try assembler.add(chunk) {
                case .incomplete: return .incomplete
                case .message(let id, let body): return .message(requestId: id, body: body)
                case .aborted(let id, let status, let reason): return .aborted(requestId: id, status: status, reason: reason)
                }
            case .hello, .reverseHello:
                throw OPCUAError(.protocolViolation, "the server sent a \(header.type.rawValue) message, which only clients send")
            }
        } catch let error as OPCUADecodingError {
            throw OPCUAError(.protocolViolation, "the server sent a malformed message: \(error)")
        } catch let error as OPCUAError {
            throw error
        } catch {
            throw OPCUAError(.protocolViolation, "\(error)")
        }
    }

    private mutating func check(_ chunk: SecureChunk) throws(OPCUAError) {
        if channelId != 0, chunk.channelId != channelId {
            throw OPCUAError(.protocolViolation, "the server sent a message for secure channel \(chunk.channelId), not \(channelId)")
        }
        if chunk.header.type != .open, let current = tokens.current, chunk.tokenId != current, chunk.tokenId != tokens.previous {
            throw OPCUAError(.protocolViolation, "the server used token \(chunk.tokenId), which this channel was not given")
        }
        // Sequence numbers rise by one; near the top of the range they may wrap to a small number.
        if let last = lastSequence, last < UInt32.max - 1024, chunk.sequenceNumber != last &+ 1 {
            throw OPCUAError(.protocolViolation, "the server's sequence number jumped from \(last) to \(chunk.sequenceNumber)")
        }
        lastSequence = chunk.sequenceNumber
    }
}
