import Foundation
import SluiceService
import SluiceTelemetry
import SluiceTestSupport
import Testing

/// Every step of RUNBOOK.md, tried as the runbook says it, with the command or endpoint it names.
@Suite struct RunbookTests {
    /// "The SLOs": each one's series is on /metrics, and moves with the work.
    @Test func theSLOsAreReadFromMetrics() async throws {
        let erp = try await RunningSink()
        defer { erp.stop() }
        let folder = try ServerFolder(assets: 3, erpURL: erp.url)
        try await folder.migrate()
        let edge = try await folder.token("edge")
        let operatorToken = try await folder.token("operator")
        let server = try await ServerProcess.start(folder)
        defer { server.terminate() }
        let ingest = TestAPI(base: server.url, token: edge)
        let decide = TestAPI(base: server.url, token: operatorToken)
        let ids = try #require(try await ingest.json("POST", "/v1/telemetry", body: faultyBatch(3))["raised"] as? [String])
        for id in ids { _ = try await decide.json("POST", "/v1/actions/\(id)/approve", body: "{}") }
        #expect(try await eventually { erp.sink.acceptedKeys.count == 3 })
        let metrics = try await TestAPI(base: server.url, token: "").call("GET", "/metrics").body
        for series in [
            "sluice_ingest_batch_seconds_bucket", "sluice_sample_to_action_seconds_count 3", "sluice_queued_to_decided_seconds_count 3",
            #"sluice_dispatch_attempts_total{outcome="delivered"} 3"#, #"sluice_dispatch_attempts_total{outcome="dead-lettered"} 0"#,
            "sluice_samples_rejected_total", "sluice_gate_events_total",
        ] {
            #expect(metrics.contains(series), "/metrics has \(series)")
        }
    }

    /// "Ingest stops": the twin names each asset's last sample; the asset that went quiet stands out.
    @Test func aSilentAssetShowsInTheTwinAndTheHealthCheck() async throws {
        let folder = try ServerFolder(assets: 2)
        try await folder.migrate()
        let edge = try await folder.token("edge")
        let admin = try await folder.token("admin")
        let server = try await ServerProcess.start(folder)
        defer { server.terminate() }
        let ingest = TestAPI(base: server.url, token: edge)
        let start = Date().addingTimeInterval(-120)
        let both = TelemetryBatch.json(samples: TestCell.assets(2).map { .init(asset: $0, time: start, values: TestCell.normal(0)) })
        _ = try await ingest.json("POST", "/v1/telemetry", body: both)
        let one = TelemetryBatch.json(samples: [.init(asset: "asset-01", time: start.addingTimeInterval(60), values: TestCell.normal(1))])
        _ = try await ingest.json("POST", "/v1/telemetry", body: one)
        let twin = try await TestAPI(base: server.url, token: admin).json("GET", "/v1/cells/\(TestCell.id)/twin")
        let assets = try #require(twin["assets"] as? [[String: Any]])
        let last = Dictionary(
            uniqueKeysWithValues: assets.compactMap { asset in (asset["asset"] as? String).map { ($0, asset["time"] as? String ?? "") } })
        #expect(last["asset-01"] == ISOTime.format(start.addingTimeInterval(60)))
        #expect(last["asset-02"] == ISOTime.format(start), "asset-02 went quiet a minute earlier: \(last)")
        let health = try await TestAPI(base: server.url, token: "").call("GET", "/health")
        #expect(health.status == 200 && health.body.contains(#""status":"ok""#))
    }

    /// "A connector fails": the failed calls are found by correlation id, their error read, and requeued
    /// once the ERP/MES is back; it acts on each once.
    @Test func aFailedConnectorIsFoundByCorrelationAndRequeued() async throws {
        let erp = try await RunningSink()
        defer { erp.stop() }
        erp.sink.setDown(true)
        let folder = try ServerFolder(assets: 2, erpURL: erp.url)
        try await folder.migrate()
        let edge = try await folder.token("edge")
        let operatorToken = try await folder.token("operator")
        let server = try await ServerProcess.start(folder, arguments: ["--dispatch-attempts", "2", "--retry-delay", "0.2"])
        defer { server.terminate() }
        let decide = TestAPI(base: server.url, token: operatorToken)
        // The edge names its batch; the id follows the actions it raises to the ERP/MES (X-Correlation-ID).
        let correlation = "line-7-shift-2"
        let ingested = try await TestAPI(base: server.url, token: edge).call(
            "POST", "/v1/telemetry", body: faultyBatch(2), headers: [("X-Correlation-ID", correlation)])
        #expect(ingested.status == 200)
        var ids: [String] = []
        #expect(
            try await eventually {
                ids = try await decide.actionIDs(state: "pending")
                return ids.count == 2
            })
        for id in ids { _ = try await decide.json("POST", "/v1/actions/\(id)/approve", body: "{}") }
        #expect(try await eventually(timeout: .seconds(20)) { try await decide.actionIDs(state: "dead-lettered").count == 2 })

        let listed = try await folder.run(["actions", "list", "--store", folder.store, "--state", "dead-lettered"])
        let action = try await decide.json("GET", "/v1/actions/\(ids[0])")
        #expect((action["action"] as? [String: Any])?["correlationID"] as? String == correlation, "\(action)")
        #expect(listed.out.contains("corr \(correlation)") && listed.out.contains(ids[0]), "\(listed.out)")
        let dispatch = try #require((action["dispatch"] as? [[String: Any]])?.first)
        #expect((dispatch["lastError"] as? String)?.contains("503") == true, "the call's last error: \(dispatch)")

        erp.sink.setDown(false)
        let requeued = try await folder.run(["actions", "replay", "--store", folder.store, "--dead-letters", "--by", "runbook"])
        #expect(requeued.status == 0, "\(requeued.err)")
        #expect(try await eventually(timeout: .seconds(20)) { try await decide.actionIDs(state: "acknowledged").count == 2 })
        #expect(erp.sink.calls.filter { !$0.duplicate }.count == 2, "each call acted on once")
    }

    /// "A gate falls back": operators mark its actions false; the gate drops to recommendations; its
    /// evidence says why; a rehearsal runs; the model is rolled back to its previous version.
    @Test func aGateFallbackIsReadRehearsedAndTheModelRolledBack() async throws {
        let folder = try ServerFolder(assets: 12)
        try await folder.migrate()
        let edge = try await folder.token("edge")
        let operatorToken = try await folder.token("operator")
        let adminToken = try await folder.token("admin")
        var server = try await ServerProcess.start(folder)
        let decide = TestAPI(base: server.url, token: operatorToken)
        let ids = try #require(
            try await TestAPI(base: server.url, token: edge).json("POST", "/v1/telemetry", body: faultyBatch(12))["raised"] as? [String])
        for id in ids {
            let rejected = try await decide.call("POST", "/v1/actions/\(id)/reject", body: #"{"reason": "false-alarm", "text": "sensor cleaned"}"#)
            if rejected.status != 200 { break }  // the gate fell back: the rest are recommendations now
        }
        let admin = TestAPI(base: server.url, token: adminToken)
        let gate = try await admin.json("GET", "/v1/gates/\(TestCell.maintenanceGate)")
        #expect(gate["status"] as? String == "fallen-back", "\(gate)")
        // The evidence the judge fell back on is in the report's gate events (the gate's judge starts afresh).
        let report = try await admin.call("GET", "/v1/report?days=1")
        #expect(report.body.contains("gate.fell-back"), "the fallback and its evidence are in the report")
        let early = try await admin.call("POST", "/v1/gates/\(TestCell.maintenanceGate)/promote", body: #"{"reason": "retry"}"#)
        #expect(early.status == 409 && early.body.contains("re-promotion needs a fresh pass"), "\(early.body)")

        // Fresh evidence: the detections come as recommendations now; operators judge them, the judge passes,
        // and the gate is promoted back to where it fell from.
        var judged = 0
        for step in 1...5 where !(try await admin.json("GET", "/v1/gates/\(TestCell.maintenanceGate)")["passed"] as? Bool ?? false) {
            let batch = faultyBatch(12, at: Date().addingTimeInterval(Double(step)), step: step)
            let raised = try #require(
                try await TestAPI(base: server.url, token: edge).json("POST", "/v1/telemetry", body: batch)["raised"] as? [String])
            for id in raised {
                let answer = try await decide.call("POST", "/v1/actions/\(id)/judge", body: #"{"useful": true}"#)
                #expect(answer.status == 200, "\(answer.body)")
                judged += 1
            }
        }
        let passed = try await admin.json("GET", "/v1/gates/\(TestCell.maintenanceGate)")
        #expect(passed["passed"] as? Bool == true, "fresh evidence passed after \(judged) judgements: \(passed)")
        let repromoted = try await admin.call("POST", "/v1/gates/\(TestCell.maintenanceGate)/promote", body: #"{"reason": "fresh pass"}"#)
        #expect(repromoted.status == 200, "\(repromoted.body)")
        #expect((try await admin.json("GET", "/v1/gates/\(TestCell.maintenanceGate)"))["status"] as? String == "running")

        // Rehearse the model on the store's telemetry, as before a re-promotion.
        let rehearsal = try await folder.run([
            "replay", "--dry-run", "--store", folder.store, "--gate", TestCell.maintenanceGate, "--model-version", "1", "--days", "1",
        ])
        #expect(rehearsal.status == 0, "\(rehearsal.err)")
        await server.stop()

        // Roll back: a v2 came after v1; the gate goes back to naming v1, and the server serves it.
        let gateFile = folder.path + "/Gates/\(TestCell.maintenanceGate).yaml"
        try FileManager.default.copyItem(
            atPath: folder.path + "/Models/press-01.pca-t2q.v1.json", toPath: folder.path + "/Models/press-01.pca-t2q.v2.json")
        let v1 = try String(contentsOfFile: gateFile, encoding: .utf8)
        try v1.replacingOccurrences(of: "version: 1", with: "version: 2").write(toFile: gateFile, atomically: true, encoding: .utf8)
        server = try await ServerProcess.start(folder)
        let v2 = try await TestAPI(base: server.url, token: adminToken).json("GET", "/v1/gates/\(TestCell.maintenanceGate)")
        #expect(v2["model"] as? String == "pca-t2q v2", "\(v2)")
        await server.stop()
        try v1.write(toFile: gateFile, atomically: true, encoding: .utf8)
        #expect(try await folder.run(["gates", "check", gateFile]).status == 0)
        server = try await ServerProcess.start(folder)
        defer { server.terminate() }
        let rolledBack = try await TestAPI(base: server.url, token: adminToken).json("GET", "/v1/gates/\(TestCell.maintenanceGate)")
        #expect(rolledBack["model"] as? String == "pca-t2q v1", "\(rolledBack)")
        // A model version change restarts the gate in its first stage: the model earns its stages again.
        #expect(rolledBack["stage"] as? Int == 0 && rolledBack["status"] as? String == "running", "\(rolledBack)")
    }

    /// "Back up and restore", SQLite: an online backup while the server runs, restored over a lost store.
    @Test func theSQLiteStoreIsBackedUpOnlineAndRestored() async throws {
        let folder = try ServerFolder(assets: 3)
        try await folder.migrate()
        let edge = try await folder.token("edge")
        var server = try await ServerProcess.start(folder)
        let raised = try #require(
            try await TestAPI(base: server.url, token: edge).json("POST", "/v1/telemetry", body: faultyBatch(3))["raised"] as? [String])
        #expect(raised.count == 3)
        let backup = folder.path + "/backup.sqlite"
        let store = folder.store
        let backedUp = try await offThePool { try runProgram(URL(fileURLWithPath: "/usr/bin/sqlite3"), [store, ".backup '\(backup)'"]) }
        #expect(backedUp.status == 0, "\(backedUp.err)")
        await server.stop()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: folder.store + suffix) }
        try FileManager.default.copyItem(atPath: backup, toPath: folder.store)
        let verified = try await folder.run(["audit", "verify", "--store", folder.store])
        #expect(verified.status == 0, "\(verified.out)\(verified.err)")
        server = try await ServerProcess.start(folder)
        defer { server.terminate() }
        let admin = try await folder.token("admin")
        let pending = try await TestAPI(base: server.url, token: admin).actionIDs(state: "pending")
        #expect(Set(pending) == Set(raised), "the restored store has the queue as it was")
    }

    /// "Back up and restore", PostgreSQL: pg_dump while replicas run, pg_restore into a new database.
    @Test func thePostgresStoreIsDumpedAndRestored() async throws {
        let url = try await freshPostgresDatabase()
        let folder = try ServerFolder(assets: 3)
        try await folder.migrate(store: url)
        let edge = try await folder.token("edge", store: url)
        let admin = try await folder.token("admin", store: url)
        let server = try await ServerProcess.start(folder, store: url, arguments: ["--replica", "backup-1"])
        defer { server.terminate() }
        let api = TestAPI(base: server.url, token: admin)
        _ = try await TestAPI(base: server.url, token: edge).json("POST", "/v1/telemetry", body: faultyBatch(3))
        var raised: [String] = []
        #expect(
            try await eventually {
                raised = try await api.actionIDs(state: "pending")
                return raised.count == 3
            })
        let dump = folder.path + "/sluice.dump"
        let dumped = try await offThePool { try runProgram(URL(fileURLWithPath: "/usr/bin/pg_dump"), ["--format=custom", "--file", dump, url]) }
        #expect(dumped.status == 0, "\(dumped.err)")

        let restoredURL = try await freshPostgresDatabase()
        let restored = try await offThePool {
            try runProgram(URL(fileURLWithPath: "/usr/bin/pg_restore"), ["--no-owner", "--exit-on-error", "--dbname", restoredURL, dump])
        }
        #expect(restored.status == 0, "\(restored.err)")
        let verified = try await folder.run(["audit", "verify", "--store", restoredURL])
        #expect(verified.status == 0, "\(verified.out)\(verified.err)")
        let listed = try await folder.run(["actions", "list", "--store", restoredURL, "--state", "pending"])
        for id in raised { #expect(listed.out.contains(id), "\(id) restored") }
    }
}
