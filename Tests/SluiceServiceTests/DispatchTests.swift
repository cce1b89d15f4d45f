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

/// A stand-in ERP/MES that cannot be reached until a time on the test's clock, and answers 201 after it.
final class OutageTransport: DispatchTransport {
    struct Call: Sendable {
        let key: String
        let time: Date
        let succeeded: Bool
    }

    let clock: ManualClock
    let downUntil: Date
    private let recorded = Mutex<[Call]>([])

    init(clock: ManualClock, downUntil: Date) {
        self.clock = clock
        self.downUntil = downUntil
    }

    var calls: [Call] { recorded.withLock { $0 } }

    func post(url: String, body: String, headers: [(String, String)], timeout: TimeInterval) async throws -> (status: Int, body: String) {
        let now = clock.now
        let key = headers.first { $0.0 == "Idempotency-Key" }?.1 ?? ""
        let up = now >= downUntil
        recorded.withLock { $0.append(Call(key: key, time: now, succeeded: up)) }
        guard up else { throw URLError(.cannotConnectToHost) }
        return (201, "{}")
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
    private func world(
        approved count: Int, transport: any DispatchTransport, attempts: Int = 4, baseDelay: TimeInterval = 10
    ) throws -> (DecisionEngine, Dispatcher, [String]) {
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
        configuration.baseDelay = baseDelay
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
        for id in ids { #expect(try engine.action(id, for: olivia).action.state == .acknowledged) }
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
        #expect(try engine.action(id, for: olivia).action.state == .deadLettered)
        let events = try engine.store.read { try $0.audit.records(subject: id) }.map(\.entry.event)
        #expect(events.filter { $0 == "dispatch.failed" }.count == 3)
        #expect(events.last == "dispatch.dead-lettered")

        let requeued = try Dispatcher.requeue(actionID: id, in: engine.store, by: .local("ada"), now: clock.now)
        #expect(requeued == [id])
        #expect(try await dispatcher.dispatchDue() == 1)
        #expect(try engine.action(id, for: olivia).action.state == .acknowledged)
        // Every attempt, the requeued one too, carried the same key.
        #expect(Set(transport.calls.compactMap { $0.headers["Idempotency-Key"] }).count == 1)
    }

    /// The ERP/MES unreachable for ten minutes, on the default retry settings, in simulated time: the
    /// dispatcher runs a round every 200 ms, so the clock jumps from one due call to the next plus a round.
    @Test func aTenMinuteERPOutageLosesNothingAndRecoversWithinTheLongestBackoff() async throws {
        let defaults = DispatchConfiguration()
        #expect(defaults.interval == .milliseconds(200))
        let round: TimeInterval = 0.2
        let outage: TimeInterval = 600
        let transport = OutageTransport(clock: clock, downUntil: clock.now.addingTimeInterval(outage))
        let (engine, dispatcher, ids) = try world(
            approved: 6, transport: transport, attempts: defaults.maximumAttempts, baseDelay: defaults.baseDelay)
        let outageEnds = transport.downUntil
        var acknowledged: [String: Date] = [:]
        while acknowledged.count < ids.count, clock.now < outageEnds.addingTimeInterval(3_600) {
            try await dispatcher.dispatchDue()
            for id in ids where acknowledged[id] == nil {
                if try engine.action(id, for: olivia).action.state == .acknowledged { acknowledged[id] = clock.now }
            }
            guard let due = try engine.store.read({ try $0.outbox.nextDue() }) else { break }
            clock.advance(by: max(0, due.timeIntervalSince(clock.now)) + round)
        }
        #expect(acknowledged.count == ids.count, "every approved call delivered once the ERP/MES is back")
        for id in ids { #expect(try engine.action(id, for: olivia).action.state == .acknowledged, "\(id) never dead-lettered") }
        let recovery = try #require(acknowledged.values.max()).timeIntervalSince(outageEnds)
        let attempts = transport.calls.count
        print("ERP/MES down \(Int(outage)) s: \(attempts) attempts for \(ids.count) calls; all delivered \(Int(recovery)) s after it returned")
        #expect(recovery <= defaults.maximumDelay + 1, "recovered within the longest wait between attempts")
        let taken = transport.calls.filter(\.succeeded).map(\.key)
        #expect(taken.count == ids.count && Set(taken).count == ids.count, "each key taken once")
        // Once it was back, each call went once more, and that attempt was taken.
        let afterwards = transport.calls.filter { $0.time >= outageEnds }
        #expect(afterwards.count == ids.count && afterwards.allSatisfy(\.succeeded), "one attempt per call after the outage, taken")
    }

    @Test func aRefusedCallIsDeadLetteredAtOnce() async throws {
        let transport = ScriptedTransport(statuses: [422])
        let (engine, dispatcher, ids) = try world(approved: 1, transport: transport)
        try await dispatcher.dispatchDue()
        let view = try engine.action(ids[0], for: olivia)
        #expect(view.action.state == .deadLettered)
        #expect(view.dispatch.first?.lastError?.contains("HTTP 422") == true)
    }

    @Test func aCellWithoutAConnectorKeepsItsCallsWaiting() async throws {
        let transport = ScriptedTransport()
        let (engine, _, ids) = try world(approved: 1, transport: transport)
        let dispatcher = Dispatcher(
            store: engine.store, catalog: engine.catalog, transport: transport, events: engine.events, metrics: engine.metrics,
            logger: Self.quiet, clock: clock.function)
        #expect(try await dispatcher.dispatchDue() == 0)
        #expect(try engine.action(ids[0], for: olivia).dispatch.first?.state == .pending)
    }
}
