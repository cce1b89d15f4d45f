import Foundation
import SluiceMQTT
import SluiceService
import SluiceTestSupport
import Testing

/// Three `sluice serve` replicas on one PostgreSQL database, behind no balancer: each request goes to
/// whichever replica the test picks, as a round-robin balancer would send it.
@Suite(.serialized) struct ReplicaTests {
    @Test func threeReplicasRaiseNoDuplicateLoseNoApprovalDispatchOnceAndTakeOverTheScorer() async throws {
        let url = try await freshPostgresDatabase()
        let erp = try await RunningSink()
        defer { erp.stop() }
        erp.sink.setDelay(.seconds(1))
        let assets = 12
        let folder = try ServerFolder(assets: assets, erpURL: erp.url)
        try await folder.migrate(store: url)
        // The database notes when the scorer lease changes hands, by its own clock: the takeover is timed
        // there, not by this test's polling, which shares two cores with every other suite.
        _ = try await psql(
            url,
            """
            CREATE TABLE lease_change (holder TEXT, at_ms BIGINT);
            CREATE FUNCTION note_lease_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
                IF NEW.holder IS DISTINCT FROM OLD.holder THEN
                    INSERT INTO lease_change VALUES (NEW.holder, (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT);
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER lease_change AFTER UPDATE ON cell_state FOR EACH ROW EXECUTE FUNCTION note_lease_change();
            """)
        let edge = try await folder.token("edge", store: url)
        let operatorToken = try await folder.token("operator", store: url)
        let lease = 2.0
        var replicas: [String: ServerProcess] = [:]
        for name in ["r1", "r2", "r3"] {
            replicas[name] = try await ServerProcess.start(
                folder, store: url, arguments: ["--replica", name, "--lease", "\(lease)", "--retry-delay", "0.2"])
        }
        defer { for replica in replicas.values { replica.terminate() } }
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
        let killedAt = Int64((Date().timeIntervalSince1970 * 1000).rounded())
        await replicas[holder]!.kill()
        replicas[holder] = nil
        let survivor = replicas.keys.sorted().first!
        var takenAt: Int64?
        _ = try await eventually {
            let change = try await psql(
                url, "SELECT at_ms FROM lease_change WHERE holder IS NOT NULL AND holder <> '\(holder)' AND at_ms >= \(killedAt)")
            takenAt = change.first.flatMap { Int64($0) }
            return takenAt != nil
        }
        let took = Double(try #require(takenAt, "another replica took the scorer over") - killedAt) / 1000
        print("replica takeover: \(took) s after the holder was killed (lease \(lease) s)")
        // The holder's lease ran at most `lease` past its last round; a survivor tries once a round (100 ms).
        #expect(took <= lease + 1, "taken over within the lease time (and a scorer round, with a second to spare)")

        // The survivors score new telemetry and deliver every approved call, each key acted on once.
        _ = try await api(survivor, edge).json("POST", "/v1/telemetry", body: faultyBatch(assets, at: now.addingTimeInterval(1), step: 1))
        let rescored = try await eventually(timeout: .seconds(20)) {
            try await api(survivor, operatorToken).actionIDs(state: "pending").count == assets
        }
        #expect(rescored, "the new scorer raised the next detections")
        let delivered = try await eventually(timeout: .seconds(60)) {
            try await api(survivor, operatorToken).actionIDs(state: "acknowledged").count == assets
        }
        #expect(delivered, "every approved action reached the ERP/MES")
        let keys = Set(ids.map { "sluice-\($0)" })
        #expect(erp.sink.acceptedKeys == keys)
        let firstTakes = erp.sink.calls.filter { !$0.duplicate }.map(\.key)
        #expect(firstTakes.count == assets && Set(firstTakes) == keys, "each key acted on once")
        let verify = try await folder.run(["audit", "verify", "--store", url])
        #expect(verify.status == 0, "the audit chain is whole: \(verify.out)")
    }

    @Test(.enabled(if: MosquittoBroker.isAvailable, "needs the Mosquitto broker (make test installs it)"))
    func mqttSharedAcrossReplicasStoresEverySampleOnce() async throws {
        let broker = try await startedBroker()
        defer { broker.stop() }
        let url = try await freshPostgresDatabase()
        let folder = try ServerFolder(assets: 4)
        try await folder.migrate(store: url)
        let admin = try await folder.token("admin", store: url)
        let replicas = try await sharedSubscriptionReplicas(folder, store: url, broker: broker, names: ["m1", "m2"])
        defer { for replica in replicas { replica.terminate() } }
        for replica in replicas {
            let api = TestAPI(base: replica.url, token: admin)
            #expect(try await eventually { (try await api.json("GET", "/health"))["mqtt"] as? String == "connected" })
        }
        // Each message carries one sample; the broker hands each to one of the two replicas.
        let messages = 200
        try await publishSamples(0..<messages, to: broker, start: Date().addingTimeInterval(-60))
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
