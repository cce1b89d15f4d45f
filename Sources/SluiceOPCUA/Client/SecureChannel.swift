import Logging
import NIOCore

/// One UA TCP connection and the secure channel on it (security None): Hello and Acknowledge, the channel
/// token and its renewal, chunking out and reassembly in, and matching each response to its request.
///
/// Publish responses are also handed, in the order they arrive, to ``publishResponses``, so notifications
/// are processed in sequence even with several Publish requests outstanding.
actor SecureChannel {
    static let policyNone = "http://opcfoundation.org/UA/SecurityPolicy#None"

    private nonisolated let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private let eventLoop: any EventLoop
    private let logger: Logger
    let ownLimits: TransportLimits
    private var writer = ChunkWriter(peer: .client)
    private var inbound: InboundMessages
    private var acknowledge: EventLoopPromise<TransportLimits>?
    private var pending: [UInt32: (promise: EventLoopPromise<ByteBuffer>, isPublish: Bool)] = [:]
    private var channelId: UInt32 = 0
    private var token: ChannelSecurityToken?
    private var sequenceNumber: UInt32 = 0
    private var requestId: UInt32 = 0
    private var requestHandle: UInt32 = 0
    private var failure: OPCUAError?
    /// Chunks to send, in the order their sequence numbers were given.
    private nonisolated let writes: AsyncStream<[ByteBuffer]>
    private let writeContinuation: AsyncStream<[ByteBuffer]>.Continuation
    /// Completed when the writer has sent everything queued.
    private nonisolated let drained: EventLoopPromise<Void>
    /// Publish response bodies in arrival order.
    nonisolated let publishResponses: AsyncStream<ByteBuffer>
    private let publishContinuation: AsyncStream<ByteBuffer>.Continuation

    /// The channel's security, nil for None.
    nonisolated let security: ChannelSecurity?

    init(
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, eventLoop: any EventLoop, limits: TransportLimits, security: ChannelSecurity?,
        logger: Logger
    ) {
        self.outbound = outbound
        self.eventLoop = eventLoop
        self.logger = logger
        self.security = security
        ownLimits = limits
        inbound = InboundMessages(limits: limits, security: security)
        writer.security = security
        (publishResponses, publishContinuation) = AsyncStream.makeStream(of: ByteBuffer.self)
        (writes, writeContinuation) = AsyncStream.makeStream(of: [ByteBuffer].self)
        drained = eventLoop.makePromise(of: Void.self)
    }

    /// How many times the token was renewed.
    private(set) var renewals = 0

    /// The current token's lifetime in milliseconds (0 before the channel is open).
    var tokenLifetime: UInt32 { token?.revisedLifetime ?? 0 }

    // MARK: Receiving

    /// Reads messages until the connection ends; every request still waiting then fails with the reason.
    func run(_ inbound: NIOAsyncChannelInboundStream<ByteBuffer>) async {
        do {
            for try await frame in inbound {
                try receive(frame)
            }
            fail(OPCUAError(.connectionClosed, "the server closed the connection"))
        } catch let error as OPCUAError {
            fail(error)
        } catch let error as OPCUADecodingError {
            fail(OPCUAError(.protocolViolation, "the server sent a malformed message: \(error)"))
        } catch is CancellationError {
            fail(OPCUAError(.connectionClosed, "the connection was closed by this client"))
        } catch {
            fail(OPCUAError(.connectionClosed, "the connection failed: \(error)"))
        }
    }

    private func receive(_ frame: ByteBuffer) throws {
        switch try inbound.receive(frame) {
        case .acknowledge(let limits):
            guard let promise = acknowledge else { throw OPCUAError(.protocolViolation, "the server sent an Acknowledge that was not asked for") }
            acknowledge = nil
            promise.succeed(limits)
        case .incomplete:
            break
        case .message(let id, let body):
            guard let entry = pending.removeValue(forKey: id) else {
                logger.debug("OPC UA: a response to request \(id) arrived after its caller stopped waiting")
                return
            }
            if entry.isPublish { publishContinuation.yield(body) }
            entry.promise.succeed(body)
        case .aborted(let id, let status, let reason):
            pending.removeValue(forKey: id)?.promise.fail(
                OPCUAError(.serverError, "the server aborted its response: \(reason ?? status.name)", status: status))
        }
    }

    /// Fails every waiting request with `error`, and everything sent later.
    private func fail(_ error: OPCUAError) {
        if failure == nil { failure = error }
        acknowledge?.fail(error)
        acknowledge = nil
        for (_, entry) in pending { entry.promise.fail(error) }
        pending = [:]
        publishContinuation.finish()
        writeContinuation.finish()
    }

    /// Gives the connection up: every waiting request fails with `error`, and so does everything sent later.
    func abandon(_ error: OPCUAError) { fail(error) }

    /// Why the channel is no longer usable, if it is not.
    var closedReason: OPCUAError? { failure }

    // MARK: Sending

    /// Sends Hello and waits for the server's Acknowledge, whose limits bound what this side sends.
    func hello(endpointURL: String, timeout: Duration) async throws -> TransportLimits {
        if let failure { throw failure }
        let promise = eventLoop.makePromise(of: TransportLimits.self)
        acknowledge = promise
        do {
            try write([HelloMessage(limits: ownLimits, endpointURL: endpointURL).encoded()])
        } catch {
            acknowledge = nil
            promise.fail(error)
            throw error
        }
        let limits = try await awaiting(promise, timeout: timeout, what: "the server's Acknowledge")
        writer.peer = limits
        return limits
    }

    /// Opens the channel (or renews its token). With security, both sides' nonces give the keys of the new
    /// token: the client's P_SHA256(server nonce, client nonce), the server's the other way round.
    func open(renew: Bool, requestedLifetime: UInt32, timeout: Duration) async throws {
        let nonce: [UInt8] = security == nil ? [] : (0..<32).map { _ in UInt8.random(in: 0...255) }
        var request = OpenSecureChannelRequest(
            requestType: renew ? .renew : .issue, securityMode: security?.mode ?? .none, clientNonce: nonce, requestedLifetime: requestedLifetime)
        request.requestHeader.requestHandle = nextHandle()
        request.requestHeader.timeoutHint = UInt32(timeout.components.seconds * 1000)
        let id = nextRequestId()
        let chunk = try writer.open(
            channelId: channelId, policy: security == nil ? Self.policyNone : ChannelSecurity.policyURI, sequenceNumber: nextSequenceNumber(),
            requestId: id, body: Self.body(of: request))
        let promise = try send([chunk], requestId: id, isPublish: false)
        let body = try await awaiting(promise, timeout: timeout, what: "OpenSecureChannel", requestId: id)
        let response = try Self.decode(OpenSecureChannelResponse.self, from: body, service: "OpenSecureChannel")
        if renew { renewals += 1 }
        channelId = response.securityToken.channelId
        token = response.securityToken
        var serverKeys: SymmetricKeys?
        if security != nil {
            guard response.serverNonce.count >= 32 else {
                throw OPCUAError(.securityCheckFailed, "the server's nonce has \(response.serverNonce.count) bytes; Basic256Sha256 needs 32")
            }
            writer.keys = SymmetricKeys(secret: response.serverNonce, seed: nonce)
            serverKeys = SymmetricKeys(secret: nonce, seed: response.serverNonce)
        }
        inbound.opened(channelId: channelId, tokenId: response.securityToken.tokenId, serverKeys: serverKeys)
        logger.debug(
            "OPC UA: secure channel \(channelId) \(renew ? "renewed" : "opened"), token \(response.securityToken.tokenId) for \(response.securityToken.revisedLifetime) ms"
        )
    }

    /// Sends `request` and returns its response, or throws the service fault, a Bad service result, a
    /// timeout or the reason the connection ended.
    func call<R: ServiceRequest>(
        _ request: R, authenticationToken: NodeId, timeout: Duration, service: String, isPublish: Bool = false
    ) async throws -> R.Response {
        if let failure { throw failure }
        guard let token else { throw OPCUAError(.connectionClosed, "the secure channel is not open") }
        var request = request
        request.requestHeader.authenticationToken = authenticationToken
        request.requestHeader.requestHandle = nextHandle()
        request.requestHeader.timestamp = .now
        request.requestHeader.timeoutHint = UInt32(
            clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        let id = nextRequestId()
        let chunks = try writer.chunks(
            type: .message, channelId: channelId, tokenId: token.tokenId, requestId: id, body: Self.body(of: request),
            nextSequenceNumber: { nextSequenceNumber() })
        let promise = try send(chunks, requestId: id, isPublish: isPublish)
        let body = try await awaiting(promise, timeout: timeout, what: service, requestId: id)
        return try Self.decode(R.Response.self, from: body, service: service)
    }

    /// Sends CloseSecureChannel; the server closes the connection without answering.
    func close() async {
        guard failure == nil, let token else { return }
        var request = CloseSecureChannelRequest()
        request.requestHeader.requestHandle = nextHandle()
        if let chunks = try? writer.chunks(
            type: .close, channelId: channelId, tokenId: token.tokenId, requestId: nextRequestId(), body: Self.body(of: request),
            nextSequenceNumber: { nextSequenceNumber() })
        {
            try? write(chunks)
        }
        // Let the writer send it before the connection closes.
        writeContinuation.finish()
        _ = try? await awaiting(drained, timeout: .seconds(2), what: "sending CloseSecureChannel")
    }

    /// Queues a request's `chunks` and returns the promise its response completes. Every promise made is
    /// completed: by the response, by ``fail(_:)`` when the connection ends, or here when it already has.
    private func send(_ chunks: [ByteBuffer], requestId id: UInt32, isPublish: Bool) throws -> EventLoopPromise<ByteBuffer> {
        if let failure { throw failure }
        let promise = eventLoop.makePromise(of: ByteBuffer.self)
        pending[id] = (promise, isPublish)
        writeContinuation.yield(chunks)
        return promise
    }

    /// Queues `chunks` for the writer. Sequence numbers are given out in this actor without a suspension
    /// between numbering and queueing, and one writer sends the queue in order, so the server sees them rise.
    private func write(_ chunks: [ByteBuffer]) throws {
        if let failure { throw failure }
        writeContinuation.yield(chunks)
    }

    /// Sends the queued chunks in order until the connection ends.
    nonisolated func runWriter() async {
        defer { drained.succeed() }
        for await chunks in writes {
            do {
                try await outbound.write(contentsOf: chunks)
            } catch {
                // A write fails because the connection closed; the reader usually knows why (what the server
                // sent, or that it hung up). Its reason comes first when it arrives within a moment.
                try? await Task.sleep(for: .milliseconds(200))
                await abandon(OPCUAError(.connectionClosed, "cannot send to the server: \(error)"))
                return
            }
        }
    }

    /// Waits for `promise`, failing it after `timeout`; a request that timed out is forgotten.
    private func awaiting<T: Sendable>(_ promise: EventLoopPromise<T>, timeout: Duration, what: String, requestId: UInt32? = nil) async throws -> T {
        // Completing a promise twice is ignored, so the timer may race the answer.
        let timer = eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            promise.fail(OPCUAError(.timeout, "no answer to \(what) within \(timeout)"))
        }
        defer { timer.cancel() }
        do {
            return try await promise.futureResult.get()
        } catch {
            if let requestId { pending.removeValue(forKey: requestId) }
            throw error
        }
    }

    private func nextSequenceNumber() -> UInt32 {
        sequenceNumber = sequenceNumber >= UInt32.max - 1024 ? 1 : sequenceNumber + 1
        return sequenceNumber
    }

    private func nextRequestId() -> UInt32 {
        requestId = requestId == UInt32.max ? 1 : requestId + 1
        return requestId
    }

    private func nextHandle() -> UInt32 {
        requestHandle &+= 1
        return requestHandle
    }

    /// A request's body: its encoding id, then the request.
    static func body<R: ServiceRequest>(of request: R) -> ByteBuffer {
        var body = ByteBuffer()
        body.writeUA(NodeId(numeric: R.encodingId))
        body.writeUA(request)
        return body
    }

    /// Decodes a response body as `R`, turning a ServiceFault or a Bad service result into an error.
    static func decode<R: ServiceResponse>(_: R.Type, from body: ByteBuffer, service: String) throws -> R {
        var reader = OPCUAReader(body)
        do {
            let typeId = try NodeId(from: &reader)
            if typeId == NodeId(numeric: ServiceFault.encodingId) {
                let fault = try ServiceFault(from: &reader)
                throw OPCUAError(.serviceFault, "the server refused \(service)", status: fault.responseHeader.serviceResult)
            }
            guard typeId == NodeId(numeric: R.encodingId) else {
                throw OPCUAError(.protocolViolation, "the server answered \(service) with a message of type \(typeId)")
            }
            let response = try R(from: &reader)
            if response.responseHeader.serviceResult.isBad {
                throw OPCUAError(.serviceFault, "the server refused \(service)", status: response.responseHeader.serviceResult)
            }
            return response
        } catch let error as OPCUADecodingError {
            throw OPCUAError(.protocolViolation, "the server's answer to \(service) is malformed: \(error)")
        }
    }
}
