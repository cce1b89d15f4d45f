import Foundation
import GRDB
import SluiceService
import SluiceTelemetry
import SluiceTestSupport
import Synchronization
import Testing

/// The server killed with SIGKILL mid-ingest and mid-dispatch, and the ERP/MES down for a while: what was
/// acknowledged is kept, what was approved goes out, and the ERP/MES acts on each idempotency key once.
@Suite("nothing lost", .serialized)
struct NothingLostTests {
    /// Samples stored in `store`, read from the file directly.
    private func storedSamples(_ store: String) throws -> Set<String> {
        let db = try DatabaseQueue(path: store)
        return try db.read { db in
            Set(try Row.fetchAll(db, sql: "SELECT asset, time FROM sample").map { "\($0["asset"] as String)@\($0["time"] as Int64)" })
        }
    }

    @Test func killedMidIngestEveryAcknowledgedSampleIsKept() async throws {
        let folder = try ServerFolder(assets: 8)
        try await folder.migrate()
        let token = try await folder.token("edge")
        var server = try await ServerProcess.start(folder)
        let api = TestAPI(base: server.url, token: token)
        let acknowledged = Locked<Set<String>>([])
        let start = Date().addingTimeInterval(-600)
        // Four clients post batches of 500 samples as fast as they can; the server is killed under them.
        let clients = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in 0..<4 {
                    group.addTask {
                        for round in 0..<10_000 {
                            var samples: [TelemetryBatch.Outgoing] = []
                            var keys: [String] = []
                            for k in 0..<500 {
                                let time = start.addingTimeInterval(Double(round * 2_000 + client * 500 + k) * 0.001)
                                let asset = TestCell.assets(8)[k % 8]
                                samples.append(.init(asset: asset, time: time, values: TestCell.normal(k)))
                                keys.append("\(asset)@\(AuditChainTime.ms(time))")
                            }
                            guard let (status, _) = try? await api.call("POST", "/v1/telemetry", body: TelemetryBatch.json(samples: samples)) else {
                                return
                            }
                            if status == 200 { acknowledged.withLock { $0.formUnion(keys) } }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        // The kill comes once 40 batches are in: waiting for them is not what is tested, so the wait is long.
        _ = try await eventually(timeout: .seconds(180)) { acknowledged.withLock { $0.count } >= 20_000 }
        await server.kill()
        _ = await clients.result
        let acked = acknowledged.withLock { $0 }
        #expect(acked.count >= 20_000)

        server = try await ServerProcess.start(folder)
        defer { server.terminate() }
        let stored = try storedSamples(folder.store)
        let lost = acked.subtracting(stored)
        #expect(lost.isEmpty, "\(lost.count) acknowledged samples lost")
        // The restarted server answers, and its audit log is whole.
        let verify = try await folder.run(["audit", "verify", "--store", folder.store])
        #expect(verify.status == 0, "\(verify.out)")
    }

    @Test func killedMidDispatchNoApprovalIsLostAndEachKeyIsActedOnOnce() async throws {
        let erp = try await RunningSink()
        defer { erp.stop() }
        erp.sink.setDelay(.milliseconds(400))
        let folder = try ServerFolder(assets: 12, erpURL: erp.url)
        try await folder.migrate()
        let edge = try await folder.token("edge")
        let operatorToken = try await folder.token("operator")
        var server = try await ServerProcess.start(folder, arguments: ["--retry-delay", "0.2"])
        let ingest = TestAPI(base: server.url, token: edge)
        let decide = TestAPI(base: server.url, token: operatorToken)
        let batch = faultyBatch(12)
        let report = try await ingest.json("POST", "/v1/telemetry", body: batch)
        let ids = try #require(report["raised"] as? [String])
        #expect(ids.count == 12)
        for id in ids { _ = try await decide.json("POST", "/v1/actions/\(id)/approve", body: "{}") }
        // Kill while the ERP/MES is still answering the first calls.
        #expect(try await eventually { !erp.sink.calls.isEmpty }, "dispatch had begun")
        await server.kill()
        #expect(erp.sink.acceptedKeys.count < 12, "killed mid-dispatch")

        server = try await ServerProcess.start(folder, arguments: ["--retry-delay", "0.2"])
        defer { server.terminate() }
        let api = TestAPI(base: server.url, token: operatorToken)
        let delivered = try await eventually(timeout: .seconds(60)) {
            try await api.actionIDs(state: "acknowledged").count == 12
        }
        #expect(delivered, "every approved action reaches the ERP/MES after the restart")
        let keys = Set(ids.map { "sluice-\($0)" })
        #expect(erp.sink.acceptedKeys == keys)
        let firstTakes = erp.sink.calls.filter { !$0.duplicate }.map(\.key)
        #expect(firstTakes.count == 12, "each key acted on once; resends were answered as duplicates")
        #expect(Set(firstTakes) == keys)
    }

    @Test func actionsWaitWhileTheERPIsDownAndGoOutWhenItReturns() async throws {
        let erp = try await RunningSink()
        defer { erp.stop() }
        erp.sink.setDown(true)
        let folder = try ServerFolder(assets: 3, erpURL: erp.url)
        try await folder.migrate()
        let edge = try await folder.token("edge")
        let operatorToken = try await folder.token("operator")
        let server = try await ServerProcess.start(folder, arguments: ["--retry-delay", "0.2"])
        defer { server.terminate() }
        let batch = faultyBatch(3)
        let ids = try #require(try await TestAPI(base: server.url, token: edge).json("POST", "/v1/telemetry", body: batch)["raised"] as? [String])
        let api = TestAPI(base: server.url, token: operatorToken)
        for id in ids { _ = try await api.json("POST", "/v1/actions/\(id)/approve", body: "{}") }
        let failing = try await eventually {
            try await api.actionIDs(state: "failed").count == 3
        }
        #expect(failing, "calls fail and wait for their next attempt")
        erp.sink.setDown(false)
        let delivered = try await eventually {
            try await api.actionIDs(state: "acknowledged").count == 3
        }
        #expect(delivered)
        #expect(erp.sink.acceptedKeys.count == 3)
    }
}

/// Milliseconds as the store keys samples.
enum AuditChainTime {
    static func ms(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
}
