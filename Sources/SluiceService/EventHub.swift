public import Foundation
import Synchronization

/// A change to the queue or a gate, as the event stream sends it.
public struct QueueEvent: Sendable, Codable, Equatable {
    /// What happened (`action.queued`, `action.approved`, `action.acknowledged`, `gate.fell-back`, …).
    public var event: String
    /// The cell.
    public var cell: String
    /// The action concerned, if any.
    public var action: String?
    /// The gate concerned.
    public var gate: String?
    /// The action's state (or the gate's status) after the change.
    public var state: String
    /// The action's mode.
    public var mode: String?
    /// The asset or material.
    public var subject: String?
    /// When.
    public var time: Date

    /// An event.
    public init(
        event: String, cell: String, action: String? = nil, gate: String? = nil, state: String, mode: String? = nil, subject: String? = nil,
        time: Date
    ) {
        self.event = event
        self.cell = cell
        self.action = action
        self.gate = gate
        self.state = state
        self.mode = mode
        self.subject = subject
        self.time = time
    }
}

/// Fans queue events out to every open event stream, each filtered to its subscriber's cell.
///
/// A slow subscriber never holds the service up: each stream buffers its newest 1,000 events and drops
/// older ones, and a client that reconnects reads the current queue from the API.
public final class EventHub: Sendable {
    private struct Subscriber {
        let cell: String?
        let continuation: AsyncStream<QueueEvent>.Continuation
    }

    private let subscribers = Mutex<[UUID: Subscriber]>([:])

    /// A hub with no subscribers.
    public init() {}

    /// Events of `cell` (nil: every cell) from now on, until the stream is dropped.
    public func subscribe(cell: String?) -> AsyncStream<QueueEvent> {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: QueueEvent.self, bufferingPolicy: .bufferingNewest(1_000))
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        subscribers.withLock { $0[id] = Subscriber(cell: cell, continuation: continuation) }
        return stream
    }

    /// Sends `event` to every subscriber of its cell.
    public func publish(_ event: QueueEvent) {
        let targets = subscribers.withLock { all in all.values.filter { $0.cell == nil || $0.cell == event.cell }.map(\.continuation) }
        for continuation in targets { continuation.yield(event) }
    }

    /// Ends every stream (on shutdown).
    public func finishAll() {
        let all = subscribers.withLock { subscribers in
            defer { subscribers.removeAll() }
            return Array(subscribers.values)
        }
        for subscriber in all { subscriber.continuation.finish() }
    }
}
