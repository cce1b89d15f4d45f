import Foundation
import HTTPTypes
public import Hummingbird
import NIOCore
import Synchronization

/// A stand-in ERP/MES for demos, tests and benchmarks: it takes maintenance orders, purchase
/// requisitions and webhook calls, honours idempotency keys (a repeated key gets the first answer and
/// changes nothing), and can be told to be down.
public final class ERPSink: Sendable {
    /// One call as received.
    public struct Call: Sendable, Codable, Equatable {
        /// The path posted to.
        public var path: String
        /// The idempotency key.
        public var key: String
        /// The correlation id.
        public var correlationID: String?
        /// The body.
        public var body: String
        /// Whether the key had been seen before.
        public var duplicate: Bool
    }

    private struct State {
        var calls: [Call] = []
        var arrived = 0
        var references: [String: String] = [:]
        var down = false
        var delay: Duration = .zero
    }

    private let state = Mutex(State())

    /// A sink that is up.
    public init() {}

    /// Every call answered, in order.
    public var calls: [Call] { state.withLock { $0.calls } }

    /// Calls that have reached the sink, answered or not yet: more than ``calls`` while some are in flight.
    public var arrived: Int { state.withLock { $0.arrived } }

    /// Keys taken (each once, however often it was sent).
    public var acceptedKeys: Set<String> { state.withLock { Set($0.references.keys) } }

    /// Makes the sink answer 503 (down) or work again.
    public func setDown(_ down: Bool) { state.withLock { $0.down = down } }

    /// Makes the sink wait before answering (to catch a sender mid-call).
    public func setDelay(_ delay: Duration) { state.withLock { $0.delay = delay } }

    /// The sink's routes: `POST /{kind}` takes a call; `GET /_calls` lists them; `POST /_down` and `POST /_up`.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("_calls") { _, _ in
            let data = try JSONEncoder().encode(self.calls)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.post("_down") { _, _ in
            self.setDown(true)
            return HTTPResponse.Status.ok
        }
        router.post("_up") { _, _ in
            self.setDown(false)
            return HTTPResponse.Status.ok
        }
        router.post("{kind}") { request, context in
            var request = request
            let body = try await request.collectBody(upTo: 1_024 * 1_024)
            let kind = context.parameters.get("kind") ?? ""
            return try await self.take(
                path: "/" + kind, key: request.headers[HTTPField.Name("Idempotency-Key")!],
                correlationID: request.headers[HTTPField.Name("X-Correlation-ID")!], body: String(buffer: body))
        }
        return router
    }

    private func take(path: String, key: String?, correlationID: String?, body: String) async throws -> Response {
        let delay = state.withLock { state in
            state.arrived += 1
            return state.delay
        }
        if delay > .zero { try await Task.sleep(for: delay) }
        guard let key, !key.isEmpty else {
            return Self.json(.badRequest, "{\"error\":\"an Idempotency-Key header is required\"}")
        }
        let outcome: (down: Bool, duplicate: Bool, reference: String) = state.withLock { state in
            guard !state.down else { return (true, false, "") }
            if let reference = state.references[key] {
                state.calls.append(Call(path: path, key: key, correlationID: correlationID, body: body, duplicate: true))
                return (false, true, reference)
            }
            let reference = String(format: "%@-%06d", path.contains("maintenance") ? "MO" : "PR", state.references.count + 1)
            state.references[key] = reference
            state.calls.append(Call(path: path, key: key, correlationID: correlationID, body: body, duplicate: false))
            return (false, false, reference)
        }
        if outcome.down { return Self.json(.serviceUnavailable, "{\"error\":\"the ERP/MES is down\"}") }
        return Self.json(
            outcome.duplicate ? .ok : .created,
            "{\"reference\":\"\(outcome.reference)\",\"status\":\"\(outcome.duplicate ? "duplicate" : "created")\"}")
    }

    private static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
