import NIOCore
import Testing

@testable import SluiceOPCUA

@Suite("UA TCP framing, chunking and the limits agreed in Hello and Acknowledge")
struct TransportTests {
    private func chunk(_ type: String, _ chunkType: Character, requestId: UInt32, sequence: UInt32, body: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeString(type)
        buffer.writeInteger(UInt8(chunkType.asciiValue!))
        buffer.writeUA(UInt32(24 + body.count))
        buffer.writeUA(UInt32(1))  // channel
        buffer.writeUA(UInt32(1))  // token
        buffer.writeUA(sequence)
        buffer.writeUA(requestId)
        buffer.writeBytes(body)
        return buffer
    }

    @Test("a message cut into chunks by the writer is put back together by the assembler")
    func chunkRoundTrip() throws {
        let body = ByteBuffer(bytes: (0..<50_000).map { UInt8($0 % 251) })
        let limits = TransportLimits(receiveBufferSize: 8192, sendBufferSize: 8192, maxMessageSize: 0, maxChunkCount: 0)
        var sequence: UInt32 = 0
        let chunks = try ChunkWriter(peer: limits).chunks(
            type: .message, channelId: 1, tokenId: 1, requestId: 9, body: body,
            nextSequenceNumber: {
                sequence += 1
                return sequence
            })
        #expect(chunks.count == 7)
        #expect(chunks.allSatisfy { $0.readableBytes <= 8192 })
        var assembler = ChunkAssembler(limits: .client)
        var outcome: ChunkAssembler.Outcome = .incomplete
        for frame in chunks { outcome = try assembler.add(SecureChunk(frame: frame)) }
        guard case .message(let id, let reassembled) = outcome else {
            Issue.record("expected a whole message, got \(outcome)")
            return
        }
        #expect(id == 9 && reassembled == body)
    }

    @Test("a message over the agreed size or chunk count is refused")
    func limits() throws {
        let limits = TransportLimits(receiveBufferSize: 8192, sendBufferSize: 8192, maxMessageSize: 100, maxChunkCount: 2)
        var assembler = ChunkAssembler(limits: limits)
        _ = try assembler.add(SecureChunk(frame: chunk("MSG", "C", requestId: 1, sequence: 1, body: Array(repeating: 1, count: 60))))
        #expect(throws: OPCUADecodingError.self) {
            try assembler.add(SecureChunk(frame: chunk("MSG", "F", requestId: 1, sequence: 2, body: Array(repeating: 1, count: 60))))
        }
        var counting = ChunkAssembler(limits: TransportLimits(receiveBufferSize: 8192, sendBufferSize: 8192, maxMessageSize: 0, maxChunkCount: 2))
        _ = try counting.add(SecureChunk(frame: chunk("MSG", "C", requestId: 1, sequence: 1, body: [1])))
        _ = try counting.add(SecureChunk(frame: chunk("MSG", "C", requestId: 1, sequence: 2, body: [1])))
        #expect(throws: OPCUADecodingError.self) { try counting.add(SecureChunk(frame: chunk("MSG", "F", requestId: 1, sequence: 3, body: [1]))) }
        // The writer refuses a request larger than the server takes.
        let small = TransportLimits(receiveBufferSize: 8192, sendBufferSize: 8192, maxMessageSize: 1000, maxChunkCount: 0)
        #expect(throws: OPCUAError.self) {
            try ChunkWriter(peer: small).chunks(
                type: .message, channelId: 1, tokenId: 1, requestId: 1, body: ByteBuffer(bytes: [UInt8](repeating: 0, count: 2000)),
                nextSequenceNumber: { 1 })
        }
    }

    @Test("an abort chunk ends its message with the server's status and reason")
    func abort() throws {
        var body = ByteBuffer()
        body.writeUA(StatusCode.badTcpMessageTooLarge)
        body.writeUA(string: "too big")
        var assembler = ChunkAssembler(limits: .client)
        _ = try assembler.add(SecureChunk(frame: chunk("MSG", "C", requestId: 4, sequence: 1, body: [1, 2])))
        let outcome = try assembler.add(SecureChunk(frame: chunk("MSG", "A", requestId: 4, sequence: 2, body: Array(body.readableBytesView))))
        guard case .aborted(4, let status, let reason) = outcome else {
            Issue.record("expected an abort, got \(outcome)")
            return
        }
        #expect(status == .badTcpMessageTooLarge && reason == "too big")
    }

    @Test("the framer splits a byte stream into messages and refuses sizes it did not agree to")
    func framer() throws {
        let framer = MessageFramer(maximumSize: 8192)
        var stream = ByteBuffer()
        var message = chunk("MSG", "F", requestId: 1, sequence: 1, body: [1, 2, 3])
        stream.writeBuffer(&message)
        stream.writeBytes(Array("MSGF".utf8))
        let first = try framer.decode(buffer: &stream)
        #expect(first?.readableBytes == 27)
        #expect(try framer.decode(buffer: &stream) == nil)
        var huge = ByteBuffer(bytes: Array("MSGF".utf8))
        huge.writeUA(UInt32(1 << 30))
        #expect(throws: OPCUAError.self) { try framer.decode(buffer: &huge) }
        var tiny = ByteBuffer(bytes: Array("MSGF".utf8))
        tiny.writeUA(UInt32(3))
        #expect(throws: OPCUAError.self) { try framer.decode(buffer: &tiny) }
    }

    @Test("secure chunks with a wrong size, type or chunk type are refused")
    func malformedChunks() {
        var wrongSize = chunk("MSG", "F", requestId: 1, sequence: 1, body: [1])
        wrongSize.setInteger(UInt32(99), at: 4, endianness: .little)
        #expect(throws: OPCUADecodingError.self) { try SecureChunk(frame: wrongSize) }
        #expect(throws: OPCUADecodingError.self) { try SecureChunk(frame: chunk("XYZ", "F", requestId: 1, sequence: 1, body: [])) }
        #expect(throws: OPCUADecodingError.self) { try SecureChunk(frame: chunk("MSG", "Q", requestId: 1, sequence: 1, body: [])) }
        #expect(throws: OPCUADecodingError.self) { try SecureChunk(frame: chunk("HEL", "F", requestId: 1, sequence: 1, body: [])) }
    }

    @Test(
        "endpoint URLs",
        arguments: [
            ("opc.tcp://plc.local:4840", "plc.local", 4840, ""), ("opc.tcp://10.0.0.5", "10.0.0.5", 4840, ""),
            ("OPC.TCP://host:4841/UA/Server", "host", 4841, "/UA/Server"), ("opc.tcp://[::1]:4850", "::1", 4850, ""),
        ])
    func endpoints(_ text: String, _ host: String, _ port: Int, _ path: String) throws {
        let endpoint = try OPCUAEndpoint(parsing: text)
        #expect(endpoint.host == host && endpoint.port == port && endpoint.path == path)
    }

    @Test(
        "endpoint URLs that are not opc.tcp say so",
        arguments: ["http://plc:4840", "opc.tcp://", "opc.tcp://host:0", "opc.tcp://host:port", "opc.tcp://[::1"])
    func badEndpoints(_ text: String) {
        #expect(throws: OPCUAError.self) { try OPCUAEndpoint(parsing: text) }
    }
}

@Suite("The client's inbound state: channel, token and sequence checks")
struct InboundMessagesTests {
    private func chunk(channel: UInt32 = 1, token: UInt32 = 1, sequence: UInt32, requestId: UInt32 = 1, final: Bool = true) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeString(final ? "MSGF" : "MSGC")
        buffer.writeUA(UInt32(24 + 2))
        buffer.writeUA(channel)
        buffer.writeUA(token)
        buffer.writeUA(sequence)
        buffer.writeUA(requestId)
        buffer.writeBytes([7, 8])
        return buffer
    }

    @Test("messages of the open channel, under its current or previous token, in sequence, pass")
    func inSequence() throws {
        var inbound = InboundMessages(limits: .client)
        inbound.opened(channelId: 1, tokenId: 1)
        #expect(try inbound.receive(chunk(sequence: 5, final: false)) == .incomplete)
        #expect(try inbound.receive(chunk(sequence: 6)) == .message(requestId: 1, body: ByteBuffer(bytes: [7, 8, 7, 8])))
        inbound.opened(channelId: 1, tokenId: 2)
        #expect(try inbound.receive(chunk(token: 1, sequence: 7, requestId: 2)) == .message(requestId: 2, body: ByteBuffer(bytes: [7, 8])))
        #expect(try inbound.receive(chunk(token: 2, sequence: 8, requestId: 3)) == .message(requestId: 3, body: ByteBuffer(bytes: [7, 8])))
    }

    @Test("another channel, an unknown token, a sequence jump and a Hello from the server end the connection")
    func violations() {
        func fresh() -> InboundMessages {
            var inbound = InboundMessages(limits: .client)
            inbound.opened(channelId: 1, tokenId: 1)
            return inbound
        }
        var other = fresh()
        #expect(throws: OPCUAError.self) { try other.receive(chunk(channel: 2, sequence: 1)) }
        var token = fresh()
        #expect(throws: OPCUAError.self) { try token.receive(chunk(token: 9, sequence: 1)) }
        var jump = fresh()
        _ = try? jump.receive(chunk(sequence: 1))
        let error = #expect(throws: OPCUAError.self) { try jump.receive(chunk(sequence: 3)) }
        #expect(error?.message.contains("jumped from 1 to 3") == true)
        var hello = fresh()
        var message = ByteBuffer(bytes: Array("HELF".utf8))
        message.writeUA(UInt32(8))
        #expect(throws: OPCUAError.self) { try hello.receive(message) }
    }
}
