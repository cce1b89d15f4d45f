import Foundation
import Testing

@testable import SluiceStore

/// The reads the labels export, the report, retraining and rehearsals make.
@Suite struct ReportQueryTests {
    let t0 = Date(timeIntervalSince1970: 1_000_000)

    @Test(arguments: StoreKind.allCases) func anActionKeepsItsStageAndWhenItsNeedWasFirstSeen(_ kind: StoreKind) throws {
        let store = try kind.make()
        var action = StoreTests.action("a1", t0)
        action.stage = "25 %"
        action.detectedAt = t0 - 3
        try store.write { try $0.actions.insert(action, evidence: "{}") }
        let read = try #require(try store.read { try $0.actions.get(id: "a1") })
        #expect(read.stage == "25 %")
        #expect(read.detectedAt == t0 - 3)
    }

    @Test(arguments: StoreKind.allCases) func decisionsAreListedByTimeWithinASpanAndCells(_ kind: StoreKind) throws {
        let store = try kind.make()
        try store.write { session in
            for (i, cell) in ["c", "d", "c"].enumerated() {
                var action = StoreTests.action("a\(i)", t0)
                action.cell = cell
                try session.actions.insert(action, evidence: "{}")
                try session.actions.insertDecision(
                    DecisionRecord(
                        actionID: "a\(i)", decision: .rejected, falsePositive: true, decidedBy: "o", role: "operator", decidedAt: t0 + Double(10 - i)
                    ))
            }
        }
        #expect(try store.read { try $0.actions.decisions(from: t0, to: t0 + 100, cells: nil) }.map(\.actionID) == ["a2", "a1", "a0"])
        #expect(try store.read { try $0.actions.decisions(from: t0, to: t0 + 100, cells: ["c"]) }.map(\.actionID) == ["a2", "a0"])
        #expect(try store.read { try $0.actions.decisions(from: t0 + 9.5, to: t0 + 100, cells: nil) }.map(\.actionID) == ["a0"])
        #expect(try store.read { try $0.actions.decisions(from: t0, to: t0 + 100, cells: []) }.isEmpty)
    }

    @Test(arguments: StoreKind.allCases) func actionsAreFilteredByGateSpanAndShadow(_ kind: StoreKind) throws {
        let store = try kind.make()
        try store.write { session in
            for i in 0..<4 {
                var action = StoreTests.action("a\(i)", t0 + Double(i))
                action.mode = i == 3 ? "shadow" : "action"
                action.gate = i == 0 ? "other" : "g"
                try session.actions.insert(action, evidence: "{}")
            }
        }
        let ids = { (filter: ActionFilter) in try store.read { try $0.actions.list(filter) }.map(\.id) }
        #expect(try ids(ActionFilter(gate: "g")) == ["a2", "a1"])
        #expect(try ids(ActionFilter(gate: "g", includesShadow: true)) == ["a3", "a2", "a1"])
        #expect(try ids(ActionFilter(gate: "g", since: t0 + 2, until: t0 + 3, includesShadow: true)) == ["a2"])
    }

    @Test(arguments: StoreKind.allCases) func samplesOfSomeAssetsComeInTimeOrderWithinASpan(_ kind: StoreKind) throws {
        let store = try kind.make()
        try store.write { session in
            let batch = try session.samples.insertBatch(IngestBatchRecord(correlationID: "c", source: "edge", receivedAt: t0))
            for t in [3.0, 1, 2, 5] {
                for asset in ["a", "b"] { try session.samples.insert(SampleRecord(asset: asset, time: t0 + t, values: ["x": t], batch: batch)) }
            }
        }
        let samples = try store.read { try $0.samples.samples(assets: ["a"], from: t0 + 1, to: t0 + 5) }
        #expect(samples.map(\.values["x"]) == [1, 2, 3])
        #expect(samples.allSatisfy { $0.asset == "a" })
        #expect(try store.read { try $0.samples.timeSpan() } == (t0 + 1)...(t0 + 5))
        #expect(try kind.make().read { try $0.samples.timeSpan() } == nil)
    }

    @Test(arguments: StoreKind.allCases) func movementsComeBackInTimeOrderAndTheLatestRehearsalPerGate(_ kind: StoreKind) throws {
        let store = try kind.make()
        try store.write { session in
            try session.materials.insertMovement(MovementRecord(item: "M", kind: "receipt", quantity: 5, time: t0 + 2, batch: 1))
            try session.materials.insertMovement(MovementRecord(item: "M", kind: "consumption", quantity: 3, time: t0 + 1, batch: 1))
            try session.materials.insertMovement(MovementRecord(item: "N", kind: "consumption", quantity: 1, time: t0, batch: 1))
            for version in [2, 3] {
                _ = try session.rehearsals.insert(
                    RehearsalRecord(gate: "g", candidateVersion: version, from: t0, to: t0 + 60, createdAt: t0, createdBy: "dana", summary: "{}"))
            }
        }
        #expect(try store.read { try $0.materials.movements(item: "M") }.map(\.kind) == ["consumption", "receipt"])
        #expect(try store.read { try $0.rehearsals.latest(gate: "g") }?.candidateVersion == 3)
        #expect(try store.read { try $0.rehearsals.latest(gate: "h") } == nil)
    }
}
