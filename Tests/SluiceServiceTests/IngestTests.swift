import Foundation
import SluiceGates
import SluiceService
import SluiceStore
import SluiceTelemetry
import SluiceTestSupport
import Testing

@Suite struct IngestTests {
    let clock = ManualClock()
    let edge = Principal(tokenID: "t1", name: "edge-1", role: .edge, cell: TestCell.id)

    private func engine(assets: Int = 3) throws -> DecisionEngine {
        try DecisionEngine(store: try SQLiteStore(), catalog: try TestCell.catalog(assets: assets), clock: clock.function)
    }

    @Test func everyBadSampleIsRefusedWithItsReasonAndTheRestAreKept() throws {
        let engine = try engine()
        let now = clock.now
        let time = ISOTime.format(now)
        var batch = TelemetryBatch(samples: [
            .init(asset: "asset-01", time: time, values: TestCell.normal(0)),  // 0: fine
            .init(asset: "press-99", time: time, values: TestCell.normal(1)),  // 1: unknown asset
            .init(asset: "asset-02", time: time, values: ["torque": 1]),  // 2: unknown sensor
            .init(asset: "asset-02", time: "yesterday", values: TestCell.normal(2)),  // 3: bad time
            .init(asset: "asset-02", time: ISOTime.format(now.addingTimeInterval(-3 * 86_400)), values: TestCell.normal(3)),  // 4: too old
            .init(asset: "asset-02", time: ISOTime.format(now.addingTimeInterval(3_600)), values: TestCell.normal(4)),  // 5: in the future
            .init(asset: "asset-01", time: time, values: TestCell.normal(5)),  // 6: duplicate of 0 in the batch
            .init(asset: "asset-03", time: time, values: ["pressure": 1e9]),  // 7: beyond the physical range
            .init(asset: "other-01", time: time, values: TestCell.normal(6)),  // 8: another cell's asset
            .init(asset: "asset-03", time: ISOTime.format(now.addingTimeInterval(-1)), values: TestCell.normal(7)),  // 9: fine
        ])
        var invalid = TelemetryBatch.Sample(asset: "asset-02", time: ISOTime.format(now.addingTimeInterval(-2)), values: nil)
        invalid.values = ["pressure": .invalid("null")]
        batch.samples.append(invalid)  // 10: not a number
        let report = try engine.ingest(batch, from: edge)
        #expect(report.acceptedSamples == 2)
        let reasons = Dictionary(uniqueKeysWithValues: report.rejected.map { ($0.index, $0.reason) })
        #expect(Set(reasons.keys) == [1, 2, 3, 4, 5, 6, 7, 8, 10])
        #expect(reasons[1]?.contains("unknown asset 'press-99'") == true)
        #expect(reasons[2]?.contains("unknown sensor 'torque'") == true)
        #expect(reasons[3]?.contains("RFC 3339") == true)
        #expect(reasons[4]?.contains("before the service's clock") == true)
        #expect(reasons[5]?.contains("after the service's clock") == true)
        #expect(reasons[6]?.contains("duplicate") == true)
        #expect(reasons[7]?.contains("physical maximum") == true)
        #expect(reasons[8]?.contains("unknown asset") == true)
        #expect(reasons[10]?.contains("not a number") == true)
        #expect(try engine.store.read { try $0.samples.count(asset: nil) } == 2)
    }

    @Test func aResentBatchIsAllDuplicatesAndChangesNothing() throws {
        let engine = try engine()
        let batch = TestCell.batch(TestCell.assets(3), at: clock.now, values: TestCell.normal(0))
        #expect(try engine.ingest(batch, from: edge).acceptedSamples == 3)
        let again = try engine.ingest(batch, from: edge)
        #expect(again.acceptedSamples == 0)
        #expect(again.rejected.count == 3)
        #expect(again.rejected.allSatisfy { $0.reason.contains("already stored") })
        #expect(try engine.store.read { try $0.samples.count(asset: nil) } == 3)
    }

    @Test func onlyEdgeAndAdminTokensMayIngest() throws {
        let engine = try engine()
        let batch = TestCell.batch(["asset-01"], at: clock.now, values: TestCell.normal(0))
        for role in [Identity.Role.operator, .data, .sponsor] {
            #expect(throws: ServiceError.forbidden("\(role.rawValue) tokens may not push telemetry; that takes admin or edge")) {
                try engine.ingest(batch, from: Principal(tokenID: "x", name: "x", role: role, cell: nil))
            }
        }
        #expect(try engine.ingest(batch, from: Principal(tokenID: "a", name: "ada", role: .admin, cell: nil)).acceptedSamples == 1)
    }

    @Test func malformedJSONSaysWhere() {
        let truncated = #expect(throws: TelemetryJSONError.self) { try TelemetryBatch.decode(Data("{\"samples\": [".utf8)) }
        #expect(truncated?.message.contains("line 1, column 14") == true, "\(String(describing: truncated))")
        #expect(throws: TelemetryJSONError.self) { try TelemetryBatch.decode(Data("[1, 2]".utf8)) }
        let lenient = try? TelemetryBatch.decode(Data("{\"samples\": [42, {\"asset\": 7}]}".utf8))
        #expect(lenient?.samples.count == 2)
        #expect(lenient?.samples[0].problem != nil)
        #expect(lenient?.samples[1].problem == "asset must be a string")
    }

    @Test func hostileJSONIsRefusedNotFatal() throws {
        // Nesting past any batch's shape, and a high surrogate without its low half.
        let deep = String(repeating: "[", count: 100_000)
        #expect(throws: TelemetryJSONError.self) { try TelemetryBatch.decode(Data(("{\"samples\": " + deep).utf8)) }
        let lone = #"{"samples": [{"asset": "a\uD800\u0041", "time": "t", "values": {}}]}"#
        let batch = try TelemetryBatch.decode(Data(lone.utf8))
        #expect(batch.samples.first?.asset == "a\u{FFFD}")
        let numbers = #"{"samples": [{"asset": "x", "time": "t", "values": {"a": 0.1, "b": -12.5e3, "c": 1e400, "d": 123456789012345678901234}}]}"#
        let values = try #require(try TelemetryBatch.decode(Data(numbers.utf8)).samples.first?.values)
        #expect(values["a"] == .number(0.1))
        #expect(values["b"] == .number(-12_500))
        #expect(values["c"] == .number(.infinity), "out of range is not finite, and refused by validation")
        #expect(values["d"] == .number(Double("123456789012345678901234")!), "long mantissas go to the C library, rounded once")
    }

    @Test func theTwinFollowsTheLatestSamplesAndCoverage() throws {
        let engine = try engine()
        for t in 0..<5 {
            _ = try engine.ingest(TestCell.batch(["asset-01"], at: clock.now, values: TestCell.normal(t)), from: edge)
            clock.advance(by: 1)
        }
        // Two sensors stop reporting: after the freshness window (5 s) coverage falls to 3 of 5.
        for t in 5..<12 {
            let values = TestCell.normal(t).filter { $0.key != "flow" && $0.key != "current" }
            _ = try engine.ingest(TestCell.batch(["asset-01"], at: clock.now, values: values), from: edge)
            clock.advance(by: 1)
        }
        let twin = try engine.twin(cell: TestCell.id, for: Principal(tokenID: "o", name: "olivia", role: .operator, cell: TestCell.id))
        let asset = try #require(twin.assets.first { $0.asset == "asset-01" })
        #expect(asset.windowLength == 12)
        #expect(abs(asset.coverage - 0.6) < 1e-9)
        #expect(abs(asset.values["pressure"]! - TestCell.normal(11)["pressure"]!) < 1e-12)
    }

    @Test func onASharedStoreABatchIsRefusedWhileItsCellsScoringLagsTooFarAndAcceptedOnceItCatchesUp() throws {
        let store = try PostgresStore(url: try TestPostgres.shared.get().freshDatabase(), connections: 2)
        var configuration = EngineConfiguration()
        configuration.maximumScoringLag = 30
        let engine = try DecisionEngine(store: store, catalog: try TestCell.catalog(assets: 2), configuration: configuration, clock: clock.function)
        func batch(_ i: Int) -> TelemetryBatch {
            TelemetryBatch(samples: [.init(asset: "asset-01", time: ISOTime.format(clock.now), values: TestCell.normal(i))])
        }
        let waiting = { try store.read { try $0.coordination?.inboxDepth()[TestCell.id] ?? 0 } }
        // No scorer runs: what is accepted waits in the inbox.
        #expect(try engine.ingest(batch(0), from: edge).queued == true)
        clock.advance(by: 20)
        #expect(try engine.ingest(batch(1), from: edge).queued == true, "20 s behind is within the 30 s allowed")
        clock.advance(by: 11)
        let busy = #expect(throws: ServiceError.self) { try engine.ingest(batch(2), from: edge) }
        #expect(busy?.kind == .busy && busy?.retryAfter == 2, "\(String(describing: busy))")
        #expect(busy?.message.contains("scoring is 31 s behind (at most 30 s)") == true, "\(String(describing: busy))")
        #expect(try waiting() == 2, "nothing of the refused batch was stored")
        // The cell's scorer catches up; the same batch is then taken.
        #expect(try engine.scoreQueued(cell: TestCell.id, replica: "r1", lease: 10) == 2)
        #expect(try engine.ingest(batch(2), from: edge).queued == true)
        #expect(try waiting() == 1)
    }
}
