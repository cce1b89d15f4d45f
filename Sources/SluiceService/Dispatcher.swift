public import Foundation
public import Logging
public import ServiceLifecycle
public import SluiceStore
import SluiceTelemetry
import Synchronization

/// Settings of dispatch to the ERP/MES.
public struct DispatchConfiguration: Sendable {
    /// How often the outbox is checked for due calls.
    public var interval: Duration = .milliseconds(200)
    /// Attempts before a call is dead-lettered.
    public var maximumAttempts = 12
    /// The wait after the first failure; it doubles with each failure, with jitter.
    public var baseDelay: TimeInterval = 1
    /// The longest wait between attempts.
    public var maximumDelay: TimeInterval = 300
    /// How long one call may take.
    public var timeout: TimeInterval = 10
    /// Calls in flight at once.
    public var concurrency = 8
    /// An ERP/MES URL for every cell, overriding the cell files (`--erp-url`).
    public var url: String?
    /// The `Authorization` header value sent to the ERP/MES, if it needs one. Never logged.
    public var authorization: String?

    /// The defaults: 12 attempts, between about 9 and 18½ minutes from the first to the dead letter (the
    /// 11 waits add up to at most 1,111 s, halved at worst by the jitter).
    public init() {}
}

/// Sends one call to the ERP/MES.
public protocol DispatchTransport: Sendable {
    /// Posts `body` to `url` with `headers`; returns the status code and the response body.
    func post(url: String, body: String, headers: [(String, String)], timeout: TimeInterval) async throws -> (status: Int, body: String)
}

/// Works the transactional outbox: sends each approved action to its cell's ERP/MES with its idempotency
/// key, retries failures with exponential backoff and jitter, and dead-letters a call after the limit.
///
/// An entry is marked delivered only after the receiver acknowledges it, so a crash between sending and
/// recording sends it again on restart, with the same idempotency key: the receiver acts on it once.
public final class Dispatcher: Service {
    let store: any Store
    let catalog: Catalog
    let configuration: DispatchConfiguration
    let transport: any DispatchTransport
    let events: EventHub
    let metrics: ServiceMetrics
    let logger: Logger
    let clock: @Sendable () -> Date
    /// Cells already warned about having no connector, so the warning is said once, not every round.
    private let warnedCells = Mutex<Set<String>>([])

    /// A dispatcher over `store`'s outbox.
    public init(
        store: any Store, catalog: Catalog, configuration: DispatchConfiguration = DispatchConfiguration(), transport: any DispatchTransport,
        events: EventHub, metrics: ServiceMetrics, logger: Logger, clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.catalog = catalog
        self.configuration = configuration
        self.transport = transport
        self.events = events
        self.metrics = metrics
        self.logger = logger
        self.clock = clock
    }

    /// Works the outbox until shutdown; a call in flight at shutdown is finished and recorded first.
    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                _ = try await dispatchDue()
            } catch {
                logger.error("dispatch round failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: configuration.interval)
        }
    }

    /// Sends every call due now; returns how many were attempted.
    @discardableResult
    public func dispatchDue() async throws -> Int {
        let now = clock()
        // Claimed for the length of a call and a margin: no other dispatcher (another replica) takes them
        // meanwhile, and if this one dies mid-call they come due again when the claim lapses and are sent
        // again under the same idempotency key.
        let claimUntil = now.addingTimeInterval(configuration.timeout + 5)
        let due: [(OutboxRecord, ActionRecord)] = try store.write { session in
            try session.outbox.claimDue(at: now, until: claimUntil, limit: 64).compactMap { entry in
                try session.actions.get(id: entry.actionID).map { (entry, $0) }
            }
        }
        var sendable: [(OutboxRecord, ActionRecord, String)] = []
        var waiting: [OutboxRecord] = []
        for (entry, action) in due {
            guard let base = configuration.url ?? catalog.cells[action.cell]?.connector?.url else {
                if warnedCells.withLock({ $0.insert(action.cell).inserted }) {
                    logger.warning(
                        "no ERP/MES connector for the cell (erp.url in its file, or --erp-url): approved actions wait in the outbox",
                        metadata: ["cell": "\(action.cell)"])
                }
                waiting.append(entry)
                continue
            }
            sendable.append((entry, action, base))
        }
        if !waiting.isEmpty {
            // Looked at again in a minute, without counting as an attempt, so they never crowd out other cells' calls.
            try store.write { session in
                for var entry in waiting {
                    entry.nextAttemptAt = now.addingTimeInterval(60)
                    try session.outbox.update(entry)
                }
            }
        }
        guard !sendable.isEmpty else { return 0 }
        // The whole round is marked in flight in one transaction, not one per call.
        try store.write { session in
            for (_, action, _) in sendable {
                guard var current = try session.actions.get(id: action.id),
                    current.state == .approved || current.state == .failed
                else { continue }
                current.state = .dispatched
                current.updatedAt = now
                try session.actions.update(current)
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var inFlight = 0
            for (entry, action, base) in sendable {
                if inFlight == configuration.concurrency {
                    try await group.next()
                    inFlight -= 1
                }
                inFlight += 1
                group.addTask { try await self.send(entry, action: action, to: base) }
            }
            try await group.waitForAll()
        }
        return sendable.count
    }

    private func send(_ entry: OutboxRecord, action: ActionRecord, to base: String) async throws {
        let url = base.trimmingSuffix("/") + ConnectorMapping.path(for: entry.connector)
        var headers = [
            ("Content-Type", "application/json"), ("Idempotency-Key", entry.idempotencyKey), ("X-Correlation-ID", entry.correlationID),
            ("X-Sluice-Attempt", String(entry.attempts + 1)),
        ]
        if let authorization = configuration.authorization { headers.append(("Authorization", authorization)) }
        let outcome: Outcome
        do {
            let response = try await transport.post(url: url, body: entry.payload, headers: headers, timeout: configuration.timeout)
            switch response.status {
            case 200..<300: outcome = .delivered(response.status)
            case 408, 409, 425, 429, 500...: outcome = .retry("HTTP \(response.status): \(response.body.prefix(200))")
            default: outcome = .permanent("HTTP \(response.status): \(response.body.prefix(200))")
            }
        } catch {
            outcome = .retry("\(error)".prefix(300).description)
        }
        try record(outcome, entry: entry, action: action, url: url)
    }

    private enum Outcome {
        case delivered(Int)
        case retry(String)
        case permanent(String)
    }

    private func record(_ outcome: Outcome, entry: OutboxRecord, action: ActionRecord, url: String) throws {
        let now = clock()
        var entry = entry
        entry.attempts += 1
        let (event, state): (String, ActionState)
        var details: [String: JSONValue] = [
            "connector": .string(entry.connector), "attempt": .number(Double(entry.attempts)), "idempotencyKey": .string(entry.idempotencyKey),
        ]
        switch outcome {
        case .delivered(let status):
            entry.state = .delivered
            entry.deliveredAt = now
            entry.lastError = nil
            (event, state) = ("dispatch.acknowledged", .acknowledged)
            details["status"] = .number(Double(status))
            metrics.dispatchDelivered.increment()
        case .retry(let error) where entry.attempts < configuration.maximumAttempts:
            entry.lastError = error
            entry.nextAttemptAt = now.addingTimeInterval(backoff(afterAttempt: entry.attempts))
            (event, state) = ("dispatch.failed", .failed)
            details["error"] = .string(error)
            details["nextAttemptAt"] = .string(ISOTime.format(entry.nextAttemptAt))
            metrics.dispatchFailed.increment()
        case .retry(let error), .permanent(let error):
            entry.state = .dead
            entry.lastError = error
            (event, state) = ("dispatch.dead-lettered", .deadLettered)
            details["error"] = .string(error)
            metrics.dispatchDeadLettered.increment()
        }
        try store.write { session in
            try session.outbox.update(entry)
            if var current = try session.actions.get(id: action.id) {
                current.state = state
                current.updatedAt = now
                try session.actions.update(current)
            }
            try session.audit.append(
                AuditEntry(
                    time: now, actor: Principal.system.name, role: "system", event: event, subject: action.id, cell: action.cell,
                    correlationID: entry.correlationID, details: JSONValue.object(details).encoded))
        }
        let level: Logger.Level = state == .acknowledged ? .info : (state == .failed ? .warning : .error)
        logger.log(
            level: level, "\(event)",
            metadata: [
                "action.id": "\(action.id)", "correlation.id": "\(entry.correlationID)", "dispatch.url": "\(url)",
                "dispatch.attempt": "\(entry.attempts)", "dispatch.error": "\(entry.lastError ?? "")",
            ])
        events.publish(
            QueueEvent(
                event: "action.\(state.rawValue)", cell: action.cell, action: action.id, gate: action.gate, state: state.rawValue, mode: action.mode,
                subject: action.subject, time: now))
    }

    /// The wait before the next attempt: base × 2^(attempts − 1), capped, scaled by a random 50–100 % so
    /// that calls failing together do not retry together.
    func backoff(afterAttempt attempts: Int) -> TimeInterval {
        let exponential = configuration.baseDelay * pow(2, Double(max(0, attempts - 1)))
        return min(configuration.maximumDelay, exponential) * Double.random(in: 0.5...1)
    }

    /// Puts dead-lettered (or failing) calls back in the queue, due now: those of `actionID`, or every
    /// dead letter when nil. Returns the actions requeued.
    @discardableResult
    public static func requeue(actionID: String?, in store: any Store, by principal: Principal, now: Date = Date()) throws -> [String] {
        try principal.require(.requeueDispatch)
        return try store.write { session in
            let entries: [OutboxRecord]
            if let actionID {
                guard try session.actions.get(id: actionID).map({ principal.reaches($0.cell) }) == true else {
                    throw ServiceError.notFound("no action \(actionID)")
                }
                entries = try session.outbox.entries(actionID: actionID).filter { $0.state == .dead }
                guard !entries.isEmpty else {
                    throw ServiceError.conflict("\(actionID) has no dead-lettered call to requeue (a pending one is already queued)")
                }
            } else {
                entries = try session.outbox.entries(state: .dead, limit: 10_000)
            }
            var requeued: [String] = []
            for var entry in entries {
                guard let action = try session.actions.get(id: entry.actionID), principal.reaches(action.cell) else { continue }
                entry.state = .pending
                entry.attempts = 0
                entry.nextAttemptAt = now
                try session.outbox.update(entry)
                var current = action
                current.state = .approved
                current.updatedAt = now
                try session.actions.update(current)
                try session.audit.append(
                    AuditEntry(
                        time: now, actor: principal.name, role: principal.role.rawValue, event: "dispatch.requeued", subject: entry.actionID,
                        cell: action.cell, correlationID: entry.correlationID,
                        details: JSONValue.object(["previousError": .string(entry.lastError ?? "")]).encoded))
                requeued.append(entry.actionID)
            }
            return requeued
        }
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var text = self
        while text.hasSuffix(suffix) { text.removeLast(suffix.count) }
        return text
    }
}
