import Foundation
import Logging
import SluiceGates
import SluiceService
import SluiceStore
import SluiceTestSupport
import Synchronization
import Testing

/// A stand-in ERP/MES transport that answers with scripted statuses and records every call.
final class ScriptedTransport: DispatchTransport {
    struct Call: Sendable {
        let url: String
        let body: String
        let headers: [String: String]
    }

    private let state = Mutex<(statuses: [Int], calls: [Call])>(([], []))

    /// Answers with `statuses` in turn, then 201 for ever.
    init(statuses: [Int] = []) {
        state.withLock { $0.statuses = statuses }
    }

    var calls: [Call] { state.withLock { $0.calls } }

    func post(url: String, body: String, headers: [(String, String)], timeout: TimeInterval) async throws -> (status: Int, body: String) {
        let status: Int = state.withLock { state in
            state.calls.append(Call(url: url, body: body, headers: Dictionary(headers, uniquingKeysWith: { $1 })))
            return state.statuses.isEmpty ? 201 : state.statuses.removeFirst()
        }
        if status == 0 { throw URLError(.cannotConnectToHost) }
        return (status, "{}")
    }
}

@Suite struct DispatchTests {
    /// Failures are the point of these tests: their warnings would only be noise.
    static let quiet: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }()

    let clock = ManualClock()
    let edge = Principal(tokenID: "e", name: "edge", role: .edge, cell: TestCell.id)
    let olivia = Principal(tokenID: "o", name: "olivia", role: .operator, cell: TestCell.id)

    /// An engine with `count` approved maintenance actions, and a dispatcher over it.
    private func world(approved count: Int, transport: ScriptedTransport, attempts: Int = 4) throws -> (DecisionEngine, Dispatcher, [String]) {
        let engine = try DecisionEngine(store: try SQLiteStore(), catalog: try TestCell.catalog(assets: count), clock: clock.function)
        var ids: [String] = []
        for t in 0..<2 {
            ids += try engine.ingest(
                TestCell.batch(TestCell.assets(count), at: clock.now, values: TestCell.faulty(t)), from: edge, correlationID: "corr-\(t)"
            ).raised
            clock.advance(by: 1)
        }
        for id in ids { try engine.approve(id, by: olivia) }
        var configuration = DispatchConfiguration()
        configuration.url = "http://erp.test"
        configuration.maximumAttempts = attempts
        configuration.baseDelay = 10
        let dispatcher = Dispatcher(
            store: engine.store, catalog: engine.catalog, configuration: configuration, transport: transport, events: engine.events,
            metrics: engine.metrics, logger: Self.quiet, clock: clock.function)
        return (engine, dispatcher, ids)
    }

    @Test func anAcknowledgedCallCarriesItsKeyAndCorrelationAndIsSentOnce() async throws {
        let transport = ScriptedTransport()
        let (engine, dispatcher, ids) = try world(approved: 3, transport: transport)
        #expect(try await dispatcher.dispatchDue() == 3)
        #expect(try await dispatcher.dispatchDue() == 0)
        #expect(transport.calls.count == 3)
        for call in transport.calls {
            #expect(call.url == "http://erp.test/maintenance-orders")
            #expect(call.headers["Idempotency-Key"]?.hasPrefix("sluice-act-") == true)
            #expect(call.headers["X-Correlation-ID"] == "corr-1")
        }
        for id in ids { #expect(try engine.action(id, for: olivia).action.state == "acknowledged") }
    }

    @Test func failuresBackOffThenDeadLetterAndCanBeRequeued() async throws {
        let transport = ScriptedTransport(statuses: [503, 0, 500, 502])
        let (engine, dispatcher, ids) = try world(approved: 1, transport: transport, attempts: 4)
        let id = ids[0]
        var waits: [TimeInterval] = []
        for attempt in 1...4 {
            #expect(try await dispatcher.dispatchDue() == 1, "attempt \(attempt)")
            #expect(try await dispatcher.dispatchDue() == 0, "nothing due before the backoff ends")
            if let due = try engine.store.read({ try $0.outbox.nextDue() }) {
                waits.append(due.timeIntervalSince(clock.now))
                clock.advance(by: due.timeIntervalSince(clock.now) + 0.001)
            }
        }
        // Backoff doubles (10, 20, 40 s, each scaled by a random 50–100 %).
        #expect(waits.count == 3)
        for (i, wait) in waits.enumerated() { #expect(wait >= 10 * pow(2, Double(i)) * 0.5 - 0.01 && wait <= 10 * pow(2, Double(i)) + 0.01) }
        #expect(try engine.action(id, for: olivia).action.state == "dead-lettered")
        let events = try engine.store.read { try $0.audit.records(subject: id) }.map(\.entry.event)
        #expect(events.filter { $0 == "dispatch.failed" }.count == 3)
        #expect(events.last == "dispatch.dead-lettered")

        let requeued = try Dispatcher.requeue(actionID: nil, in: engine.store, by: .local("ada"), now: clock.now)
        #expect(requeued == [id])
        #expect(try await dispatcher.dispatchDue() == 1)
        #expect(try engine.action(id, for: olivia).action.state == "acknowledged")
        // Every attempt, the requeued one too, carried the same key.
        #expect(Set(transport.calls.compactMap { $0.headers["Idempotency-Key"] }).count == 1)
    }

    @Test func aRefusedCallIsDeadLetteredAtOnce() async throws {
        let transport = ScriptedTransport(statuses: [422])
        let (engine, dispatcher, ids) = try world(approved: 1, transport: transport)
        try await dispatcher.dispatchDue()
        let view = try engine.action(ids[0], for: olivia)
        #expect(view.action.state == "dead-lettered")
        #expect(view.dispatch.first?.lastError?.contains("HTTP 422") == true)
    }

    @Test func aCellWithoutAConnectorKeepsItsCallsWaiting() async throws {
        let transport = ScriptedTransport()
        let (engine, _, ids) = try world(approved: 1, transport: transport)
        let dispatcher = Dispatcher(
            store: engine.store, catalog: engine.catalog, transport: transport, events: engine.events, metrics: engine.metrics,
            logger: Self.quiet, clock: clock.function)
        #expect(try await dispatcher.dispatchDue() == 0)
        #expect(try engine.action(ids[0], for: olivia).dispatch.first?.state == "pending")
    }
}
