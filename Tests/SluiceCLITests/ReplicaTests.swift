import Foundation
import SluiceMQTT
import SluiceService
import SluiceTestSupport
import Testing

/// Three `sluice serve` replicas on one PostgreSQL database, behind no balancer: each request goes to
/// whichever replica the test picks, as a round-robin balancer would send it.
@Suite(.serialized) struct ReplicaTests {
    @Test func threeReplicasRaiseNoDuplicateLoseNoApprovalDispatchOnceAndTakeOverTheScorer() async throws {
        let postgres = try TestPostgres.shared.get()
        let url = try postgres.freshDatabase()
        let erp = try await RunningSink()
        defer { erp.stop() }
        erp.sink.setDelay(.seconds(1))
        let assets = 12
        let folder = try ServerFolder(assets: assets, erpURL: erp.url)
        let migrated = try await offThePool { try folder.run(["migrate", "--store", url]) }
        #expect(migrated.status == 0, "\(migrated.err)")
        let edge = try await offThePool { try folder.token("edge", store: url) }
        let operatorToken = try await offThePool { try folder.token("operator", store: url) }
        let lease = 2.0
        var replicas: [String: ServerProcess] = [:]
        for name in ["r1", "r2", "r3"] {
            replicas[name] = try await offThePool {
                try ServerProcess(folder, store: url, arguments: ["--replica", name, "--lease", "\(lease)", "--retry-delay", "0.2"])
            }
        }
        defer { for replica in replicas.values { replica.stop() } }
        let names = replicas.keys.sorted()
        let urls = replicas.mapValues(\.url)
        func api(_ name: String, _ token: String) -> TestAPI { TestAPI(base: urls[name]!, token: token) }

        // The same faulty batch reaches two replicas (a client's retry through the balancer): one action per asset.
        let now = Date()
        let batch = faultyBatch(assets, at: now)
        for name in ["r1", "r2"] {
            let report = try await api(name, edge).json("POST", "/v1/telemetry", body: batch)
            #expect(report["acceptedSamples"] as? Int == assets)
            #expect(report["queued"] as? Bool == true)
        }
        var ids: [String] = []
        let raised = try await eventually(timeout: .seconds(20)) {
            ids = try await api("r3", operatorToken).actionIDs(state: "pending")
            return ids.count >= assets
        }
        #expect(raised, "the scorer raised the actions")
        try await Task.sleep(for: .milliseconds(500))
        let rows = try await psql(url, "SELECT subject, COUNT(*) FROM action GROUP BY subject HAVING COUNT(*) > 1")
        #expect(rows.isEmpty, "no asset has two actions for one detection: \(rows)")
        #expect(try await psql(url, "SELECT COUNT(*) FROM sample") == ["\(assets)"], "the resent samples were stored once")

        // Every action approved twice at once, on two different replicas: one approval wins, the other is told so.
        for (index, id) in ids.enumerated() {
            let first = names[index % 3]
            let second = names[(index + 1) % 3]
            let (one, other) = (api(first, operatorToken), api(second, operatorToken))
            async let a = one.call("POST", "/v1/actions/\(id)/approve", body: "{}")
            async let b = other.call("POST", "/v1/actions/\(id)/approve", body: "{}")
            let statuses = try await [a.status, b.status].sorted()
            #expect(statuses == [200, 409], "\(id): \(statuses)")
        }
        #expect(try await psql(url, "SELECT COUNT(*) FROM decision WHERE decision = 'approved'") == ["\(assets)"], "one approval each, none lost")

        // Kill the replica holding the cell's scorer lease while calls to the ERP/MES are in flight.
        #expect(try await eventually { erp.sink.arrived > erp.sink.calls.count }, "calls in flight to the ERP/MES")
        let holder = try #require(try await psql(url, "SELECT holder FROM cell_state WHERE holder IS NOT NULL").first)
        let killedAt = ContinuousClock.now
        replicas[holder]!.kill()
        replicas[holder] = nil
        let survivor = replicas.keys.sorted().first!
        var takeover: Duration?
        _ = try await eventually(timeout: .seconds(3 * lease)) {
            let current = try await psql(
                url, "SELECT holder FROM cell_state WHERE holder IS NOT NULL AND lease_until > (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT"
            )
            if let next = current.first, next != holder {
                takeover = ContinuousClock.now - killedAt
                return true
            }
            return false
        }
        let took = try #require(takeover, "another replica took the scorer over")
        print("replica takeover: \(took) after the holder was killed (lease \(lease) s)")
        #expect(took <= .milliseconds(Int(lease * 1000) + 1_000), "taken over within the lease time (and one polling round)")

        // The survivors score new telemetry and deliver every approved call, each key acted on once.
        _ = try await api(survivor, edge).json("POST", "/v1/telemetry", body: faultyBatch(assets, at: now.addingTimeInterval(1), step: 1))
        let rescored = try await eventually(timeout: .seconds(20)) {
            try await api(survivor, operatorToken).actionIDs(state: "pending").count == assets
        }
        #expect(rescored, "the new scorer raised the next detections")
        let delivered = try await eventually(timeout: .seconds(60)) {
            let list = try await api(survivor, operatorToken).json("GET", "/v1/actions?state=acknowledged&limit=100")
            return (list["actions"] as? [Any])?.count == assets
        }
        #expect(delivered, "every approved action reached the ERP/MES")
        let keys = Set(ids.map { "sluice-\($0)" })
        #expect(erp.sink.acceptedKeys == keys)
        let firstTakes = erp.sink.calls.filter { !$0.duplicate }.map(\.key)
        #expect(firstTakes.count == assets && Set(firstTakes) == keys, "each key acted on once")
        let verify = try await offThePool { try folder.run(["audit", "verify", "--store", url]) }
        #expect(verify.status == 0, "the audit chain is whole: \(verify.out)")
    }

    @Test(.enabled(if: MosquittoBroker.isAvailable, "needs the Mosquitto broker (make test installs it)"))
    func mqttSharedAcrossReplicasStoresEverySampleOnce() async throws {
        let broker = try MosquittoBroker()
        try broker.start()
        defer { broker.stop() }
        let url = try TestPostgres.shared.get().freshDatabase()
        let folder = try ServerFolder(assets: 4)
        let migrated = try await offThePool { try folder.run(["migrate", "--store", url]) }
        #expect(migrated.status == 0, "\(migrated.err)")
        let admin = try await offThePool { try folder.token("admin", store: url) }
        let replicas = try await sharedSubscriptionReplicas(folder, store: url, broker: broker, names: ["m1", "m2"])
        defer { for replica in replicas { replica.stop() } }
        for replica in replicas {
            let api = TestAPI(base: replica.url, token: admin)
            #expect(try await eventually { (try await api.json("GET", "/health"))["mqtt"] as? String == "connected" })
        }
        // Each message carries one sample; the broker hands each to one of the two replicas.
        let messages = 200
        try publishSamples(0..<messages, to: broker, start: Date().addingTimeInterval(-60))
        let stored = try await eventually(timeout: .seconds(30)) {
            let samples = try await psql(url, "SELECT COUNT(*) FROM sample")
            let waiting = try await psql(url, "SELECT COUNT(*) FROM inbox")
            return samples == ["\(messages)"] && waiting == ["0"]
        }
        #expect(stored, "every published sample stored and scored")
        #expect(try await psql(url, "SELECT COUNT(*) FROM ingest_batch") == ["\(messages)"], "each message taken by one replica, once")
        for name in ["m1", "m2"] {
            #expect(broker.log.contains("Sending PUBLISH to sluice-\(name)"), "the broker shared the messages with \(name)")
        }
    }
}
