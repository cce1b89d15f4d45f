import Foundation
import GRDB
import Testing

@testable import SluiceStore

@Suite struct StoreTests {
    private func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("sluice-store-\(UUID().uuidString).sqlite").path
    }

    @Test func aFileStoreIsInWALModeWithItsSchemaVersioned() throws {
        let path = temporaryPath()
        let store = try SQLiteStore(path: path)
        #expect(try store.schemaVersion() == "v2-people")
        let mode = try DatabaseQueue(path: path).read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        // Opening it again runs no migration twice.
        #expect(try SQLiteStore(path: path).schemaVersion() == "v2-people")
    }

    @Test(arguments: StoreKind.allCases) func storedSamplesAreFoundByTimeAndRecentOnesComeOldestFirstPerAsset(_ kind: StoreKind) throws {
        let store = try kind.make()
        try store.write { session in
            let batch = try session.samples.insertBatch(IngestBatchRecord(correlationID: "c-1", source: "edge", receivedAt: Date()))
            for t in 0..<5 {
                for asset in ["a", "b"] {
                    try session.samples.insert(
                        SampleRecord(asset: asset, time: Date(timeIntervalSince1970: Double(t)), values: ["x": Double(t), "y": 1.5], batch: batch))
                }
            }
        }
        #expect(try store.read { try $0.samples.contains(asset: "a", time: Date(timeIntervalSince1970: 3)) })
        #expect(try store.read { try $0.samples.contains(asset: "a", time: Date(timeIntervalSince1970: 7)) } == false)
        let recent = try store.read { try $0.samples.recentByAsset(perAsset: 3, scanLimit: 100) }
        #expect(recent["a"]?.map(\.time.timeIntervalSince1970) == [2, 3, 4])
        #expect(recent["b"]?.last?.values == ["x": 4, "y": 1.5])
        #expect(try store.read { try $0.samples.count(asset: nil) } == 10)
        #expect(try store.read { try $0.samples.count(asset: "a") } == 5)
    }

    @Test(arguments: StoreKind.allCases) func aFailedTransactionKeepsNothing(_ kind: StoreKind) throws {
        let store = try kind.make()
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try store.write { session in
                let batch = try session.samples.insertBatch(IngestBatchRecord(correlationID: "c", source: "edge", receivedAt: Date()))
                try session.samples.insert(SampleRecord(asset: "a", time: Date(), values: ["x": 1], batch: batch))
                try session.audit.append(AuditEntry(time: Date(), actor: "t", role: "edge", event: "telemetry.accepted", subject: "batch"))
                throw Boom()
            }
        }
        #expect(try store.read { try $0.samples.count(asset: nil) } == 0)
        #expect(try store.read { try $0.audit.checkpoint() } == .empty)
    }

    @Test(arguments: StoreKind.allCases) func outboxEntriesComeDueInOrder(_ kind: StoreKind) throws {
        let store = try kind.make()
        let now = Date(timeIntervalSince1970: 1_000)
        try store.write { session in
            try session.actions.insert(Self.action("a1", now), evidence: "{}")
            try session.actions.insert(Self.action("a2", now), evidence: "{}")
            _ = try session.outbox.enqueue(
                OutboxRecord(
                    actionID: "a1", connector: "webhook", payload: "{}", idempotencyKey: "k1", correlationID: "c", nextAttemptAt: now + 10,
                    createdAt: now))
            _ = try session.outbox.enqueue(
                OutboxRecord(
                    actionID: "a2", connector: "webhook", payload: "{}", idempotencyKey: "k2", correlationID: "c", nextAttemptAt: now, createdAt: now)
            )
        }
        #expect(try store.read { try $0.outbox.due(at: now, limit: 10) }.map(\.idempotencyKey) == ["k2"])
        #expect(try store.read { try $0.outbox.due(at: now + 10, limit: 10) }.map(\.idempotencyKey) == ["k2", "k1"])
        #expect(try store.read { try $0.outbox.nextDue() } == now)
        // An idempotency key is unique: the same action cannot be queued twice.
        #expect(throws: (any Error).self) {
            try store.write { session in
                _ = try session.outbox.enqueue(
                    OutboxRecord(
                        actionID: "a1", connector: "webhook", payload: "{}", idempotencyKey: "k1", correlationID: "c", nextAttemptAt: now,
                        createdAt: now))
            }
        }
    }

    static func action(_ id: String, _ now: Date) -> ActionRecord {
        ActionRecord(
            id: id, cell: "c", gate: "g", type: "maintenance-order", mode: "action", state: .approved, subject: "s", severity: 2, quantity: nil,
            unit: nil, correlationID: "corr", modelName: "m", modelVersion: 1, createdAt: now, expiresAt: now + 3_600)
    }
}
