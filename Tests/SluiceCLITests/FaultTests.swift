import Foundation
import SluiceMQTT
import SluiceService
import SluiceTelemetry
import SluiceTestSupport
import Testing

/// Faults under replicas on PostgreSQL: the database restarted under load, the broker restarted. Each test
/// prints its time to recover; RELIABILITY.md records them.
@Suite(.serialized) struct FaultTests {
    /// What a load client saw: the samples acknowledged (by time in milliseconds), and every status.
    private struct LoadRecord: Sendable {
        var acknowledged: [Int64] = []
        var statuses: [Int: Int] = [:]
        var firstAcknowledgedAfterRestart: ContinuousClock.Instant?
    }

    @Test func postgresRestartedUnderLoadKeepsWhatWasAcknowledgedAndRecovers() async throws {
        // A server of its own: the shared one serves the other tests meanwhile.
        let postgres = try await offThePool { try TestPostgres() }
        defer { try? postgres.stop() }
        let url = try await offThePool { try postgres.freshDatabase() }
        let erp = try await RunningSink()
        defer { erp.stop() }
        erp.sink.setDelay(.seconds(2))
        let assets = 4
        let folder = try ServerFolder(assets: assets, erpURL: erp.url)
        try await folder.migrate(store: url)
        let edge = try await folder.token("edge", store: url)
        let operatorToken = try await folder.token("operator", store: url)
        var replicas: [ServerProcess] = []
        for name in ["p1", "p2"] {
            replicas.append(
                try await ServerProcess.start(folder, store: url, arguments: ["--replica", name, "--lease", "2", "--retry-delay", "0.2"]))
        }
        defer { for replica in replicas { replica.terminate() } }
        let apis = replicas.map { TestAPI(base: $0.url, token: edge) }
        let decide = TestAPI(base: replicas[0].url, token: operatorToken)

        // Actions to approve just before the database goes, so that their calls are in flight when it does.
        let start = Date().addingTimeInterval(-3_600)
        _ = try await apis[0].json("POST", "/v1/telemetry", body: faultyBatch(assets, at: start))
        var ids: [String] = []
        #expect(
            try await eventually {
                ids = try await decide.actionIDs(state: "pending")
                return ids.count == assets
            })

        // Two clients send one sample per asset per request, a second apart in telemetry time, to both replicas.
        let record = Locked(LoadRecord())
        let restartedAt = Locked<ContinuousClock.Instant?>(nil)
        let stop = Locked(false)
        let load = Task {
            await withTaskGroup(of: Void.self) { group in
                for client in 0..<2 {
                    group.addTask {
                        var step = 0
                        while !stop.withLock({ $0 }) {
                            step += 1
                            let time = start.addingTimeInterval(Double(step * 2 + client))
                            let body = TelemetryBatch.json(
                                samples: TestCell.assets(assets).map { .init(asset: $0, time: time, values: TestCell.normal(step)) })
                            let status = (try? await apis[(step + client) % 2].call("POST", "/v1/telemetry", body: body).status) ?? -1
                            let now = ContinuousClock.now
                            record.withLock { record in
                                record.statuses[status, default: 0] += 1
                                guard status == 200 else { return }
                                record.acknowledged.append(AuditChainTime.ms(time))
                                if let restarted = restartedAt.withLock({ $0 }), now > restarted, record.firstAcknowledgedAfterRestart == nil {
                                    record.firstAcknowledgedAfterRestart = now
                                }
                            }
                            try? await Task.sleep(for: .milliseconds(20))
                        }
                    }
                }
            }
        }
        try await Task.sleep(for: .seconds(2))
        for id in ids { _ = try await decide.json("POST", "/v1/actions/\(id)/approve", body: "{}") }
        #expect(try await eventually { erp.sink.arrived > erp.sink.calls.count }, "calls in flight to the ERP/MES")
        try await offThePool { try postgres.kill() }
        let before = record.withLock { $0.acknowledged.count }
        try await Task.sleep(for: .seconds(3))
        try await offThePool { try postgres.restart() }
        let restarted = ContinuousClock.now
        restartedAt.withLock { $0 = restarted }
        let resumed = try await eventually(timeout: .seconds(30)) { record.withLock { $0.firstAcknowledgedAfterRestart != nil } }
        #expect(resumed, "ingest resumed after the restart")
        try await Task.sleep(for: .seconds(2))
        stop.withLock { $0 = true }
        await load.value

        // Every acknowledged sample is stored, once; scoring catches up; every call is delivered, each key taken once.
        let seen = record.withLock { $0 }
        let drained = try await eventually(timeout: .seconds(30)) { try await psql(url, "SELECT COUNT(*) FROM inbox") == ["0"] }
        let scoredAt = ContinuousClock.now
        #expect(drained, "the scorer emptied the inbox")
        // Each acknowledged batch carried one sample per asset, all at one time.
        let perTime = try await psql(url, "SELECT time, COUNT(*) FROM sample GROUP BY time").reduce(into: [Int64: Int]()) { counts, row in
            let parts = row.split(separator: "|")
            if parts.count == 2, let time = Int64(parts[0]), let count = Int(parts[1]) { counts[time] = count }
        }
        let missing = seen.acknowledged.filter { perTime[$0] != assets }
        #expect(missing.isEmpty, "\(missing.count) acknowledged batches not stored whole")
        let duplicates = try await psql(url, "SELECT asset, time FROM sample GROUP BY asset, time HAVING COUNT(*) > 1")
        #expect(duplicates.isEmpty, "no sample stored twice")
        #expect(seen.statuses[503, default: 0] > 0, "requests came in while the database was down: \(seen.statuses)")
        let unexpected = seen.statuses.keys.filter { $0 != 200 && $0 != 503 }
        #expect(unexpected.isEmpty, "while the database was down, requests were answered 503 (try again), never 500: \(seen.statuses)")
        let delivered = try await eventually(timeout: .seconds(60)) {
            try await decide.actionIDs(state: "acknowledged").count == assets
        }
        #expect(delivered, "every approved call reached the ERP/MES")
        let firstTakes = erp.sink.calls.filter { !$0.duplicate }.map(\.key)
        #expect(firstTakes.count == assets && Set(firstTakes) == Set(ids.map { "sluice-\($0)" }), "each key acted on once")
        #expect(erp.sink.calls.contains { $0.duplicate }, "a call answered during the outage went again and was taken as a duplicate")
        #expect(try await folder.run(["audit", "verify", "--store", url]).status == 0, "the audit chain is whole")
        let ingestRecovery = try #require(seen.firstAcknowledgedAfterRestart) - restarted
        print(
            """
            PostgreSQL restarted under load: \(seen.acknowledged.count) batches acknowledged (\(before) before the crash), \
            statuses \(seen.statuses.sorted { $0.key < $1.key }); ingest acknowledged again \(ingestRecovery) after the restart, \
            inbox drained \(scoredAt - restarted) after it
            """)
        #expect(ingestRecovery < .seconds(5), "ingest back within 5 s of the database")
    }

    @Test(.enabled(if: MosquittoBroker.isAvailable, "needs the Mosquitto broker (make test installs it)"))
    func brokerRestartedUnderReplicasLosesNothingTheyAcknowledged() async throws {
        let broker = try await startedBroker()
        defer { broker.stop() }
        let url = try await freshPostgresDatabase()
        let folder = try ServerFolder(assets: 4)
        try await folder.migrate(store: url)
        let admin = try await folder.token("admin", store: url)
        let replicas = try await sharedSubscriptionReplicas(folder, store: url, broker: broker, names: ["b1", "b2"])
        defer { for replica in replicas { replica.terminate() } }
        let apis = replicas.map { TestAPI(base: $0.url, token: admin) }
        // /health answers 503 (degraded) while MQTT is disconnected; its body says so either way.
        func connected() async throws -> Bool {
            for api in apis where !(try await api.call("GET", "/health").body.contains(#""mqtt":"connected""#)) { return false }
            return true
        }
        #expect(try await eventually { try await connected() })

        let start = Date().addingTimeInterval(-600)
        func stored(_ count: Int) async throws -> Bool {
            try await eventually(timeout: .seconds(30)) { try await psql(url, "SELECT COUNT(*) FROM sample") == ["\(count)"] }
        }
        try await publishSamples(0..<100, to: broker, start: start)
        #expect(try await stored(100))

        try await offThePool { broker.stop() }
        let degraded = try await eventually {
            for api in apis {
                let health = try await api.call("GET", "/health")
                guard health.status == 503, health.body.contains(#""status":"degraded""#) else { return false }
            }
            return true
        }
        #expect(degraded, "every replica reports the broker gone: /health 503, degraded")
        try await Task.sleep(for: .seconds(2))
        try await offThePool { try broker.start() }
        let restarted = ContinuousClock.now
        #expect(try await eventually { try await connected() }, "both replicas reconnected and subscribed again")
        let reconnected = ContinuousClock.now - restarted
        try await publishSamples(100..<200, to: broker, start: start)
        #expect(try await stored(200), "the messages after the restart are stored too")
        #expect(try await psql(url, "SELECT COUNT(*) FROM ingest_batch") == ["200"], "each message taken once")
        print("broker restarted under two replicas: both subscribed again \(reconnected) after it came back; 200 of 200 samples stored once")
        #expect(reconnected < .seconds(12), "reconnected within the longest reconnect wait (10 s) and a poll")
    }
}
