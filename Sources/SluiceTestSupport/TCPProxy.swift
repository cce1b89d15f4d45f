import NIOCore
import NIOPosix
import Synchronization

/// A TCP proxy on a free local port in front of a server, whose connections a test can cut to play a
/// network outage: the client and the server each see their connection closed, and while the proxy is cut
/// it closes every new connection at once. Before cutting it can hold back what the server sends for a
/// while, so that answers already on their way are lost with the connection, as on a real network.
public final class TCPProxy: Sendable {
    /// The proxy's port on 127.0.0.1.
    public let port: Int
    private let listener: any Channel
    private let state: Shared

    struct State {
        var isCut = false
        var holdingBack = false
        var connections: [ObjectIdentifier: (any Channel, any Channel)] = [:]
    }

    /// The state, shared with the event loops' handlers.
    final class Shared: Sendable {
        private let state = Mutex(State())
        func withLock<T>(_ body: (inout State) -> T) -> T { state.withLock { body(&$0) } }
    }

    /// A proxy forwarding to `host`:`targetPort`.
    public init(to host: String = "127.0.0.1", port targetPort: Int) async throws {
        let state = Shared()
        self.state = state
        let group = MultiThreadedEventLoopGroup.singleton
        listener = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { inbound in
                if state.withLock({ $0.isCut }) { return inbound.close() }
                return ClientBootstrap(group: inbound.eventLoop)
                    .connect(host: host, port: targetPort)
                    .flatMap { outbound in
                        let key = ObjectIdentifier(inbound)
                        state.withLock { $0.connections[key] = (inbound, outbound) }
                        inbound.closeFuture.whenComplete { _ in state.withLock { _ = $0.connections.removeValue(forKey: key) } }
                        return inbound.pipeline.addHandler(Forward(to: outbound, state: state, fromServer: false))
                            .flatMap { outbound.pipeline.addHandler(Forward(to: inbound, state: state, fromServer: true)) }
                            .flatMap { inbound.setOption(.autoRead, value: true) }
                    }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = listener.localAddress?.port ?? 0
    }

    deinit { listener.close(promise: nil) }

    /// Cuts every connection, after holding back what the server sends for `holdBack` first, and refuses new
    /// ones until ``restore()``.
    public func cut(holdingBack holdBack: Duration = .zero) async throws {
        if holdBack > .zero {
            state.withLock { $0.holdingBack = true }
            try await Task.sleep(for: holdBack)
        }
        let connections = state.withLock { state in
            state.isCut = true
            state.holdingBack = false
            return Array(state.connections.values)
        }
        for (inbound, outbound): (any Channel, any Channel) in connections {
            inbound.close(promise: nil)
            outbound.close(promise: nil)
        }
    }

    /// Accepts and forwards connections again.
    public func restore() { state.withLock { $0.isCut = false } }

    /// Copies one side's bytes to the other, and closes the other side when this one closes.
    private final class Forward: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let partner: any Channel
        let state: Shared
        let fromServer: Bool

        init(to partner: any Channel, state: Shared, fromServer: Bool) {
            self.partner = partner
            self.state = state
            self.fromServer = fromServer
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if fromServer, state.withLock({ $0.holdingBack }) { return }
            partner.writeAndFlush(unwrapInboundIn(data), promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            partner.close(promise: nil)
            context.fireChannelInactive()
        }
    }
}
