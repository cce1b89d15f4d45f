import NIOCore
import NIOPosix
import SluiceOPCUA
import Testing

/// A server that answers every connection with `reply` and then whatever the client sends with nothing.
private final class RawReply: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let reply: [UInt8]
    init(_ reply: [UInt8]) { self.reply = reply }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: reply)), promise: nil)
    }
}

@Suite("A hostile OPC UA server ends its own connection with a clear error, never the process")
struct HostileServerTests {
    private func withServer(replying reply: [UInt8], _ body: (Int) async throws -> Void) async throws {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { $0.pipeline.addHandler(RawReply(reply)) }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { channel.close(promise: nil) }
        try await body(channel.localAddress!.port!)
    }

    private static func header(_ type: String, size: UInt32) -> [UInt8] {
        Array(type.utf8) + withUnsafeBytes(of: size.littleEndian, Array.init)
    }

    @Test(
        "a huge size, a tiny size, an unknown message type, a truncated Acknowledge and silence",
        arguments: [
            (header("ACKF", size: 1 << 30), "over the"),
            (header("ACKF", size: 3), "fewer than its own header"),
            (header("XYZF", size: 12) + [0, 0, 0, 0], "unknown message type"),
            (header("ACKF", size: 12) + [0, 0, 0, 0], "input ends"),
            ([], "no answer to the server's Acknowledge"),
        ])
    func hostile(_ reply: [UInt8], _ expected: String) async throws {
        try await withServer(replying: reply) { port in
            var configuration = OPCUAClient.Configuration(endpoint: "opc.tcp://127.0.0.1:\(port)")
            configuration.requestTimeout = .seconds(3)
            let error = await #expect(throws: OPCUAError.self) { try await OPCUAClient.withSession(configuration) { _ in } }
            #expect(error?.description.contains(expected) == true, "\(String(describing: error))")
        }
    }
}
